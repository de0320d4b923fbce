import { and, asc, count, eq, gte, lt, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Principal } from '../../db/api-keys.js';
import { caseClosedResolved, rankingPolicyInForce } from '../../db/case-facts.js';
import { caseOutcomes, cases, investigations, rankings, sanctions, strikes } from '../../db/schema.js';
import { periodOf, periodStart, rankUnits, sanctionFor, strikeWindow, type AccountabilityState, type UnitPerformance } from '../../domain/accountability.js';
import type { UnitOutcome } from '../../domain/outcomes.js';
import {
  MONTHLY_EVALUATION_WORKFLOW_TYPE,
  closeInvestigationUpdate,
  interviewHeldUpdate,
  liftFreezeUpdate,
  monthlyEvaluationWorkflowId,
  unitAccountabilityWorkflowId,
  type MonthlyEvaluationInput,
  type MonthlyEvaluationResult,
} from '../../workflows/messages.js';
import type { RouteDeps } from '../deps.js';
import { principalOf } from '../auth.js';
import { actorOf, caseProblem } from '../cases.js';
import { HttpProblem, notFound } from '../problem.js';
import { problemResponses } from '../schemas.js';
import type { UnitDirectory } from '../units.js';

const period = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'A month, YYYY-MM (China Standard Time)' });
const unitId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$' });
const security = [{ apiKey: [] }];
const rate = Type.Union([Type.Number(), Type.Null()]);
const Performance = Type.Object({
  unitId: Type.String(),
  level: Type.String(),
  assigned: Type.Integer(),
  respondedOnTime: Type.Integer(),
  held: Type.Integer(),
  resolved: Type.Integer(),
  resolvedOnTime: Type.Integer(),
  evaluated: Type.Integer(),
  satisfied: Type.Integer(),
  escalatedByTimeout: Type.Integer(),
  returned: Type.Integer(),
  reportInsDue: Type.Integer(),
  reportedInOnTime: Type.Integer(),
  responseRate: rate,
  resolutionRate: rate,
  onTimeResolutionRate: rate,
  satisfactionRate: rate,
  score: rate,
  ranked: Type.Boolean(),
  rank: Type.Union([Type.Integer(), Type.Null()]),
  bottom: Type.Boolean(),
});
const LevelShare = Type.Object({ level: Type.String(), cases: Type.Integer(), share: Type.Number(), resolvedWithoutEscalation: Type.Integer() });

/** Supervisors and dispatchers see their area; handlers their own unit; admins everything. */
function mayView(principal: Principal, unit: string, directory: UnitDirectory): boolean {
  if (principal.role === 'admin') return true;
  if (principal.unitId === null) return false;
  if (principal.role === 'handler') return principal.unitId === unit;
  return (principal.role === 'supervisor' || principal.role === 'dispatcher') && directory.within(unit, principal.unitId);
}

