import { AsyncLocalStorage } from 'node:async_hooks';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec, type SerializationContext } from '@temporalio/common';
import proto from '@temporalio/proto';
import { REFUSED_PAYLOAD_FIELD, type PayloadRefusal } from '../workflows/refused-payload.js';
import type { Config, EncryptionKey } from './config.js';

const PayloadProto = proto.temporal.api.common.v1.Payload;

/** Encoding name of payloads this codec produced. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key that names the key a payload was encrypted with. */
export const KEY_ID_METADATA = 'encryption-key-id';
/**
 * Metadata key naming the workflow a payload was sealed for, in the clear and authenticated as AES-GCM
 * additional data: the codec server scopes decoding by it, and it cannot be changed or moved to another
 * workflow without failing decryption. Payloads sealed before it existed have none.
 */
export const WORKFLOW_METADATA = 'jiesu-workflow';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const JSON_ENCODING = 'json/plain';
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

const metadataText = (payload: Payload, key: string): string | undefined => {
  const value = payload.metadata?.[key];
  return value ? textDecoder.decode(value) : undefined;
};
const additionalData = (workflowId: string): Buffer => Buffer.from(`${WORKFLOW_METADATA}:${workflowId}`, 'utf8');

/** Text a caller declared public (it holds no personal data) for the duration of one client call. */
const publicText = new AsyncLocalStorage<string>();

/**
 * Runs `call` with `text` declared public: a payload of exactly that string is stored unencrypted, so the
 * Temporal UI shows it without a codec session. Used for workflow summaries (infra/temporal.ts).
 */
export function withPublicText<T>(text: string | undefined, call: () => Promise<T>): Promise<T> {
  return text === undefined ? call() : publicText.run(text, call);
}

const isDeclaredPublic = (payload: Payload): boolean => {
  const text = publicText.getStore();
  return text !== undefined && metadataText(payload, METADATA_ENCODING_KEY) === JSON_ENCODING && Buffer.from(payload.data ?? []).equals(Buffer.from(JSON.stringify(text)));
};

/**
 * Whether a payload is sealed by this codec and the workflow it names, as its metadata claims: readable
 * before decrypting, and authenticated by it (a changed name fails decryption).
 */
export function sealing(payload: Payload): { sealed: boolean; workflowId: string | undefined } {
  return { sealed: metadataText(payload, METADATA_ENCODING_KEY) === ENCRYPTED_ENCODING, workflowId: metadataText(payload, WORKFLOW_METADATA) };
}

/** Why a sealed payload could not be opened. */
export class PayloadOpenError extends Error {
  constructor(
    readonly refusal: Extract<PayloadRefusal, 'undecryptable' | 'unknown-key'>,
    message: string,
  ) {
    super(message);
    this.name = 'PayloadOpenError';
  }
}

/** A payload as found: in the clear, or sealed by this codec (for the workflow it names, if any). */
export type OpenedPayload = { sealed: false; payload: Payload } | { sealed: true; payload: Payload; workflowId: string | undefined };

/**
 * AES-256-GCM over whole payloads (data and metadata), so workflow inputs, results, signals, updates,
 * queries and activity arguments are ciphertext in Temporal's history. Each payload is bound to the workflow
 * it belongs to (the SDK's serialization context) as authenticated data. The first key encrypts; every key
 * decrypts, so keys rotate by putting a new one first and keeping the old ones until no history needs them.
 *
 * `decode` lets unencrypted payloads through: clients read what Temporal holds (a summary, an operator's
 * termination details). Workers use {@link WorkerCodec}, which trusts only what this codec sealed.
 */
