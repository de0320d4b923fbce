import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { desc, eq } from 'drizzle-orm';
import { Type } from 'typebox';
import { processDefinitions } from '../../db/schema.js';
import { fitArrivals, referenceInForce } from '../../db/simulation-reference.js';
import { findSimulation, saveSimulation } from '../../db/simulations.js';
import type { ProcessDefinition } from '../../domain/process/definition.js';
import { loadEchartsSource } from '../../sim/echarts-source.js';
import { figuresCsv, strikesCsv, unitsCsv } from '../../sim/report.js';
import { reportHtml } from '../../sim/report-html.js';
import { runVariants, type SimulationReport } from '../../sim/run-scenario.js';
import { BehaviourSchema, CitizenSchema, VariantSchema, type Scenario } from '../../sim/scenario.js';
import { variantInputsOn } from '../../sim/variants.js';
import type { RouteDeps } from '../deps.js';
import { resolveArea } from '../area.js';
import { principalOf } from '../auth.js';
import { NameBook, NamesSchema } from '../names.js';
import { HttpProblem } from '../problem.js';
import { problemResponses } from '../schemas.js';
import { FiguresSchema } from './figures.js';

const DAY = 86_400_000;
/** The most cases one request may simulate (all variants together): a district quarter, a few seconds of the API's time. */
const MAX_CASES = 100_000;
const IN_FORCE = 'in force';

const SimulationBody = Type.Object(
  {
    district: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$', description: 'The district (its centre) to simulate; default: the caller’s own' })),
    weeks: Type.Optional(Type.Integer({ minimum: 1, maximum: 26, default: 4, description: 'Fit the arrival model from the cases the district received in the last N weeks' })),
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 92, default: 28, description: 'Days of arrivals to simulate, from tomorrow' })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
    behaviour: Type.Optional(BehaviourSchema),
    citizen: Type.Optional(CitizenSchema),
    variants: Type.Array(VariantSchema, { minItems: 1, maxItems: 4, description: `The proposals: each a list change and/or a process (a deployed key); "${IN_FORCE}" (the list and process in force) runs first` }),
  },
  { additionalProperties: false },
);

const Links = Type.Object({ self: Type.String(), html: Type.String(), figuresCsv: Type.String(), unitsCsv: Type.String(), strikesCsv: Type.String() });
const SimulationAnswer = Type.Object({
  id: Type.String(),
  districtId: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  fitted: Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }), cases: Type.Integer(), perDay: Type.Number() }),
  variants: Type.Array(Type.Object({ name: Type.String(), process: Type.Object({ key: Type.String(), version: Type.Integer() }), cases: Type.Integer(), openAtEnd: Type.Integer(), strikes: Type.Integer(), figures: FiguresSchema })),
  links: Links,
  names: NamesSchema,
});

const FILES = { 'report.html': 'text/html; charset=utf-8', 'figures.csv': 'text/csv; charset=utf-8', 'units.csv': 'text/csv; charset=utf-8', 'strikes.csv': 'text/csv; charset=utf-8' } as const;
type FileName = keyof typeof FILES;
/** The report page runs its own inline scripts (ECharts and the charts) and loads nothing. */
const REPORT_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

const invalid = (field: string, message: string) => new HttpProblem(400, 'validation', 'Invalid request', `${field}: ${message}`, { errors: [{ field, message }] });
const linksOf = (id: string) => ({
  self: `/v1/simulations/${id}`,
  html: `/v1/simulations/${id}/report.html`,
  figuresCsv: `/v1/simulations/${id}/figures.csv`,
  unitsCsv: `/v1/simulations/${id}/units.csv`,
  strikesCsv: `/v1/simulations/${id}/strikes.csv`,
});

