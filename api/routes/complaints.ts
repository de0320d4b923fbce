import { eq } from 'drizzle-orm';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { caseTimeline, cases } from '../../db/schema.js';
import { complaintWorkflowId } from '../../workflows/messages.js';
import type { RouteDeps } from '../app.js';
import { principalOf } from '../auth.js';
import { canRead, caseLinks, fileComplaint, INTAKE_REFUSALS, queryCase, viewFor } from '../cases.js';
import { isSourceName, SOURCE_NAME_RULE } from '../../domain/case.js';
import { HttpProblem, notFound } from '../problem.js';
import { CaseNoParams, CaseViewSchema, ComplaintBody, CreatedCase, problemResponses, TimelineEntrySchema } from '../schemas.js';

const forbidden = (caseNo: string): HttpProblem => new HttpProblem(403, 'forbidden', 'Forbidden', `Case ${caseNo} is outside what your key may read`);

/** Intake and reading of complaints. */
export const complaintRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { temporal, config, units, database }) => {
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
      const source = principalOf(request).source!;
      if (!isSourceName(source)) {
        throw new HttpProblem(409, 'invalid-source', 'Key cannot file complaints', `This key's portal name "${source}" cannot begin case numbers (${SOURCE_NAME_RULE}); create a new intake key`, {
          reason: INTAKE_REFUSALS.invalidSource,
        });
      }
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
      const view = await queryCase(temporal.client, caseNo);
      if (!canRead(principal, view, units)) throw forbidden(caseNo);
      return { ...viewFor(principal, view, units), links: caseLinks(config, caseNo) };
    },
  );

  app.get(
    '/v1/complaints/:caseNo/timeline',
    {
      config: { roles: ['intake', 'handler', 'dispatcher', 'supervisor', 'evaluator', 'admin'] },
      schema: {
        tags: ['complaints'],
        summary: 'The timeline of a case from the read model (also for closed cases)',
        security: [{ apiKey: [] }],
        params: CaseNoParams,
        response: { 200: Type.Object({ caseNo: Type.String(), entries: Type.Array(TimelineEntrySchema) }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { caseNo } = request.params;
      const workflowId = complaintWorkflowId(caseNo);
      const [row] = await database.db.select({ source: cases.source }).from(cases).where(eq(cases.caseNo, caseNo));
      if (!row) throw notFound(`No case ${caseNo} in the read model`);
      const rows = await database.db.select().from(caseTimeline).where(eq(caseTimeline.workflowId, workflowId)).orderBy(caseTimeline.seq);
      const holders = [...new Set(rows.flatMap((r) => [r.toUnitId, r.fromUnitId]).filter((u): u is string => u !== null))];
      if (!canRead(principal, { holders, source: row.source }, units)) throw forbidden(caseNo);
      return {
        caseNo,
        entries: rows.map((r) => ({
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
        })),
      };
    },
  );
};
