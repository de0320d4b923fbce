import cors from '@fastify/cors';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Payload } from '@temporalio/common';
import { inArray } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Principal } from '../../db/api-keys.js';
import { recordAudit, type AuditEvent } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { cases } from '../../db/schema.js';
import { PayloadOpenError, payloadCodec, sealing } from '../../infra/codec.js';
import { COMPLAINT_WORKFLOW_PREFIX, UNIT_ACCOUNTABILITY_PREFIX } from '../../workflows/messages.js';
import type { RouteDeps } from '../deps.js';
import { presentedKey } from '../auth.js';
import { canRead, readScopeColumns } from '../cases.js';
import { escapeHtml } from '../html.js';
import { HttpProblem } from '../problem.js';
import { problemResponses } from '../schemas.js';
import { sessionPrincipal, sessionRoutes } from '../sessions.js';
import type { UnitDirectory } from '../units.js';

const JsonPayload = Type.Object({ metadata: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 200_000 }))), data: Type.Optional(Type.String({ maxLength: 4_000_000 })) });
const Payloads = Type.Object({ payloads: Type.Array(JsonPayload, { maxItems: 1000 }) }, { additionalProperties: true });

const fromJson = (p: { metadata?: Record<string, string>; data?: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/** What an audit entry names for a workflow's payloads: the case number of a case, else the workflow id. */
const subjectOf = (workflowId: string | undefined): string | null =>
  workflowId === undefined ? null : workflowId.startsWith(COMPLAINT_WORKFLOW_PREFIX) ? workflowId.slice(COMPLAINT_WORKFLOW_PREFIX.length) : workflowId;

/**
 * Who may decode a workflow's payloads: the same area as reading the case (`canRead`: a case some unit
 * under the supervisor's unit has held, per the read model), a unit's accountability workflow for a unit in
 * that area, and everything else — payloads sealed without a workflow (before payloads were bound to one),
 * the monthly evaluation — only a supervisor of the district itself (the root of the unit tree). A confidential
 * case (a report) is nobody's here. Returns the workflows refused, with the reason.
 */
async function refusedWorkflows(db: Db, units: UnitDirectory, principal: Principal, workflowIds: Array<string | undefined>): Promise<Map<string | undefined, string>> {
  const refused = new Map<string | undefined, string>();
  const scope = principal.unitId;
  const caseNos = workflowIds.flatMap((id) => (id?.startsWith(COMPLAINT_WORKFLOW_PREFIX) ? [id.slice(COMPLAINT_WORKFLOW_PREFIX.length)] : []));
  const rows = caseNos.length === 0 ? [] : await db.select({ caseNo: cases.caseNo, ...readScopeColumns, privacy: cases.privacy }).from(cases).where(inArray(cases.caseNo, caseNos));
  const byCase = new Map(rows.map((r) => [r.caseNo, r]));
  // A confidential reporter is the hotline's only: no supervisor decodes the case, however high.
  for (const row of rows) if (row.privacy === 'confidential') refused.set(`${COMPLAINT_WORKFLOW_PREFIX}${row.caseNo}`, `case ${row.caseNo} is confidential: its reporter is shown to the hotline only`);
  if (scope !== null && units.get(scope) !== undefined && units.chain(scope)?.ancestors.length === 0) return refused;
  for (const id of workflowIds) {
    if (refused.has(id)) continue;
    if (id?.startsWith(COMPLAINT_WORKFLOW_PREFIX)) {
      const row = byCase.get(id.slice(COMPLAINT_WORKFLOW_PREFIX.length));
      if (!row) refused.set(id, `case ${subjectOf(id)} is not in the read model yet`);
      else if (!canRead(principal, row, units)) refused.set(id, `case ${subjectOf(id)} is outside your area`);
    } else if (id?.startsWith(UNIT_ACCOUNTABILITY_PREFIX)) {
      if (scope === null || !units.within(id.slice(UNIT_ACCOUNTABILITY_PREFIX.length), scope)) refused.set(id, `${id} is outside your area`);
    } else {
      refused.set(id, id === undefined ? 'payloads bound to no workflow are for district supervisors only' : `${id} is for district supervisors only`);
    }
  }
  return refused;
}

/**
 * The codec endpoint the Temporal Web UI calls to show encrypted payloads in the clear (Temporal's codec
 * server protocol), for supervisors and only within their area; every decode is audited. Authenticated by
 * a codec session cookie (signed in at GET /codec or POST /codec/session, so the UI's cross-origin calls
 * carry it) or an API key header (the `temporal` CLI's `--codec-auth`). CORS admits only the configured
 * Temporal UI origin. There is no encode endpoint: the UI's write actions are off, and ciphertext made for
 * a caller would be trusted by the worker.
 */
export const codecRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { config, keys, units, sessions, database }) => {
  const codec = payloadCodec(config);
  const uiOrigin = new URL(config.temporal.uiUrl).origin;
  await app.register(cors, { origin: [uiOrigin], credentials: true, methods: ['GET', 'POST'], allowedHeaders: ['content-type', 'x-namespace', 'authorization'], maxAge: 600 });
  await app.register(sessionRoutes, { sessions, keys, purpose: 'codec', base: '/codec', roles: ['supervisor'], page: '/codec', tag: 'operations' });

  const supervisor = async (request: FastifyRequest): Promise<{ principal: Principal; via: 'key' | 'session' }> => {
    const key = presentedKey(request);
    const principal = key !== undefined ? await keys.verify(key) : await sessionPrincipal(sessions, request, 'codec');
    if (!principal) throw new HttpProblem(401, 'unauthenticated', 'Authentication required', 'Sign in at /codec (a codec session), or send a supervisor key');
    if (principal.role !== 'supervisor') throw new HttpProblem(403, 'forbidden', 'Forbidden', 'Only supervisors may read encrypted payloads');
    request.principal = principal;
    return { principal, via: key !== undefined ? 'key' : 'session' };
  };

  app.get(
    '/codec',
    { schema: { tags: ['operations'], summary: 'Sign-in page for reading encrypted cases in the Temporal UI (a supervisor codec session)', produces: ['text/html'] } },
    async (request, reply) => {
      const session = await sessionPrincipal(sessions, request, 'codec');
      const endpoint = escapeHtml(`${request.protocol}://${request.host}/codec`);
      const body = session
        ? `<p>Signed in as <strong>${escapeHtml(session.name)}</strong> (supervisor of ${escapeHtml(session.unitId ?? '-')}) until ${escapeHtml(session.expiresAt.toISOString())}.</p>
<p>In the <a href="${escapeHtml(config.temporal.uiUrl)}">Temporal UI</a>, cases in your area show decoded. If they do not, open its <em>Codec Server</em> settings and check that the endpoint is <code>${endpoint}</code> with <em>Include cross-origin credentials</em> on (README, "Reading encrypted cases").</p>
<form method="post" action="/codec/logout"><button type="submit">Sign out</button></form>`
        : `<p>Supervisors read the encrypted cases of their area in the Temporal UI through this codec server. Sign in with your supervisor API key; the browser keeps a session cookie, never the key.</p>
<form method="post" action="/codec/session"><label>Supervisor API key <input name="key" type="password" autocomplete="off" size="60" required></label> <button type="submit">Sign in</button></form>`;
      const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Jiesu · Temporal UI codec</title></head>
<body>
<h1>Reading encrypted cases</h1>
${body}
</body>
</html>
`;
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
    },
  );

  app.post(
    '/codec/decode',
    {
      schema: {
        tags: ['operations'],
        summary: 'Temporal codec server: decode payloads of workflows in your area (supervisors; audited)',
        security: [{ apiKey: [] }],
        body: Payloads,
        response: { 200: Type.Object({ payloads: Type.Array(JsonPayload) }), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { principal, via } = await supervisor(request);
      const payloads = request.body.payloads.map(fromJson);
      const sealed = payloads.map(sealing);
      const counts = new Map<string | undefined, number>();
      for (const s of sealed) if (s.sealed) counts.set(s.workflowId, (counts.get(s.workflowId) ?? 0) + 1);
      const detail = (workflowId: string | undefined): Record<string, unknown> => ({
        payloads: counts.get(workflowId),
        ...(workflowId?.startsWith(COMPLAINT_WORKFLOW_PREFIX) ? {} : { workflowId: workflowId ?? null }),
        via,
        requestId: request.id,
      });

      const refused = await refusedWorkflows(database.db, units, principal, [...counts.keys()]);
      if (refused.size > 0) {
        await recordAudit(
          database.db,
          [...refused].map(([workflowId, reason]): AuditEvent => ({ keyId: principal.keyId, action: 'codec.decode.refused', subject: subjectOf(workflowId), detail: { ...detail(workflowId), reason } })),
        );
        throw new HttpProblem(403, 'forbidden', 'Outside your area', [...new Set(refused.values())].join('; '));
      }
      let result: Payload[];
      try {
        result = payloads.map((payload) => codec.open(payload).payload);
      } catch (error) {
        if (error instanceof PayloadOpenError) throw new HttpProblem(400, 'undecodable', 'Cannot decode', error.message);
        throw error;
      }
      // Decrypted data leaves only once the read is on record.
      await recordAudit(
        database.db,
        [...counts.keys()].map((workflowId): AuditEvent => ({ keyId: principal.keyId, action: 'codec.decode', subject: subjectOf(workflowId), detail: detail(workflowId) })),
      );
      return { payloads: result.map(toJson) };
    },
  );
};
