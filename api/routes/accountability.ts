import { and, asc, count, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Type, type Static } from 'typebox';
import type { Principal } from '../../db/api-keys.js';
import { caseClosedResolved, caseCounted, rankingPolicyInForce } from '../../db/case-facts.js';
import { periodPerformances } from '../../db/performance.js';
import { cases, investigations, rankings, sanctions, strikes } from '../../db/schema.js';
import { nextPeriod, periodOf, periodStart, sanctionFor, strikeWindow, type AccountabilityState, type StrikeRecord } from '../../domain/accountability.js';
import type { UnitPerformance } from '../../domain/ranking.js';
import { ordersIssuedBy } from '../../db/supervision-orders.js';
import {
  MONTHLY_EVALUATION_WORKFLOW_TYPE,
  appealStrikeUpdate,
  closeInvestigationUpdate,
  decideStrikeAppealUpdate,
  interviewHeldUpdate,
  liftFreezeUpdate,
  monthlyEvaluationWorkflowId,
  unitAccountabilityWorkflowId,
  type MonthlyEvaluationInput,
  type MonthlyEvaluationResult,
} from '../../workflows/messages.js';
import type { RouteDeps } from '../deps.js';
import { principalOf } from '../auth.js';
import { actorOf, refusalProblem } from '../cases.js';
import { namesIn, NamesSchema } from '../names.js';
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
  shirked: Type.Integer({ description: 'Returned although the list gives the matter to the unit (shirking): counts as held and not resolved on time' }),
  whistled: Type.Integer({ description: 'Left by a legitimate whistle up, unresolved: not counted as held' }),
  overdueAtTop: Type.Integer({ description: 'Cases that went overdue at the top in the period while the unit held them' }),
  reportInsDue: Type.Integer(),
  reportedInOnTime: Type.Integer(),
  summoned: Type.Integer({ description: 'Cases a holding unit summoned it to' }),
  summonedReportedInOnTime: Type.Integer(),
  partsDone: Type.Integer(),
  cooperationRated: Type.Integer(),
  cooperationAverage: Type.Union([Type.Number(), Type.Null()], { description: "The summoning units' cooperation ratings, mean of 1–5" }),
  partsRated: Type.Integer(),
  partsResolved: Type.Integer(),
  ordersIssued: Type.Integer({ description: 'Supervision orders addressed to it on the cases closed in the period' }),
  ordersAnsweredOnTime: Type.Integer(),
  ordersWarned: Type.Integer(),
  ordersMissed: Type.Integer({ description: 'Supervision orders it left unanswered past their deadline' }),
  responseRate: rate,
  resolutionRate: rate,
  onTimeResolutionRate: rate,
  satisfactionRate: rate,
  reportInRate: rate,
  partResolutionRate: rate,
  supervisionRate: Type.Union([Type.Number(), Type.Null()], { description: 'Orders answered by their deadline ÷ orders addressed to it (null without orders)' }),
  score: rate,
  ranked: Type.Boolean(),
  rank: Type.Union([Type.Integer(), Type.Null()]),
  bottom: Type.Boolean(),
});
/** Fields of a performance that rankings stored before they existed lack. */
const PERFORMANCE_SINCE_FAIR_SCORES = {
  shirked: 0,
  whistled: 0,
  overdueAtTop: 0,
  summoned: 0,
  summonedReportedInOnTime: 0,
  partsDone: 0,
  cooperationRated: 0,
  cooperationAverage: null,
  partsRated: 0,
  partsResolved: 0,
  reportInRate: null,
  partResolutionRate: null,
  ordersIssued: 0,
  ordersAnsweredOnTime: 0,
  ordersWarned: 0,
  ordersMissed: 0,
  supervisionRate: null,
};
const LevelShare = Type.Object({ level: Type.String(), cases: Type.Integer(), share: Type.Number(), resolvedWithoutEscalation: Type.Integer() });

/** Supervisors and dispatchers see their area; handlers their own unit; admins everything. */
function mayView(principal: Principal, unit: string, directory: UnitDirectory): boolean {
  if (principal.role === 'admin') return true;
  if (principal.unitId === null) return false;
  if (principal.role === 'handler') return principal.unitId === unit;
  return (principal.role === 'supervisor' || principal.role === 'dispatcher') && directory.within(unit, principal.unitId);
}

