/**
 * What the worker's codec hands workflow code instead of a message payload it will not trust: Temporal is
 * the trust boundary, and only the API and the worker (which hold the encryption keys) may speak to a case.
 * A plaintext or tampered payload becomes this value rather than an error, because a decode error fails the
 * whole workflow task, again on every retry: one forged signal in a history would brick its case for good.
 * `workflows/interceptors.ts` refuses these values at every entry point. Pure: imported by the worker's codec
 * (infra/codec.ts) and by workflow code.
 */

/** Why a payload was refused. `unknown-key` is the worker's own configuration problem, not the sender's. */
export type PayloadRefusal = 'unencrypted' | 'undecryptable' | 'unknown-key' | 'other-workflow';

/** The field that marks a refused payload's value (no encrypted message of ours has it). */
export const REFUSED_PAYLOAD_FIELD = 'jiesuRefusedPayload';

/** Error type of updates, queries and starts refused for their payload. */
export const REFUSED_PAYLOAD_ERROR = 'RefusedPayload';

/** The value a refused payload decodes to. */
export type RefusedPayload = { readonly [REFUSED_PAYLOAD_FIELD]: PayloadRefusal };

/** The refusal, if any, among a message's arguments. */
export function refusalIn(args: readonly unknown[]): PayloadRefusal | undefined {
  for (const arg of args) {
    if (typeof arg === 'object' && arg !== null && REFUSED_PAYLOAD_FIELD in arg) return (arg as RefusedPayload)[REFUSED_PAYLOAD_FIELD];
  }
  return undefined;
}

/** Words for a refusal, for logs and error messages (never the payload itself). */
export function describeRefusal(refusal: PayloadRefusal): string {
  switch (refusal) {
    case 'unencrypted':
      return 'its payload is not encrypted (only the Jiesu API and worker may send to a case)';
    case 'undecryptable':
      return 'its payload does not decrypt (tampered, or not sealed by Jiesu)';
    case 'unknown-key':
      return 'its payload is encrypted with a key this worker does not hold (check JIESU_ENCRYPTION_KEYS on every worker)';
    case 'other-workflow':
      return 'its payload was sealed for another workflow (copied from another history)';
  }
}