/** What-if simulations (docs/simulation.md): the district's list and process in force against proposals, on arrivals fitted from its own cases. */
export const simulationRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { database, units, categories }) => {
  const db = database.db;
  let echarts: Promise<string> | undefined;

  const newestProcess = async (key: string): Promise<ProcessDefinition | undefined> =>
    (await db.select().from(processDefinitions).where(eq(processDefinitions.key, key)).orderBy(desc(processDefinitions.version)).limit(1))[0]?.definition;

  app.post(
    '/v1/simulations',
    {
      config: { roles: ['dispatcher', 'supervisor', 'admin'] },
      schema: {
        tags: ['simulations'],
        summary: 'Simulate a district month: the list and process in force against proposed lists or processes, on arrivals fitted from its last weeks',
        description:
          'Runs the same case engine and process definitions as the workflow on a virtual clock (docs/simulation.md). The arrival model (cases a day by weekday and hour, category, urgency and community) is fitted from the cases the district received in the last `weeks` weeks; unit behaviour is the simulator’s default unless `behaviour` says otherwise. The answer gives each variant’s figures and links the report (HTML with charts, JSON, CSV).',
        security: [{ apiKey: [] }],
        body: SimulationBody,
        response: { 201: SimulationAnswer, ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { body } = request;
      // Admins name any district; the others simulate their own (a street's supervisor: its district).
      const own = principal.role === 'admin' ? null : resolveArea(principal, units, {}).districtId;
      if (own && body.district && body.district !== own) throw new HttpProblem(403, 'forbidden', 'Forbidden', `${body.district} is outside your area`);
      const districtId = own ?? (body.district ? resolveArea(principal, units, { district: body.district }).districtId : null);
      if (!districtId) throw invalid('body/district', 'name the district to simulate');
      const names = body.variants.map((v) => v.name);
      if (names.includes(IN_FORCE) || new Set(names).size !== names.length) throw invalid('body/variants', `variant names must differ from each other and from "${IN_FORCE}"`);
      const reference = await referenceInForce(db);
      const root = (id: string | null): string | null => {
        let unit = reference.units.find((u) => u.id === id);
        while (unit?.parentId) unit = reference.units.find((u) => u.id === unit!.parentId);
        return unit?.id ?? null;
      };
      const districtUnits = reference.units.filter((u) => root(u.id) === districtId);
      const departments = new Set(districtUnits.filter((u) => u.kind === 'department').map((u) => u.id));
      body.variants.forEach((v, i) =>
        [...(v.list?.move ?? []), ...(v.list?.items ?? [])].forEach((m, j) => {
          if (m.department !== undefined && !departments.has(m.department)) throw invalid(`body/variants/${i}/list`, `change ${j} names ${m.department}, not a department of ${districtId}`);
        }),
      );
      const definitions = new Map<string, ProcessDefinition>();
      for (const key of new Set(['complaint', ...body.variants.flatMap((v) => (v.process ? [v.process] : []))])) {
        const definition = await newestProcess(key);
        if (!definition) throw invalid('body/variants', `no process "${key}" is deployed`);
        definitions.set(key, definition);
      }
      const weeks = body.weeks ?? 4;
      const days = body.days ?? 28;
      const to = new Date();
      const from = new Date(to.getTime() - weeks * 7 * DAY);
      const fitted = await fitArrivals(db, { districtId, from, to });
      if (fitted.cases === 0) throw new HttpProblem(422, 'nothing-to-fit', 'Nothing to fit', `${districtId} received no cases in the last ${weeks} weeks to fit arrivals from`);
      if (fitted.perDay * days * (body.variants.length + 1) > MAX_CASES) {
        throw new HttpProblem(422, 'too-large', 'Too large', `About ${Math.round(fitted.perDay * days * (body.variants.length + 1))} cases: one request simulates at most ${MAX_CASES}; use fewer days or variants, or npm run simulate`);
      }
      const { cases: _cases, perDay, ...mix } = fitted;
      const start = new Date(to.getTime() + 8 * 3_600_000 + DAY).toISOString().slice(0, 10);
      const scenario: Omit<Scenario, 'units'> = {
        name: `what-if-${districtId}`,
        description: `${districtId}: the list (v${reference.list.version}) and process in force against ${names.join(', ')}, on arrivals fitted from ${fitted.cases} cases of the last ${weeks} weeks`,
        seed: body.seed ?? 1,
        start,
        days,
        drainDays: 21,
        process: 'complaint',
        list: reference.list.items.map((i) => ({ category: i.category, level: i.level as 'community' | 'street' | 'district', ...(i.departmentId ? { department: i.departmentId } : {}), coDepartments: i.coDepartmentIds })),
        arrivals: { perDay, ...mix },
        ...(body.behaviour ? { behaviour: body.behaviour } : {}),
        ...(body.citizen ? { citizen: body.citizen } : {}),
        variants: [{ name: IN_FORCE, description: 'The list and process in force' }, ...body.variants],
      };
      const inputs = variantInputsOn(scenario, districtUnits, { calendar: reference.calendar, process: (key) => definitions.get(key)! });
      // The in-force variant keeps the list's own version.
      inputs[0]!.reference.list.version = reference.list.version;
      const report = runVariants(scenario, inputs);
      const id = randomUUID();
      const row = await saveSimulation(db, { id, districtId, createdBy: principal.keyId, request: body as Record<string, unknown>, report: report as unknown as Record<string, unknown> });
      return reply.code(201).send({
        id,
        districtId,
        createdAt: row.createdAt.toISOString(),
        fitted: { from: from.toISOString(), to: to.toISOString(), cases: fitted.cases, perDay: Math.round(perDay * 100) / 100 },
        variants: report.variants.map((v) => ({ name: v.name, process: v.process, cases: v.cases, openAtEnd: v.openAtEnd, strikes: v.evaluations.reduce((n, e) => n + e.strikes.length, 0), figures: v.figures.total })),
        links: linksOf(id),
        names: new NameBook({ units, categories }).scan({ districtId }).get(),
      });
    },
  );

  /** A simulation of the caller's area. */
  const simulationOf = async (request: Parameters<typeof principalOf>[0], id: string): Promise<SimulationReport> => {
    const row = await findSimulation(db, id);
    if (!row) throw new HttpProblem(404, 'not-found', 'Not found', `No simulation ${id}`);
    resolveArea(principalOf(request), units, { district: row.districtId });
    return row.report as unknown as SimulationReport;
  };
  const Id = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

  app.get(
    '/v1/simulations/:id',
    {
      config: { roles: ['dispatcher', 'supervisor', 'admin'] },
      schema: { tags: ['simulations'], summary: 'A simulation’s whole report (JSON)', security: [{ apiKey: [] }], params: Id, response: { 200: Type.Object({}, { additionalProperties: true }), ...problemResponses(400, 401, 403, 404) } },
    },
    async (request) => simulationOf(request, request.params.id) as unknown as Record<string, unknown>,
  );

  app.get(
    '/v1/simulations/:id/:file',
    {
      config: { roles: ['dispatcher', 'supervisor', 'admin'] },
      schema: {
        tags: ['simulations'],
        summary: 'A simulation’s report as a file: report.html (self-contained, with charts), figures.csv, units.csv or strikes.csv',
        security: [{ apiKey: [] }],
        params: Type.Object({ id: Type.String({ format: 'uuid' }), file: Type.Union(Object.keys(FILES).map((f) => Type.Literal(f))) }, { additionalProperties: false }),
        response: { 200: Type.String(), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const report = await simulationOf(request, request.params.id);
      const file = request.params.file as FileName;
      reply.type(FILES[file]);
      if (file === 'report.html') {
        echarts ??= loadEchartsSource();
        return reply.header('content-security-policy', REPORT_CSP).send(reportHtml(report, await echarts));
      }
      const csv = file === 'figures.csv' ? figuresCsv(report) : file === 'units.csv' ? unitsCsv(report) : strikesCsv(report);
      return reply.header('content-disposition', `attachment; filename="simulation-${request.params.id}-${file}"`).send(csv);
    },
  );
};
