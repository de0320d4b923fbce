import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from 'typebox';
import type { PrincipalRole } from '../../db/api-keys.js';
import { RATINGS, REFUSALS } from '../../domain/engine/types.js';
import type { UnitChain } from '../../domain/units.js';
import { actionUpdates, commentSignal, complaintWorkflowId, urgeSignal, type ActionInput, type UpdateAction } from '../../workflows/messages.js';
import type { RouteDeps } from '../app.js';
import { actorOf, canRead, caseLinks, caseProblem, closedCaseProblem, queryCase, viewFor } from '../cases.js';
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
];

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
        config: { roles: route.roles },
        schema: {
          tags: ['case actions'],
          summary: route.summary,
          security: [{ apiKey: [] }],
          params: CaseNoParams,
          body: route.body,
          response: { 200: CaseViewSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { caseNo } = request.params;
        const input = { actor: actorOf(principal), ...fields(route.action, request.body as Record<string, unknown>) } as ActionInput<UpdateAction>;
        try {
          const view = await temporal.client.workflow.getHandle(complaintWorkflowId(caseNo)).executeUpdate(actionUpdates[route.action], { args: [input] });
          request.log.info({ caseNo, action: route.action, status: view.status }, 'Case action accepted');
          return { ...viewFor(principal, view, units), links: caseLinks(config, caseNo) };
        } catch (error) {
          const closed = isGone(error) ? await closedCaseProblem(database.db, principal, units, caseNo) : undefined;
          throw closed ?? caseProblem(error, caseNo);
        }
      },
    );
  }

  const Accepted = Type.Object({ accepted: Type.Literal(true) });
  /** Fire-and-forget notes go as signals; the caller's area is checked here, since a signal has no answer. */
  const signalRoute = (path: string, summary: string, roles: readonly PrincipalRole[], body: TSchema, signal: typeof urgeSignal | typeof commentSignal) =>
    app.post(
      `/v1/complaints/:caseNo/${path}`,
      {
        config: { roles },
        schema: { tags: ['case actions'], summary, security: [{ apiKey: [] }], params: CaseNoParams, body, response: { 202: Accepted, ...problemResponses(400, 401, 403, 404) } },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const { caseNo } = request.params;
        const view = await queryCase(temporal.client, caseNo);
        if (!canRead(principal, view, units)) throw new HttpProblem(403, 'forbidden', 'Not your case', `Case ${caseNo} is outside your area`, { reason: 'NotYourCase' });
        try {
          await temporal.client.workflow.getHandle(complaintWorkflowId(caseNo)).signal(signal, { actor: actorOf(principal), ...(request.body as { note?: string; text: string }) });
        } catch (error) {
          const closed = isGone(error) ? await closedCaseProblem(database.db, principal, units, caseNo) : undefined;
          throw closed ?? caseProblem(error, caseNo);
        }
        return reply.status(202).send({ accepted: true as const });
      },
    );
  signalRoute('urge', 'Urge the unit to act; recorded and notified', ['supervisor', 'dispatcher'], Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }), urgeSignal);
  signalRoute('comments', "Add a note to the case's timeline", ['supervisor', 'dispatcher', 'handler'], Type.Object({ text: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }), commentSignal);
};
