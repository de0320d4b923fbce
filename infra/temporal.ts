import { readFileSync } from 'node:fs';
import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { PayloadCodec, SearchAttributeType } from '@temporalio/common';
import { payloadCodec, withPublicText, WorkerCodec } from './codec.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

const INDEXED_VALUE_TYPE = proto.temporal.api.enums.v1.IndexedValueType;
type IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;

/**
 * Registers custom search attributes on any server (dev server, self-hosted cluster) through the operator
 * API. Idempotent: attributes that exist are left alone; a type clash is a clear error.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string, keys: ReadonlyArray<{ name: string; type: SearchAttributeType }>, logger: Logger): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const custom = existing.customAttributes ?? {};
  const missing: Record<string, IndexedValueType> = {};
  for (const key of keys) {
    const wanted = INDEXED_VALUE_TYPE[`INDEXED_VALUE_TYPE_${key.type}`];
    const have = custom[key.name];
    if (have === undefined) missing[key.name] = wanted;
    else if (have !== wanted) {
      throw new Error(`Search attribute ${key.name} exists with type ${INDEXED_VALUE_TYPE[have]}, ${key.type} is needed`);
    }
  }
  if (Object.keys(missing).length === 0) return;
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  logger.info({ added: Object.keys(missing) }, 'Registered custom search attributes');
}

/** TLS settings of a Temporal connection, as the client and the worker's native connection take them. */
export interface TemporalTls {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

/**
 * How to reach the configured Temporal server: its address, and TLS with this process's client certificate
 * (mTLS) when `TEMPORAL_TLS_*` are set. For `Connection.connect` and `NativeConnection.connect` alike.
 */
export function temporalConnectionOptions(config: Pick<Config, 'temporal'>, address: string): { address: string; tls?: TemporalTls } {
  const tls = config.temporal.tls;
  if (tls === undefined) return { address };
  return {
    address,
    tls: {
      ...(tls.serverName !== undefined ? { serverNameOverride: tls.serverName } : {}),
      ...(tls.caPath !== undefined ? { serverRootCACertificate: readFileSync(tls.caPath) } : {}),
      ...(tls.certPath !== undefined && tls.keyPath !== undefined ? { clientCertPair: { crt: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) } } : {}),
    },
  };
}

/** What every client converts payloads with: the encryption codec of the configured keys. */
export function dataConverter(config: Pick<Config, 'encryptionKeys'>): { payloadCodecs: PayloadCodec[] } {
  return { payloadCodecs: [payloadCodec(config)] };
}

/** What workers convert payloads with: the same keys, trusting only what they sealed (infra/codec.ts `WorkerCodec`). */
export function workerDataConverter(config: Pick<Config, 'encryptionKeys'>): { payloadCodecs: PayloadCodec[] } {
  return { payloadCodecs: [new WorkerCodec(payloadCodec(config))] };
}

/**
 * A workflow's static summary is public by rule: it holds no personal data (the case number, category and
 * urgency), so it is stored unencrypted and operators read it in the Temporal UI without a codec session.
 * Everything else a start sends stays encrypted.
 */
const publicSummaries: WorkflowClientInterceptor = {
  startWithDetails: (input, next) => withPublicText(input.options.staticSummary, () => next(input)),
  signalWithStart: (input, next) => withPublicText(input.options.staticSummary, () => next(input)),
  startUpdateWithStart: (input, next) => withPublicText(input.workflowStartOptions.staticSummary, () => next(input)),
};

/** A client of the configured namespace that encrypts what it sends and decrypts what it reads. */
export function createClient(connection: Connection, config: Pick<Config, 'encryptionKeys' | 'temporal'>): Client {
  return new Client({ connection, namespace: config.temporal.namespace, dataConverter: dataConverter(config), interceptors: { workflow: [publicSummaries] } });
}
