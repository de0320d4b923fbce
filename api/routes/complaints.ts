import { and, eq, gt } from 'drizzle-orm';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { caseTimeline } from '../../db/schema.js';
import { complaintWorkflowId } from '../../workflows/messages.js';
import type { RouteDeps } from '../deps.js';
import { principalOf } from '../auth.js';
import { canRead, caseAnswer, caseLinks, caseReadScope, fileComplaint, INTAKE_REFUSALS, intakeSource, queryCase } from '../cases.js';
import { namesIn, NamesSchema } from '../names.js';
import { HttpProblem, notFound } from '../problem.js';
import { CaseNoParams, CaseViewSchema, ComplaintBody, CreatedCase, problemResponses, TimelineEntrySchema } from '../schemas.js';

const forbidden = (caseNo: string): HttpProblem => new HttpProblem(403, 'forbidden', 'Forbidden', `Case ${caseNo} is outside what your key may read`);

/** Intake and reading of complaints. */
export const complaintRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { temporal, config, units, categories, database }) => {
  app.post(
    '/v1/complaints',
    {
      config: { roles: ['intake'], rateLimit: { max: config.api.intakeRateLimit, timeWindow: '1 minute' } },
      schema: {
        tags: ['complaints'],
        summary: "File a complaint; idempotent by the portal's ticket id",
        description:
          "The same (source, ticketId) with the same content always yields the same case, also for concurrent duplicates (201 each time); the same ticket with other content is 409 TicketConflict, and a ticket whose case has closed is 409 TicketClosed. The source is the intake key's portal. A location that is not an active community, grid or street of a district is 422 UnknownUnit.",
        security: [{ apiKey: [] }],
        body: ComplaintBody,
        response: { 201: CreatedCase, ...problemResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const source = intakeSource(principalOf(request));
      const unitId = request.body.location.unitId;
      const problem = units.loaded ? units.locationProblem(unitId) : undefined;
      if (problem) {
        throw new HttpProblem(422, 'unknown-unit', 'Unknown location', problem, { reason: INTAKE_REFUSALS.unknownUnit, errors: [{ field: 'body/location/unitId', message: problem }] });
      }
      const filed = await fileComplaint(temporal, { ...request.body, source, urgency: request.body.urgency ?? 'normal' });
      const { caseNo, workflowId } = filed;
      if (filed.closed) {
        throw new HttpProblem(409, 'ticket-closed', 'Ticket already used', `Ticket ${request.body.ticketId} was case ${caseNo}, which has closed; a new complaint needs a ticket id of its own`, {
          reason: INTAKE_REFUSALS.ticketClosed,
        });
      }
      request.log.info({ caseNo, workflowId, created: filed.created }, filed.created ? 'Complaint accepted' : 'Complaint posted again: same case');
      return reply.status(201).send({ caseNo, workflowId, links: caseLinks(config, caseNo) });
    },
  );

  app.get(
    '/v1/complaints/:caseNo',
    {
      config: { roles: ['intake', 'handler', 'dispatcher', 'supervisor', 'evaluator', 'admin'] },
      schema: {
        tags: ['complaints'],
        summary: 'The live state of a case: status, unit, deadlines, timeline, allowed actions',
        security: [{ apiKey: [] }],
        params: CaseNoParams,
        response: { 200: CaseViewSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { caseNo } = request.params;
      // Who may read is settled from the read model first, so a key outside the case's area never makes a
      // worker answer a query; a case too new for the read model (or PostgreSQL down) is checked on its view.
      const row = await caseReadScope(database.db, caseNo).catch((error: unknown) => {
        request.log.warn({ err: error, caseNo }, 'Read model unavailable; checking read access on the live view');
        return undefined;
      });
      if (row && !canRead(principal, row, units)) throw forbidden(caseNo);
      const view = await queryCase(temporal.client, caseNo);
      if (!canRead(principal, view, units)) throw forbidden(caseNo);
      return caseAnswer(principal, view, { units, categories, config }, caseNo);
    },
  );

  app.get(
    '/v1/complaints/:caseNo/timeline',
    {
      config: { roles: ['intake', 'handler', 'dispatcher', 'supervisor', 'evaluator', 'admin'] },
      schema: {
        tags: ['complaints'],
        summary: 'The whole timeline of a case from the read model (also for closed cases), a page at a time',
        description: 'Entries in order of `seq`; `next` is the `after` value of the following page, absent on the last page.',
        security: [{ apiKey: [] }],
        params: CaseNoParams,
        querystring: Type.Object({
          after: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647, default: 0, description: 'Entries after this seq' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
        }),
        response: {
          200: Type.Object({ caseNo: Type.String(), entries: Type.Array(TimelineEntrySchema), next: Type.Optional(Type.Integer()), names: NamesSchema }),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { caseNo } = request.params;
      const { after = 0, limit = 200 } = request.query;
      const scope = await caseReadScope(database.db, caseNo);
      if (!scope) throw notFound(`No case ${caseNo} in the read model`);
      if (!canRead(principal, scope, units)) throw forbidden(caseNo);
      const rows = await database.db
        .select()
        .from(caseTimeline)
        .where(and(eq(caseTimeline.workflowId, complaintWorkflowId(caseNo)), gt(caseTimeline.seq, after)))
        .orderBy(caseTimeline.seq)
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      const entries = page.map((r) => ({
          seq: r.seq,
          at: r.at.toISOString(),
          action: r.action,
          actor: { role: r.actorRole, id: r.actorId ?? '', ...(r.actorUnitId ? { unitId: r.actorUnitId } : {}) },
          ...(r.reason !== null ? { reason: r.reason } : {}),
          ...(r.fromUnitId !== null ? { fromUnitId: r.fromUnitId } : {}),
          ...(r.toUnitId !== null ? { toUnitId: r.toUnitId } : {}),
          ...(r.fromLevel !== null ? { fromLevel: r.fromLevel } : {}),
          ...(r.toLevel !== null ? { toLevel: r.toLevel } : {}),
          ...(r.detail !== null ? { detail: r.detail } : {}),
      }));
      return { caseNo, entries, ...(rows.length > limit ? { next: page.at(-1)!.seq } : {}), names: namesIn(entries, { units, categories }) };
    },
  );
};
