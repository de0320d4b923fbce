import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { isPrincipalRole } from '../../db/api-keys.js';
import { ACTIONS, rolesOf } from '../../domain/engine/actions.js';
import { ACTOR_RULE_TEXT } from '../../domain/engine/actor-rules.js';
import { REFUSALS, type ActionType } from '../../domain/engine/types.js';
import type { UnitChain } from '../../domain/units.js';
import { actionUpdates, complaintWorkflowId, type ActionInput, type UpdateAction } from '../../workflows/messages.js';
import type { RouteDeps } from '../deps.js';
import { actorOf, caseAnswer, caseProblem, closedCaseProblem, executeCaseUpdate } from '../cases.js';
import { principalOf } from '../auth.js';
import { HttpProblem } from '../problem.js';
import { CaseNoParams, CaseViewSchema, problemResponses } from '../schemas.js';

/** The common refusals every action may answer, beside its own. */
const COMMON_REFUSALS = [REFUSALS.notPermitted, REFUSALS.notYourCase, REFUSALS.notAllowedNow, REFUSALS.caseClosed, REFUSALS.invalidInput];

/** The OpenAPI description of an action, from its catalogue entry: who, when, and what it may answer. */
export function describeAction(type: ActionType): string {
  const spec = ACTIONS[type];
  const who = Object.entries(spec.who)
    .map(([role, rule]) => `a ${role} ${ACTOR_RULE_TEXT[rule]}`)
    .join('; or ');
  const when = spec.tasks ? `while the case waits in a ${spec.tasks.join(' or ')} task` : 'any time the case is open';
  return `Who: ${who}. When: ${when}. Refused with the reason ${[...spec.refusals, ...COMMON_REFUSALS].join(', ')}.`;
}

/** How long an action request waits for the case to take it before answering 202 (a worker or PostgreSQL is down). */
const ACTION_WAIT_MS = 10_000;

const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9._:-]{8,100}$',
      description: 'Makes a retried action the same action: a repeat with the same key answers with the first outcome instead of acting twice',
    }),
  ),
});

const Pending = Type.Object(
  {
    status: Type.Literal('pending'),
    idempotencyKey: Type.String({ description: 'Send the same request again with this Idempotency-Key header to learn its outcome' }),
    detail: Type.String(),
  },
  { description: 'The case has not taken the action up yet (no worker answered in time); it may still be applied. Retry with the Idempotency-Key.' },
);

/** The deadline of the update call passed: nobody took the update up in time. */
const timedOut = (error: unknown): boolean => {
  // The SDK's own word for an update call that ran out of time or was cut off: it may still be applied.
  // At the deadline the gRPC call can end CANCELLED rather than DEADLINE_EXCEEDED (seen on a loaded machine).
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    if ((e as { code?: unknown }).code === 4 || /DEADLINE_EXCEEDED|deadline exceeded/i.test(e.message)) return true;
  }
  return false;
};

/** Temporal's answer for a workflow that has completed (or never existed), or a refusal because the case is closed. */
const isGone = (error: unknown): boolean =>
  error instanceof WorkflowNotFoundError ||
  (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === REFUSALS.caseClosed);

/** Every state change of a case: one endpoint per action, each a Workflow Update refused synchronously when invalid. */
export const caseActionRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { temporal, units, categories, config, database }) => {
  const chainOf = (id: string, field: string): UnitChain => {
    const chain = units.chain(id);
    if (!chain) throw new HttpProblem(422, 'unknown-unit', 'Unknown unit', `${field}: no active unit "${id}"`, { errors: [{ field: `body/${field}`, message: 'is not an active unit' }] });
    return chain;
  };
  /** Turns a request body into the update's fields, resolving the catalogue's unit fields to unit chains. */
  const fields = (type: ActionType, body: Record<string, unknown>): Record<string, unknown> => {
    const resolved: Record<string, unknown> = { ...body };
    for (const { body: field, action, many } of ACTIONS[type].unitFields ?? []) {
      const value = body[field];
      delete resolved[field];
      if (value === undefined) continue;
      resolved[action] = many ? (value as string[]).map((id, i) => chainOf(id, `${field}/${i}`)) : chainOf(value as string, field);
    }
    return resolved;
  };

  for (const type of Object.keys(ACTIONS) as ActionType[]) {
    const spec = ACTIONS[type];
    app.post(
      `/v1/complaints/:caseNo/${spec.path}`,
      {
        config: { roles: rolesOf(type).filter(isPrincipalRole), rateLimit: { max: config.api.actionRateLimit, timeWindow: '1 minute' } },
        schema: {
          tags: ['case actions'],
          summary: spec.summary,
          description: describeAction(type),
          security: [{ apiKey: [] }],
          params: CaseNoParams,
          headers: IdempotencyHeaders,
          body: spec.input,
          response: { 200: CaseViewSchema, 202: Pending, ...problemResponses(400, 401, 403, 404, 409, 422, 429) },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const { caseNo } = request.params;
        const input = { actor: actorOf(principal), ...fields(type, request.body as Record<string, unknown>) } as ActionInput<UpdateAction>;
        // The update id makes a retry with the same key the same update: Temporal answers it with the first outcome.
        const idempotencyKey = request.headers['idempotency-key'] ?? randomUUID();
        const updateId = `${principal.keyId}:${idempotencyKey}`;
        const handle = temporal.client.workflow.getHandle(complaintWorkflowId(caseNo));
        try {
          const view = await temporal.client.withDeadline(Date.now() + ACTION_WAIT_MS, () => executeCaseUpdate(handle, actionUpdates[type], { args: [input], updateId }));
          request.log.info({ caseNo, action: type, status: view.status }, 'Case action accepted');
          return caseAnswer(principal, view, { units, categories, config }, caseNo);
        } catch (error) {
          if (timedOut(error)) {
            request.log.warn({ caseNo, action: type, updateId }, 'The case did not take the action up in time');
            return reply
              .status(202)
              .header('retry-after', '5')
              .send({
                status: 'pending' as const,
                idempotencyKey,
                detail: `Case ${caseNo} has not taken the action up within ${ACTION_WAIT_MS / 1000} s (a worker or the database may be down); it may still be applied. Repeat the request with the header Idempotency-Key: ${idempotencyKey} to learn its outcome without acting twice.`,
              });
          }
          const closed = isGone(error) ? await closedCaseProblem(database.db, principal, units, caseNo) : undefined;
          throw closed ?? caseProblem(error, caseNo);
        }
      },
    );
  }
};
