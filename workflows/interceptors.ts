/**
 * Workflow interceptors of every Jiesu workflow (registered by worker/create-worker.ts
 * `workflowInterceptorModules`). One job: messages whose payload the worker's codec refused (plaintext sent
 * straight to Temporal, tampered or copied ciphertext — see ./refused-payload.ts) never reach workflow code.
 */
import {
  ApplicationFailure,
  log,
  type Next,
  type QueryInput,
  type SignalInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
} from '@temporalio/workflow';
import { describeRefusal, REFUSED_PAYLOAD_ERROR, refusalIn, type PayloadRefusal } from './refused-payload.js';

/**
 * The error for a refused message. A key this worker lacks is its own misconfiguration: a plain Error fails
 * the workflow task, which Temporal retries until the key is configured, so nothing is lost or decided on it.
 * Anything else is the sender's fault and a final, typed refusal.
 */
function refusalError(what: string, refusal: PayloadRefusal): Error {
  const message = `Refused ${what}: ${describeRefusal(refusal)}`;
  if (refusal === 'unknown-key') return new Error(message);
  return ApplicationFailure.create({ type: REFUSED_PAYLOAD_ERROR, message, nonRetryable: true });
}

class RefuseUntrustedMessages implements WorkflowInboundCallsInterceptor {
  /** A start with a refused input fails at once and says why (a key this worker lacks: retried instead). */
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const refusal = refusalIn(input.args);
    if (refusal) {
      log.warn('Refused to start: untrusted input', { refusal });
      throw refusalError('the workflow input', refusal);
    }
    return next(input);
  }

  /** Refused in validation, so the update never enters history. Validators run only for new updates, never on replay. */
  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    const refusal = refusalIn(input.args);
    if (refusal) {
      log.warn('Rejected an update: untrusted payload', { update: input.name, updateId: input.updateId, refusal });
      throw refusalError(`update ${input.name}`, refusal);
    }
    next(input);
  }

  /** For update handlers without a validator (every Jiesu update has one). */
  async handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    const refusal = refusalIn(input.args);
    if (refusal) throw refusalError(`update ${input.name}`, refusal);
    return next(input);
  }

  /**
   * A signal is already in history when the worker sees it, so it is ignored, never thrown on: an error here
   * would fail the workflow (or its every task). Replay ignores it the same way.
   */
  async handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    const refusal = refusalIn(input.args);
    if (refusal) {
      log.warn('Ignored a signal: untrusted payload', { signal: input.signalName, refusal, reason: describeRefusal(refusal) });
      return;
    }
    return next(input);
  }

  async handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    const refusal = refusalIn(input.args);
    if (refusal) throw refusalError(`query ${input.queryName}`, refusal);
    return next(input);
  }
}

/** Picked up by the SDK from every module in the bundle's interceptor modules. */
export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [new RefuseUntrustedMessages()] });