export class AesGcmCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error('AesGcmCodec needs at least one key');
    for (const { id, key } of keys) if (key.length !== 32) throw new Error(`Encryption key ${id} must be 32 bytes (AES-256)`);
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    return payloads.map((payload) => (isDeclaredPublic(payload) ? payload : this.seal(payload, context?.workflowId)));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.open(payload).payload);
  }

  /** Encrypts one payload, bound to `workflowId` when there is one. */
  seal(payload: Payload, workflowId: string | undefined): Payload {
    const { id, key } = this.keys[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    if (workflowId !== undefined) cipher.setAAD(additionalData(workflowId));
    const clear = PayloadProto.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(clear), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: textEncoder.encode(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: textEncoder.encode(id),
        ...(workflowId !== undefined ? { [WORKFLOW_METADATA]: textEncoder.encode(workflowId) } : {}),
      },
      data,
    };
  }

  /** Decrypts a sealed payload, checking the workflow it names; throws {@link PayloadOpenError} if it cannot. */
  open(payload: Payload): OpenedPayload {
    const { sealed, workflowId } = sealing(payload);
    if (!sealed) return { sealed: false, payload };
    const keyId = metadataText(payload, KEY_ID_METADATA) ?? '';
    const key = this.byId.get(keyId);
    if (!key) throw new PayloadOpenError('unknown-key', `No decryption key "${keyId}" (configure it in JIESU_ENCRYPTION_KEYS)`);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadOpenError('undecryptable', 'Encrypted payload is too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      if (workflowId !== undefined) decipher.setAAD(additionalData(workflowId));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const clear = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return { sealed: true, payload: PayloadProto.decode(clear) as Payload, workflowId };
    } catch {
      throw new PayloadOpenError('undecryptable', 'Encrypted payload failed authentication (tampered, or its metadata was changed)');
    }
  }
}

/** Ids of runs a Schedule starts: the Schedule action's workflow id plus `-<RFC 3339 time>`. */
const SCHEDULED_RUN_SUFFIX = /^-\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** True if a payload sealed for `sealedFor` may be read by workflow `workflowId`. */
export function sealedForWorkflow(sealedFor: string | undefined, workflowId: string | undefined): boolean {
  if (sealedFor === undefined || workflowId === undefined || sealedFor === workflowId) return true;
  return workflowId.startsWith(sealedFor) && SCHEDULED_RUN_SUFFIX.test(workflowId.slice(sealedFor.length));
}

/** The payload a refused message decodes to inside the workflow (workflows/refused-payload.ts). */
function refusedPayload(refusal: PayloadRefusal): Payload {
  return { metadata: { [METADATA_ENCODING_KEY]: textEncoder.encode(JSON_ENCODING) }, data: textEncoder.encode(JSON.stringify({ [REFUSED_PAYLOAD_FIELD]: refusal })) };
}

/**
 * The worker's codec: trusts only payloads sealed by Jiesu for the workflow at hand. Messages to a workflow
 * (start input, signals, updates, queries) that fail that test decode to a refusal value that the workflow
 * interceptors turn away — never an error, which would fail the workflow task on every retry and so let one
 * forged signal brick a case. Payloads of the worker's own making (activity inputs and results) that fail
 * it are an error: the task fails and retries until the keys are fixed, and nothing is decided on them.
 */
export class WorkerCodec implements PayloadCodec {
  constructor(private readonly codec: AesGcmCodec) {}

  encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    return this.codec.encode(payloads, context);
  }

  async decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    const message = context?.type === 'workflow';
    return payloads.map((payload) => {
      let refusal: PayloadRefusal;
      try {
        const opened = this.codec.open(payload);
        if (opened.sealed && sealedForWorkflow(opened.workflowId, context?.workflowId)) return opened.payload;
        refusal = opened.sealed ? 'other-workflow' : 'unencrypted';
      } catch (error) {
        if (!(error instanceof PayloadOpenError)) throw error;
        if (!message) throw error;
        refusal = error.refusal;
      }
      if (!message) throw new PayloadOpenError('undecryptable', `Refused an ${refusal} payload for ${context?.type ?? 'an unknown'} context`);
      return refusedPayload(refusal);
    });
  }
}

/** The codec of the configured keys: every client uses it. */
export function payloadCodec(config: Pick<Config, 'encryptionKeys'>): AesGcmCodec {
  return new AesGcmCodec(config.encryptionKeys);
}
