import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from 'typebox';
import type { PrincipalRole } from '../../db/api-keys.js';
import { RATINGS, REFUSALS } from '../../domain/engine/types.js';
import type { UnitChain } from '../../domain/units.js';
import { actionUpdates, complaintWorkflowId, type ActionInput, type UpdateAction } from '../../workflows/messages.js';
import type { RouteDeps } from '../app.js';
import { actorOf, caseLinks, caseProblem, closedCaseProblem, viewFor } from '../cases.js';
import { principalOf } from '../auth.js';
import { HttpProblem } from '../problem.js';
import { CaseNoParams, CaseViewSchema, problemResponses } from '../schemas.js';

const reason = Type.String({ minLength: 1, maxLength: 2000 });
const unitId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$' });
const limitText = Type.String({ minLength: 2, maxLength: 40, description: 'ISO 8601 duration (PT4H) or "<n> working days/hours"' });

interface ActionRoute {
  path: string;
  action: UpdateAction;
  summary: string;
  roles: readonly PrincipalRole[];
  body: TSchema;
}

const ACTION_ROUTES: ActionRoute[] = [
  { path: 'sign-for', action: 'signFor', summary: 'Sign for the case', roles: ['handler'], body: Type.Object({}, { additionalProperties: false }) },
  { path: 'resolve', action: 'resolve', summary: 'Resolve with the reply to the citizen', roles: ['handler'], body: Type.Object({ reply: Type.String({ minLength: 1, maxLength: 5000 }) }, { additionalProperties: false }) },
  { path: 'return', action: 'return', summary: 'Return as not our responsibility', roles: ['handler'], body: Type.Object({ reason }, { additionalProperties: false }) },
  { path: 'whistle', action: 'whistle', summary: 'Blow the whistle: escalate on purpose', roles: ['handler'], body: Type.Object({ reason }, { additionalProperties: false }) },
  {
    path: 'extension-request',
    action: 'requestExtension',
    summary: 'Ask the level above for more time',
    roles: ['handler'],
    body: Type.Object({ reason, extendBy: Type.Optional(limitText) }, { additionalProperties: false }),
  },
  {
    path: 'extension-decision',
    action: 'decideExtension',
    summary: 'Approve or deny a pending extension',
    roles: ['supervisor', 'dispatcher'],
    body: Type.Object({ approve: Type.Boolean(), note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
  },
  {
    path: 'dispatch',
    action: 'dispatch',
    summary: 'Dispatch to a unit; at the centre, a lead department and co-departments',
    roles: ['dispatcher', 'supervisor'],
    body: Type.Object(
      { unitId, coUnitIds: Type.Optional(Type.Array(unitId, { maxItems: 10, uniqueItems: true })), note: Type.Optional(Type.String({ maxLength: 2000 })) },
      { additionalProperties: false },
    ),
  },
  { path: 'report-in', action: 'reportIn', summary: 'A summoned department reports in', roles: ['handler'], body: Type.Object({}, { additionalProperties: false }) },
  {
    path: 'evaluation',
    action: 'evaluate',
    summary: "The citizen's rating",
    roles: ['evaluator'],
    body: Type.Object(
      { rating: Type.Enum(RATINGS), comment: Type.Optional(Type.String({ maxLength: 2000 })) },
      { additionalProperties: false },
    ),
  },
  {
    path: 'arbitration',
    action: 'arbitrate',
    summary: 'Rule who owns a disputed case; final',
    roles: ['dispatcher', 'supervisor'],
    body: Type.Object({ unitId, ruling: reason }, { additionalProperties: false }),
  },
  { path: 'reassign', action: 'reassign', summary: 'Move the case to another unit at the same level', roles: ['supervisor'], body: Type.Object({ unitId, reason }, { additionalProperties: false }) },
  {
    path: 'cancel',
    action: 'cancel',
    summary: 'Cancel a duplicate, naming the original case',
    roles: ['supervisor'],
    body: Type.Object({ originalCaseNo: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,96}$' }), reason }, { additionalProperties: false }),
  },
  {
    path: 'urge',
    action: 'urge',
    summary: "Urge the unit to act; recorded and notified (a case takes its process's most urges, then 409 LimitReached)",
    roles: ['supervisor', 'dispatcher'],
    body: Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
  },
  {
    path: 'comments',
    action: 'comment',
    summary: "Add a note to the case's timeline (a case takes its process's most comments, then 409 LimitReached)",
    roles: ['supervisor', 'dispatcher', 'handler'],
    body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
  },
];

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

/** The deadline of a call passed (gRPC DEADLINE_EXCEEDED): nobody took the update up in time. */
const timedOut = (error: unknown): boolean => {
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
export const caseActionRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { temporal, units, config, database }) => {
  const chainOf = (id: string, field: string): UnitChain => {
    const chain = units.chain(id);
    if (!chain) throw new HttpProblem(422, 'unknown-unit', 'Unknown unit', `${field}: no active unit "${id}"`, { errors: [{ field: `body/${field}`, message: 'is not an active unit' }] });
    return chain;
  };
  /** Turns a request body into the update's fields, resolving unit ids to their chains. */
  const fields = (action: UpdateAction, body: Record<string, unknown>): Record<string, unknown> => {
    if (action === 'dispatch') {
      const { unitId: id, coUnitIds, ...rest } = body as { unitId: string; coUnitIds?: string[] };
      return { ...rest, unit: chainOf(id, 'unitId'), ...(coUnitIds ? { coUnits: coUnitIds.map((c, i) => chainOf(c, `coUnitIds/${i}`)) } : {}) };
    }
    if (action === 'arbitrate' || action === 'reassign') {
      const { unitId: id, ...rest } = body as { unitId: string };
      return { ...rest, unit: chainOf(id, 'unitId') };
    }
    return body;
  };

  for (const route of ACTION_ROUTES) {
    app.post(
      `/v1/complaints/:caseNo/${route.path}`,
      {
        config: { roles: route.roles, rateLimit: { max: config.api.actionRateLimit, timeWindow: '1 minute' } },
        schema: {
          tags: ['case actions'],
          summary: route.summary,
          security: [{ apiKey: [] }],
          params: CaseNoParams,
          headers: IdempotencyHeaders,
          body: route.body,
          response: { 200: CaseViewSchema, 202: Pending, ...problemResponses(400, 401, 403, 404, 409, 422, 429) },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const { caseNo } = request.params;
        const input = { actor: actorOf(principal), ...fields(route.action, request.body as Record<string, unknown>) } as ActionInput<UpdateAction>;
        // The update id makes a retry with the same key the same update: Temporal answers it with the first outcome.
        const idempotencyKey = request.headers['idempotency-key'] ?? randomUUID();
        const updateId = `${principal.keyId}:${idempotencyKey}`;
        const handle = temporal.client.workflow.getHandle(complaintWorkflowId(caseNo));
        try {
          const view = await temporal.client.withDeadline(Date.now() + ACTION_WAIT_MS, () => handle.executeUpdate(actionUpdates[route.action], { args: [input], updateId }));
          request.log.info({ caseNo, action: route.action, status: view.status }, 'Case action accepted');
          return { ...viewFor(principal, view, units), links: caseLinks(config, caseNo) };
        } catch (error) {
          if (timedOut(error)) {
            request.log.warn({ caseNo, action: route.action, updateId }, 'The case did not take the action up in time');
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