/** Rates, rankings, strikes and sanctions; supervisor actions on sanctions; admin runs of the monthly evaluation. */
export const accountabilityRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { database, units: directory, temporal }) => {
  const { db } = database;
  const districtOf = (id: string): string => directory.chain(id)?.ancestors.at(-1)?.id ?? id;
  const requireUnit = (id: string): void => {
    if (!directory.get(id)) throw notFound(`No unit ${id}`);
  };
  const forbidden = (what: string) => new HttpProblem(403, 'forbidden', 'Forbidden', `${what} is outside your area`);

  /** The district a request asks about (else the caller's own); everyone in a district may see its figures, admins every district's. */
  const districtAsked = (principal: Principal, asked: string | undefined): string => {
    const districtId = asked ?? (principal.unitId ? districtOf(principal.unitId) : undefined);
    if (!districtId) throw new HttpProblem(400, 'validation', 'Invalid request', 'Name the district (?district=<centre id>)');
    requireUnit(districtId);
    if (principal.role !== 'admin' && (principal.unitId === null || districtOf(principal.unitId) !== districtId)) throw forbidden(districtId);
    return districtId;
  };

  /** Each level's share of the district's cases closed in the period, and how many it resolved without escalating. */
  async function levelShares(p: string, districtId: string) {
    const from = new Date(periodStart(p));
    const [y, m] = p.split('-').map(Number);
    const to = new Date(periodStart(m === 12 ? `${y! + 1}-01` : `${y}-${String(m! + 1).padStart(2, '0')}`));
    const rows = await db
      .select({
        level: sql<string>`coalesce(${cases.routedLevel}, 'dispatcher')`,
        cases: count(),
        resolvedWithoutEscalation: sql<number>`count(*) filter (where ${cases.escalations} = 0 and ${caseClosedResolved})::int`,
      })
      .from(cases)
      .where(and(eq(cases.districtId, districtId), gte(cases.closedAt, from), lt(cases.closedAt, to)))
      .groupBy(sql`1`)
      .orderBy(sql`1`);
    const total = rows.reduce((sum, r) => sum + Number(r.cases), 0);
    return rows.map((r) => ({ level: r.level, cases: Number(r.cases), share: total === 0 ? 0 : Math.round((Number(r.cases) / total) * 1e4) / 1e4, resolvedWithoutEscalation: Number(r.resolvedWithoutEscalation) }));
  }

  app.get(
    '/v1/rankings',
    {
      config: { roles: ['supervisor', 'dispatcher', 'admin'] },
      schema: {
        tags: ['accountability'],
        summary: "A district's ranking for a period, as the monthly evaluation last computed it",
        security,
        querystring: Type.Object({ period, district: Type.Optional(unitId), level: Type.Optional(Type.String({ maxLength: 32 })) }),
        response: {
          200: Type.Object({ period: Type.String(), districtId: Type.String(), policyVersion: Type.Union([Type.Integer(), Type.Null()]), units: Type.Array(Performance), levels: Type.Array(LevelShare) }),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const districtId = districtAsked(principalOf(request), request.query.district);
      const rows = await db
        .select()
        .from(rankings)
        .where(and(eq(rankings.period, request.query.period), eq(rankings.districtId, districtId), ...(request.query.level ? [eq(rankings.level, request.query.level)] : [])))
        .orderBy(asc(rankings.level), sql`${rankings.rank} asc nulls last`, asc(rankings.unitId));
      return {
        period: request.query.period,
        districtId,
        policyVersion: rows[0]?.policyVersion ?? null,
        units: rows.map((r) => r.performance as unknown as UnitPerformance),
        levels: await levelShares(request.query.period, districtId),
      };
    },
  );

  app.get(
    '/v1/units/:unitId/performance',
    {
      config: { roles: ['handler', 'supervisor', 'dispatcher', 'admin'] },
      schema: {
        tags: ['accountability'],
        summary: "A unit's rates for a period, computed now from the outcome ledger",
        security,
        params: Type.Object({ unitId }),
        querystring: Type.Object({ period }),
        response: { 200: Type.Object({ period: Type.String(), policyVersion: Type.Integer(), performance: Type.Union([Performance, Type.Null()]) }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { unitId: id } = request.params;
      requireUnit(id);
      if (!mayView(principalOf(request), id, directory)) throw forbidden(id);
      const districtId = districtOf(id);
      const policy = await rankingPolicyInForce(db);
      const outcomes = await db.select().from(caseOutcomes).where(and(eq(caseOutcomes.period, request.query.period), eq(caseOutcomes.districtId, districtId)));
      const rankable = directory.all().filter((u) => u.kind !== 'centre' && directory.within(u.id, districtId));
      const performance = rankUnits(outcomes.map((o) => ({ ...o, role: o.role as UnitOutcome['role'] })), rankable, policy).find((p) => p.unitId === id) ?? null;
      return { period: request.query.period, policyVersion: policy.version, performance };
    },
  );

  app.get(
    '/v1/accountability/ladder',
    {
      config: { roles: ['supervisor', 'dispatcher', 'admin'] },
      schema: {
        tags: ['accountability'],
        summary: "Each unit's place on the accountability ladder in a window (one notice, two interviews, three freezes): units of the district with strikes in effect or open to appeal",
        security,
        querystring: Type.Object({ district: Type.Optional(unitId), window: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, description: 'The strike window (a calendar year); default the current one' })) }),
        response: {
          200: Type.Object({
            districtId: Type.String(),
            window: Type.Integer(),
            units: Type.Array(
              Type.Object({
                unitId: Type.String(),
                strikes: Type.Integer({ description: 'Strikes in effect: they place the unit on the ladder' }),
                pending: Type.Integer({ description: 'Strikes still open to appeal, or appealed and not yet decided' }),
                sanction: Type.Union([Type.String(), Type.Null()]),
                frozen: Type.Boolean(),
              }),
            ),
          }),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const districtId = districtAsked(principalOf(request), request.query.district);
      const window = request.query.window ?? strikeWindow(new Date().toISOString());
      const [strikeCounts, frozen] = await Promise.all([
        db
          .select({
            unitId: strikes.unitId,
            strikes: sql<number>`(count(*) filter (where ${strikes.status} = 'effective'))::int`,
            pending: sql<number>`(count(*) filter (where ${strikes.status} in ('pending', 'appealed')))::int`,
          })
          .from(strikes)
          .where(eq(strikes.window, window))
          .groupBy(strikes.unitId),
        db.select({ unitId: sanctions.unitId }).from(sanctions).where(and(eq(sanctions.kind, 'freeze'), eq(sanctions.status, 'active'))),
      ]);
      const frozenUnits = new Set(frozen.map((f) => f.unitId));
      return {
        districtId,
        window,
        units: strikeCounts
          .filter((s) => directory.within(s.unitId, districtId) && s.strikes + s.pending > 0)
          .map((s) => ({ unitId: s.unitId, strikes: s.strikes, pending: s.pending, sanction: s.strikes > 0 ? sanctionFor(s.strikes) : null, frozen: frozenUnits.has(s.unitId) }))
          .sort((a, b) => b.strikes - a.strikes || a.unitId.localeCompare(b.unitId)),
      };
    },
  );

  const Sanction = Type.Object({
    id: Type.String(),
    kind: Type.String(),
    window: Type.Integer(),
    number: Type.Integer(),
    strikeId: Type.String(),
    status: Type.String(),
    scheduledFor: Type.Union([Type.String(), Type.Null()]),
    heldAt: Type.Union([Type.String(), Type.Null()]),
    liftedAt: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
    investigation: Type.Union([Type.Object({ id: Type.String(), openedAt: Type.String(), closedAt: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
  });
  app.get(
    '/v1/units/:unitId/accountability',
    {
      config: { roles: ['handler', 'supervisor', 'dispatcher', 'admin'] },
      schema: {
        tags: ['accountability'],
        summary: "A unit's strikes and sanctions, and whether its personnel matters are frozen",
        security,
        params: Type.Object({ unitId }),
        response: {
          200: Type.Object({
            unitId: Type.String(),
            frozen: Type.Boolean({ description: 'True while a personnel freeze is active; other systems read this flag' }),
            strikes: Type.Array(Type.Object({ id: Type.String(), source: Type.String(), window: Type.Integer(), number: Type.Integer(), at: Type.String(), caseNo: Type.Union([Type.String(), Type.Null()]), period: Type.Union([Type.String(), Type.Null()]) })),
            sanctions: Type.Array(Sanction),
          }),
          ...problemResponses(401, 403, 404),
        },
      },
    },
    async (request) => {
      const { unitId: id } = request.params;
      requireUnit(id);
      if (!mayView(principalOf(request), id, directory)) throw forbidden(id);
      const [strikeRows, sanctionRows, investigationRows] = await Promise.all([
        db.select().from(strikes).where(eq(strikes.unitId, id)).orderBy(asc(strikes.window), asc(strikes.number)),
        db.select().from(sanctions).where(eq(sanctions.unitId, id)).orderBy(asc(sanctions.window), asc(sanctions.number)),
        db.select().from(investigations).where(eq(investigations.unitId, id)),
      ]);
      const iso = (d: Date | null) => d?.toISOString() ?? null;
      const view = sanctionRows.map((s) => {
        const investigation = investigationRows.find((i) => i.sanctionId === s.id);
        return {
          id: s.id,
          kind: s.kind,
          window: s.window,
          number: s.number,
          strikeId: s.strikeId,
          status: s.status,
          scheduledFor: iso(s.scheduledFor),
          heldAt: iso(s.heldAt),
          liftedAt: iso(s.liftedAt),
          createdAt: s.createdAt.toISOString(),
          investigation: investigation ? { id: investigation.id, openedAt: investigation.openedAt.toISOString(), closedAt: iso(investigation.closedAt) } : null,
        };
      });
      return {
        unitId: id,
        frozen: sanctionRows.some((s) => s.kind === 'freeze' && s.status === 'active'),
        strikes: strikeRows.map((s) => ({ id: s.id, source: s.source, window: s.window, number: s.number, at: s.at.toISOString(), caseNo: s.caseNo, period: s.period })),
        sanctions: view,
      };
    },
  );

  const StateSchema = Type.Object({ unitId: Type.String(), strikes: Type.Array(Type.Unknown()), sanctions: Type.Array(Type.Unknown()) });
  const sanctionAction = (path: string, summary: string, body: ReturnType<typeof Type.Object>, run: (handle: ReturnType<typeof temporal.client.workflow.getHandle>, args: Record<string, unknown>) => Promise<AccountabilityState>) =>
    app.post(
      `/v1/units/:unitId/accountability/sanctions/:sanctionId/${path}`,
      {
        config: { roles: ['supervisor'] },
        schema: {
          tags: ['accountability'],
          summary,
          security,
          params: Type.Object({ unitId, sanctionId: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,80}$' }) }),
          body,
          response: { 200: StateSchema, ...problemResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const { unitId: id, sanctionId } = request.params;
        requireUnit(id);
        if (!mayView(principalOf(request), id, directory)) throw forbidden(id);
        const handle = temporal.client.workflow.getHandle(unitAccountabilityWorkflowId(id));
        try {
          return await run(handle, { actor: actorOf(principalOf(request)), sanctionId, ...(request.body as Record<string, unknown>) });
        } catch (error) {
          throw caseProblem(error, `unit-accountability-${id}`);
        }
      },
    );
  sanctionAction('interview-held', 'Record that the interview of the unit\'s leaders was held, with minutes', Type.Object({ minutes: Type.String({ minLength: 1, maxLength: 10_000 }) }, { additionalProperties: false }), (h, args) =>
    h.executeUpdate(interviewHeldUpdate, { args: [args as never] }),
  );
  sanctionAction('investigation-closed', 'Close the inaction investigation with its finding', Type.Object({ finding: Type.String({ minLength: 1, maxLength: 10_000 }) }, { additionalProperties: false }), (h, args) =>
    h.executeUpdate(closeInvestigationUpdate, { args: [args as never] }),
  );
  sanctionAction('freeze-lifted', 'Lift the personnel freeze (only after its investigation is closed)', Type.Object({}, { additionalProperties: false }), (h, args) =>
    h.executeUpdate(liftFreezeUpdate, { args: [args as never] }),
  );

  app.post(
    '/v1/admin/evaluations',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['accountability'],
        summary: 'Run the monthly evaluation for a past period now (backfill); running a period again changes nothing',
        security,
        body: Type.Object({ period, districtId: Type.Optional(unitId) }, { additionalProperties: false }),
        response: { 200: Type.Object({ period: Type.String(), districts: Type.Array(Type.String()), ranked: Type.Integer(), strikes: Type.Array(Type.String()) }), ...problemResponses(400, 401, 403, 422) },
      },
    },
    async (request) => {
      const { period: p, districtId } = request.body;
      if (p >= periodOf(new Date().toISOString())) throw new HttpProblem(422, 'period-not-over', 'Period not over', `${p} has not ended yet`);
      if (districtId) requireUnit(districtId);
      const input: MonthlyEvaluationInput = { period: p, ...(districtId ? { districtId } : {}) };
      return temporal.client.workflow.execute<(i: MonthlyEvaluationInput) => Promise<MonthlyEvaluationResult>>(MONTHLY_EVALUATION_WORKFLOW_TYPE, {
        taskQueue: temporal.taskQueue,
        workflowId: monthlyEvaluationWorkflowId(p, districtId),
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      });
    },
  );
};
