import { and, count, desc, eq, max, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { PRINCIPAL_ROLES } from '../../db/api-keys.js';
import { caseOpen } from '../../db/case-facts.js';
import { DEFAULT_PROCESS_KEY, processRuleList, processRulesTag, replaceProcessRules } from '../../db/process-rules.js';
import { cases, processDefinitions } from '../../db/schema.js';
import { compileBpmn } from '../../domain/process/bpmn.js';
import type { RouteDeps } from '../deps.js';
import { namesIn, NamesSchema } from '../names.js';
import { HttpProblem, notFound } from '../problem.js';
import { problemResponses } from '../schemas.js';

const security = [{ apiKey: [] }];
const key = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' });
const Summary = Type.Object({ key: Type.String(), version: Type.Integer(), name: Type.String(), format: Type.String(), deployedAt: Type.String() });
const ruleSource = Type.Union([Type.String({ pattern: '^[a-z][a-z0-9]{0,31}$' }), Type.Null()], { description: "A portal (an intake key's source); null or absent: any" });
const ruleCategory = Type.Union([Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }), Type.Null()], { description: 'A category; null or absent: any' });
const ProcessRuleSchema = Type.Object({ source: ruleSource, category: ruleCategory, processKey: key });
const NewProcessRule = Type.Object({ source: Type.Optional(ruleSource), category: Type.Optional(ruleCategory), processKey: key }, { additionalProperties: false });
const ProcessRules = Type.Object({
  rules: Type.Array(ProcessRuleSchema, { description: 'The most specific rule that matches a new case wins: source and category, then category, then source, then a rule with neither' }),
  default: Type.String({ description: 'The process a case runs when no rule matches' }),
  names: NamesSchema,
});
/** 1 MB of BPMN is a very large model; the global body limit is for JSON requests. */
const MAX_MODEL_BYTES = 1024 * 1024;

/** Process definitions: deploy BPMN models as new versions, read them, and see where open cases wait in them. */
export const processRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { database, units, categories }) => {
  const { db } = database;
  /** The rules in force, tagged (ETag) so that an admin's replacement cannot silently undo another's. */
  const rulesAnswer = async (_request: unknown, reply: FastifyReply) => {
    const rules = await processRuleList(db);
    void reply.header('etag', processRulesTag(rules));
    return { rules, default: DEFAULT_PROCESS_KEY, names: namesIn(rules, { units, categories }) };
  };
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
    '/v1/process-rules',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['processes'],
        summary: 'Which process a new case runs, by portal and category',
        security,
        response: { 200: ProcessRules, ...problemResponses(401, 403) },
      },
    },
    rulesAnswer,
  );

  app.put(
    '/v1/process-rules',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['processes'],
        summary: 'Replace the rules that choose the process a new case runs; running cases keep theirs',
        description:
          'Each process key must be deployed (422 naming those that are not); one rule per (source, category). An empty list runs every new case by the default process. Send the ETag of the rules you read as `If-Match`: 412 if they changed since, so one admin cannot silently undo another\'s change.',
        security,
        headers: Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 100, description: 'The ETag of the rules this replacement was made from' })) }),
        body: Type.Object({ rules: Type.Array(NewProcessRule, { maxItems: 1000 }) }, { additionalProperties: false }),
        response: { 200: ProcessRules, ...problemResponses(400, 401, 403, 412, 422) },
      },
    },
    async (request, reply) => {
      const rules = request.body.rules.map((r) => ({ source: r.source ?? null, category: r.category ?? null, processKey: r.processKey }));
      const scopeOf = (r: { source: string | null; category: string | null }) => `${r.source ?? ''}\u0000${r.category ?? ''}`;
      const twice = rules.flatMap((r, i) => (rules.findIndex((other) => scopeOf(other) === scopeOf(r)) !== i ? [{ field: `body/rules/${i}`, message: 'has the same source and category as an earlier rule' }] : []));
      if (twice.length > 0) throw new HttpProblem(422, 'invalid-rules', 'Invalid process rules', twice.map((e) => `${e.field} ${e.message}`).join('; '), { errors: twice });
      const { undeployed, changedSince } = await replaceProcessRules(db, rules, request.headers['if-match']);
      if (changedSince) throw new HttpProblem(412, 'rules-changed', 'The process rules changed', 'The rules in force are no longer the ones If-Match names: read them again and make the change on those');
      if (undeployed.length > 0) {
        const errors = rules.flatMap((r, i) => (undeployed.includes(r.processKey) ? [{ field: `body/rules/${i}/processKey`, message: `names no deployed process ("${r.processKey}")` }] : []));
        throw new HttpProblem(422, 'invalid-rules', 'Invalid process rules', errors.map((e) => `${e.field} ${e.message}`).join('; '), { errors });
      }
      request.log.info({ rules: rules.length }, 'Process rules replaced');
      return rulesAnswer(request, reply);
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
