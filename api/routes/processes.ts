import { and, count, desc, eq, max, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { PRINCIPAL_ROLES } from '../../db/api-keys.js';
import { caseOpen } from '../../db/case-facts.js';
import { cases, processDefinitions } from '../../db/schema.js';
import { compileBpmn } from '../../domain/process/bpmn.js';
import type { RouteDeps } from '../deps.js';
import { HttpProblem, notFound } from '../problem.js';
import { problemResponses } from '../schemas.js';

const security = [{ apiKey: [] }];
const key = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' });
const Summary = Type.Object({ key: Type.String(), version: Type.Integer(), name: Type.String(), format: Type.String(), deployedAt: Type.String() });
/** 1 MB of BPMN is a very large model; the global body limit is for JSON requests. */
const MAX_MODEL_BYTES = 1024 * 1024;

/** Process definitions: deploy BPMN models as new versions, read them, and see where open cases wait in them. */
export const processRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { database }) => {
  const { db } = database;
  // Models arrive as XML, in this scope only.
  app.addContentTypeParser(['application/xml', 'text/xml', 'application/bpmn+xml'], { parseAs: 'string', bodyLimit: MAX_MODEL_BYTES }, (_request, body, done) => done(null, body));

  app.get(
    '/v1/process-definitions',
    { config: { roles: PRINCIPAL_ROLES }, schema: { tags: ['processes'], summary: 'Deployed process definitions, newest first', security, response: { 200: Type.Array(Summary), ...problemResponses(401) } } },
    async () =>
      (
        await db
          .select({ key: processDefinitions.key, version: processDefinitions.version, name: processDefinitions.name, format: processDefinitions.format, deployedAt: processDefinitions.deployedAt })
          .from(processDefinitions)
          .orderBy(processDefinitions.key, desc(processDefinitions.version))
      ).map((r) => ({ ...r, deployedAt: r.deployedAt.toISOString() })),
  );

  app.get(
    '/v1/process-definitions/:key/:version',
    {
      config: { roles: PRINCIPAL_ROLES },
      schema: {
        tags: ['processes'],
        summary: 'One deployed version: its compiled definition and its BPMN source',
        security,
        params: Type.Object({ key, version: Type.Integer({ minimum: 1, maximum: 1_000_000 }) }),
        response: {
          200: Type.Object({ key: Type.String(), version: Type.Integer(), name: Type.String(), format: Type.String(), source: Type.Union([Type.String(), Type.Null()]), definition: Type.Unknown() }),
          ...problemResponses(401, 404),
        },
      },
    },
    async (request) => {
      const { key: k, version } = request.params;
      const [row] = await db.select().from(processDefinitions).where(and(eq(processDefinitions.key, k), eq(processDefinitions.version, version)));
      if (!row) throw notFound(`No process ${k} v${version}`);
      return { key: row.key, version: row.version, name: row.name, format: row.format, source: row.source, definition: row.definition };
    },
  );

  app.post(
    '/v1/process-definitions',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['processes'],
        summary: 'Deploy a BPMN 2.0 model as the next version of its process (the process id is the key); running cases keep theirs',
        description: 'Send the model as application/xml. Unsupported elements and user tasks without a limit are refused with their element ids.',
        security,
        response: {
          201: Summary,
          ...problemResponses(400, 401, 403, 415, 422),
        },
      },
    },
    async (request, reply) => {
      if (typeof request.body !== 'string' || request.body.trim() === '') {
        throw new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type', 'Send the BPMN model as application/xml');
      }
      const xml = request.body;
      // Compile against a provisional version to learn the key, then take the next version in one transaction.
      const probe = await compileBpmn(xml, 1);
      if (!probe.definition) {
        throw new HttpProblem(422, 'invalid-model', 'Invalid process model', probe.issues.map((i) => `${i.elementId}: ${i.message}`).join('; '), {
          errors: probe.issues.map((i) => ({ field: i.elementId, message: i.message })),
        });
      }
      const { key: k, name } = probe.definition;
      const row = await db.transaction(async (tx) => {
        await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`process:${k}`}))`);
        const [{ latest } = { latest: 0 }] = await tx.select({ latest: max(processDefinitions.version) }).from(processDefinitions).where(eq(processDefinitions.key, k));
        const version = (latest ?? 0) + 1;
        const [inserted] = await tx
          .insert(processDefinitions)
          .values({ key: k, version, name, format: 'bpmn', source: xml, definition: { ...probe.definition!, version } })
          .returning();
        return inserted!;
      });
      request.log.info({ key: k, version: row.version }, 'Process deployed');
      return reply.status(201).send({ key: row.key, version: row.version, name: row.name, format: row.format, deployedAt: row.deployedAt.toISOString() });
    },
  );

  app.get(
    '/v1/process-definitions/:key/heatmap',
    {
      config: { roles: ['dispatcher', 'supervisor', 'admin'] },
      schema: {
        tags: ['processes'],
        summary: 'Where open cases wait in a process: per step, how many, how many in warning, how many overdue',
        security,
        params: Type.Object({ key }),
        querystring: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })) }),
        response: {
          200: Type.Object({
            key: Type.String(),
            version: Type.Union([Type.Integer(), Type.Null()]),
            steps: Type.Array(Type.Object({ step: Type.String(), open: Type.Integer(), warning: Type.Integer(), overdue: Type.Integer() })),
          }),
          ...problemResponses(401, 403),
        },
      },
    },
    async (request) => {
      const { version } = request.query;
      const rows = await db
        .select({
          step: cases.step,
          open: count(),
          warning: sql<number>`(count(*) filter (where ${cases.warning}))::int`,
          overdue: sql<number>`(count(*) filter (where ${cases.overdue} or ${cases.overdueAtTop}))::int`,
        })
        .from(cases)
        .where(and(eq(cases.processKey, request.params.key), caseOpen, version !== undefined ? eq(cases.processVersion, version) : undefined))
        .groupBy(cases.step)
        .orderBy(cases.step);
      return {
        key: request.params.key,
        version: version ?? null,
        steps: rows.filter((r) => r.step !== null).map((r) => ({ step: r.step!, open: Number(r.open), warning: Number(r.warning), overdue: Number(r.overdue) })),
      };
    },
  );
};
