import { eq } from 'drizzle-orm';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { caseTimeline, cases } from '../../db/schema.js';
import { complaintWorkflowId } from '../../workflows/messages.js';
import type { RouteDeps } from '../app.js';
import { principalOf } from '../auth.js';
import { canRead, caseLinks, fileComplaint, queryCase, viewFor } from '../cases.js';
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
        description: 'The same (source, ticketId) always yields the same case, also for concurrent duplicates. The source is the intake key\'s portal.',
        security: [{ apiKey: [] }],
        body: ComplaintBody,
        response: { 201: CreatedCase, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { caseNo, workflowId } = await fileComplaint(temporal, { ...request.body, source: principalOf(request).source!, urgency: request.body.urgency ?? 'normal' });
      request.log.info({ caseNo, workflowId }, 'Complaint accepted');
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