/** Rates, rankings, strikes and sanctions; supervisor actions on sanctions; admin runs of the monthly evaluation. */
export const accountabilityRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { database, units: directory, categories, temporal }) => {
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

  /** Each level's share of the district's cases closed in the period (cancelled duplicates count for nobody), and how many it resolved without escalating. */
  async function levelShares(p: string, districtId: string) {
    const from = new Date(periodStart(p));
    const to = new Date(periodStart(nextPeriod(p)));
    const rows = await db
      .select({
        level: sql<string>`coalesce(${cases.routedLevel}, 'dispatcher')`,
        cases: count(),
        resolvedWithoutEscalation: sql<number>`count(*) filter (where ${cases.escalations} = 0 and ${caseClosedResolved})::int`,
      })
      .from(cases)
      .where(and(eq(cases.districtId, districtId), gte(cases.closedAt, from), lt(cases.closedAt, to), caseCounted))
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
          200: Type.Object({ period: Type.String(), districtId: Type.String(), policyVersion: Type.Union([Type.Integer(), Type.Null()]), units: Type.Array(Performance), levels: Type.Array(LevelShare), names: NamesSchema }),
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
      const body = {
        period: request.query.period,
        districtId,
        policyVersion: rows[0]?.policyVersion ?? null,
        units: rows.map((r) => ({ ...PERFORMANCE_SINCE_FAIR_SCORES, ...r.performance }) as UnitPerformance),
        levels: await levelShares(request.query.period, districtId),
      };
      return { ...body, names: namesIn(body, { units: directory, categories }) };
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
        response: { 200: Type.Object({ period: Type.String(), policyVersion: Type.Integer(), performance: Type.Union([Performance, Type.Null()]), names: NamesSchema }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { unitId: id } = request.params;
      requireUnit(id);
      if (!mayView(principalOf(request), id, directory)) throw forbidden(id);
      const policy = await rankingPolicyInForce(db);
      const performance = (await periodPerformances(db, request.query.period, districtOf(id), policy)).find((p) => p.unitId === id) ?? null;
      return { period: request.query.period, policyVersion: policy.version, performance, names: namesIn({ unitId: id }, { units: directory, categories }) };
    },
  );

  const Order = Type.Object({
    caseNo: Type.String(),
    n: Type.Integer({ description: 'The order number on the case' }),
    issuedBy: Type.String(),
    issuer: Type.Union([Type.String(), Type.Null()], { description: 'The key that issued it' }),
    to: Type.Union([Type.String(), Type.Null()], { description: 'The unit it is addressed to' }),
    note: Type.Union([Type.String(), Type.Null()]),
    deadline: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    issuedAt: Type.String({ format: 'date-time' }),
    status: Type.Union([Type.Literal('open'), Type.Literal('answered'), Type.Literal('missed'), Type.Literal('ended')], { description: 'ended: the case closed while the order was open' }),
    answeredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    answeredOnTime: Type.Union([Type.Boolean(), Type.Null()]),
    feedback: Type.Union([Type.String(), Type.Null()], { description: 'The written answer' }),
  });
  app.get(
    '/v1/units/:unitId/supervision-orders',
    {
      config: { roles: ['handler', 'supervisor', 'dispatcher', 'admin'] },
      schema: {
        tags: ['accountability'],
        summary: 'The supervision orders a unit issued, newest first, with their answers (from the read model)',
        description: '`before` (an `issuedAt`) pages back; `nextBefore` is absent on the last page.',
        security,
        params: Type.Object({ unitId }),
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })), before: Type.Optional(Type.String({ format: 'date-time' })) }),
        response: { 200: Type.Object({ unitId: Type.String(), orders: Type.Array(Order), nextBefore: Type.Optional(Type.String()), names: NamesSchema }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { unitId: id } = request.params;
      requireUnit(id);
      if (!mayView(principalOf(request), id, directory)) throw forbidden(id);
      const limit = request.query.limit ?? 100;
      const orders = await ordersIssuedBy(db, id, { limit, ...(request.query.before ? { before: new Date(request.query.before) } : {}) });
      const body = { unitId: id, orders, ...(orders.length === limit ? { nextBefore: orders.at(-1)!.issuedAt } : {}) };
      return { ...body, names: namesIn(body, { units: directory, categories }) };
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
            names: NamesSchema,
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
      const body = {
        districtId,
        window,
        units: strikeCounts
          .filter((s) => directory.within(s.unitId, districtId) && s.strikes + s.pending > 0)
          .map((s) => ({ unitId: s.unitId, strikes: s.strikes, pending: s.pending, sanction: s.strikes > 0 ? sanctionFor(s.strikes) : null, frozen: frozenUnits.has(s.unitId) }))
          .sort((a, b) => b.strikes - a.strikes || a.unitId.localeCompare(b.unitId)),
      };
      return { ...body, names: namesIn(body, { units: directory, categories }) };
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
  const StrikeView = Type.Object({
    id: Type.String(),
    unitId: Type.String(),
    source: Type.String({ description: '`ranking`: the monthly evaluation; `overdue-at-top`: a case overdue at the top, under the rules before fair strikes' }),
    window: Type.Integer(),
    number: Type.Integer({ description: "The strike's place among the unit's strikes of the window, in order of arrival" }),
    at: Type.String(),
    caseNo: Type.Union([Type.String(), Type.Null()]),
    period: Type.Union([Type.String(), Type.Null()]),
    status: Type.Union([Type.Literal('pending'), Type.Literal('appealed'), Type.Literal('effective'), Type.Literal('voided')], {
      description: '`pending`: the unit may appeal until `appealUntil`; `appealed`: a supervisor above decides; `effective`: its sanction is applied; `voided`: the appeal was upheld',
    }),
    appealUntil: Type.Union([Type.String(), Type.Null()]),
    appeal: Type.Union([Type.Object({ reason: Type.String(), at: Type.String() }), Type.Null()]),
    decision: Type.Union([Type.Object({ upheld: Type.Boolean(), note: Type.String(), by: Type.String(), at: Type.String() }), Type.Null()]),
    sanctionId: Type.Union([Type.String(), Type.Null()]),
  });
  type StrikeViewT = Static<typeof StrikeView>;
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  const strikeFromRow = (s: typeof strikes.$inferSelect, sanctionIds: Map<string, string>): StrikeViewT => ({
    id: s.id,
    unitId: s.unitId,
    source: s.source,
    window: s.window,
    number: s.number,
    at: s.at.toISOString(),
    caseNo: s.caseNo,
    period: s.period,
    status: s.status as StrikeViewT['status'],
    appealUntil: iso(s.appealUntil),
    appeal: s.appealedAt ? { reason: s.appealReason ?? '', at: s.appealedAt.toISOString() } : null,
    decision: s.decidedAt ? { upheld: s.status === 'voided', note: s.decisionNote ?? '', by: s.decidedBy ?? '', at: s.decidedAt.toISOString() } : null,
    sanctionId: sanctionIds.get(s.id) ?? null,
  });
  const strikeFromState = (s: StrikeRecord): StrikeViewT => ({
    id: s.id,
    unitId: s.unitId,
    source: s.source,
    window: s.window,
    number: s.number,
    at: s.at,
    caseNo: s.caseNo ?? null,
    period: s.period ?? null,
    status: s.status ?? 'effective',
    appealUntil: s.appealUntil ?? null,
    appeal: s.appeal ? { reason: s.appeal.reason, at: s.appeal.at } : null,
    decision: s.decision ?? null,
    sanctionId: s.sanctionId ?? null,
  });
  const sanctionsByStrike = async (strikeIds: string[]): Promise<Map<string, string>> =>
    strikeIds.length === 0
      ? new Map()
      : new Map((await db.select({ id: sanctions.id, strikeId: sanctions.strikeId }).from(sanctions).where(inArray(sanctions.strikeId, strikeIds))).map((r) => [r.strikeId, r.id]));

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
            strikes: Type.Array(StrikeView),
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
      const sanctionIds = new Map(sanctionRows.map((x) => [x.strikeId, x.id]));
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
        strikes: strikeRows.map((s) => strikeFromRow(s, sanctionIds)),
        sanctions: view,
      };
    },
  );

  /** A refused update on a unit's workflow: its domain reason, as for case actions. */
  const unitProblem = (error: unknown, id: string): unknown => {
    if (error instanceof WorkflowNotFoundError) return notFound(`${id} has no strikes or sanctions`);
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type) return refusalProblem(error.cause.type, error.cause.message);
    return error;
  };

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
          throw unitProblem(error, id);
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

  const strikeStatus = Type.Union([Type.Literal('pending'), Type.Literal('appealed'), Type.Literal('effective'), Type.Literal('voided')]);
  app.get(
    '/v1/strikes',
    {
      config: { roles: ['handler', 'supervisor', 'dispatcher', 'admin'] },
      schema: {
        tags: ['accountability'],
        summary: 'Strikes in your area (a handler: its own unit), newest first: `?status=appealed` lists the appeals awaiting a decision',
        security,
        querystring: Type.Object({ status: Type.Optional(strikeStatus), unit: Type.Optional(unitId), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) }),
        response: { 200: Type.Object({ strikes: Type.Array(StrikeView), names: NamesSchema }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { status, unit, limit = 100 } = request.query;
      if (unit) {
        requireUnit(unit);
        if (!mayView(principal, unit, directory)) throw forbidden(unit);
      }
      const scope = unit ? [unit] : principal.role === 'admin' ? null : principal.unitId === null ? [] : principal.role === 'handler' ? [principal.unitId] : directory.subtree(principal.unitId);
      if (scope?.length === 0) return { strikes: [], names: namesIn({}, { units: directory, categories }) };
      const rows = await db
        .select()
        .from(strikes)
        .where(and(...(scope ? [inArray(strikes.unitId, scope)] : []), ...(status ? [eq(strikes.status, status)] : [])))
        .orderBy(desc(strikes.at), asc(strikes.id))
        .limit(limit);
      const sanctionIds = await sanctionsByStrike(rows.map((r) => r.id));
      const body = { strikes: rows.map((r) => strikeFromRow(r, sanctionIds)) };
      return { ...body, names: namesIn(body, { units: directory, categories }) };
    },
  );

  const strikeParams = Type.Object({ unitId, strikeId: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,200}$' }) });
  /** Runs an update on a strike that the read model knows for the unit. */
  async function onStrike(id: string, strikeId: string, run: (handle: ReturnType<typeof temporal.client.workflow.getHandle>) => Promise<StrikeRecord>): Promise<StrikeViewT> {
    const [row] = await db.select({ id: strikes.id }).from(strikes).where(and(eq(strikes.id, strikeId), eq(strikes.unitId, id)));
    if (!row) throw notFound(`No strike ${strikeId} of ${id}`);
    try {
      return strikeFromState(await run(temporal.client.workflow.getHandle(unitAccountabilityWorkflowId(id))));
    } catch (error) {
      throw unitProblem(error, id);
    }
  }
  app.post(
    '/v1/units/:unitId/accountability/strikes/:strikeId/appeal',
    {
      config: { roles: ['handler', 'supervisor'] },
      schema: {
        tags: ['accountability'],
        summary: 'Appeal a pending strike with a reason: the unit itself (its handlers or supervisors), before its appeal window closes',
        security,
        params: strikeParams,
        body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 4000 }) }, { additionalProperties: false }),
        response: { 200: StrikeView, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const { unitId: id, strikeId } = request.params;
      requireUnit(id);
      const principal = principalOf(request);
      if (principal.unitId !== id) throw new HttpProblem(403, 'forbidden', 'Forbidden', `Only ${id} itself can appeal its strikes`);
      return onStrike(id, strikeId, (h) => h.executeUpdate(appealStrikeUpdate, { args: [{ actor: actorOf(principal), strikeId, reason: request.body.reason }] }));
    },
  );
  app.post(
    '/v1/units/:unitId/accountability/strikes/:strikeId/decision',
    {
      config: { roles: ['supervisor'] },
      schema: {
        tags: ['accountability'],
        summary: 'Decide an appealed strike: a supervisor above the unit; upheld voids the strike, rejected applies its sanction now',
        security,
        params: strikeParams,
        body: Type.Object(
          { upheld: Type.Boolean({ description: 'true: the appeal is upheld and the strike void; false: rejected, the sanction takes effect' }), note: Type.String({ minLength: 1, maxLength: 4000 }) },
          { additionalProperties: false },
        ),
        response: { 200: StrikeView, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const { unitId: id, strikeId } = request.params;
      requireUnit(id);
      const principal = principalOf(request);
      if (principal.unitId === null || principal.unitId === id || !directory.within(id, principal.unitId)) throw new HttpProblem(403, 'forbidden', 'Forbidden', `Only a supervisor above ${id} decides its appeals`);
      const { upheld, note } = request.body;
      return onStrike(id, strikeId, (h) => h.executeUpdate(decideStrikeAppealUpdate, { args: [{ actor: actorOf(principal), strikeId, upheld, note }] }));
    },
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
