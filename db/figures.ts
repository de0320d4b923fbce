/**
 * The figures the reforms are judged by (DESIGN.md, "Figures the reforms are judged by"), counted in SQL over
 * the read model: which count is over which is `domain/figures.ts` (the simulator counts the same in memory);
 * `docs/figures.md` explains each. Every figure is a numerator over a denominator:
 *
 * - over the cases **received** in the period (`received_at` in [from, to)), cancelled duplicates left out:
 *   - community share: cases a community held ÷ cases the streets handled (`community_held` ÷ `street_handled`);
 *   - same-day resolution: cases resolved (the reply given) on the calendar day, China Standard Time, they
 *     were received ÷ cases received;
 *   - resolution rate: cases resolved before the period ended ÷ cases received (per month: before the end
 *     of the month they were received in);
 *   - reached the top: cases that ended at the top level after starting below it ÷ cases received;
 * - over the outcome ledger of the cases **closed** in the period (`case_outcomes`, as unit scores are):
 *   - response: signed (or reported in) on time ÷ assigned (holder and co-department rows);
 *   - on-time: resolved on time ÷ resolved (holder rows);
 *   - satisfaction: satisfied or basically satisfied ÷ evaluated (`db/case-facts.ts` says which ratings).
 *
 * Figures are given for an area (`CaseScope`, optionally one district) and grouped by a dimension.
 */
import { inArray, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { periodOf } from '../domain/accountability.js';
import { emptyCaseCounts, emptyOutcomeCounts, figuresOf, FIGURES_TIME_ZONE, type CaseCounts, type Figures, type OutcomeCounts } from '../domain/figures.js';
import { caseCounted, outcomeRatedSatisfied } from './case-facts.js';
import { scopeCondition, type CaseScope } from './case-queries.js';
import type { Db } from './client.js';
import { caseOutcomes, cases } from './schema.js';

export { FIGURES_TIME_ZONE, type Figure, type Figures } from '../domain/figures.js';

/** What figures can be grouped by: the case's district, the street that handled it, each unit, category, month, whistle tier, case type, origin. */
export const FIGURE_DIMENSIONS = ['district', 'street', 'unit', 'category', 'month', 'whistleTier', 'caseType', 'origin'] as const;
export type FigureDimension = (typeof FIGURE_DIMENSIONS)[number];

export interface FigureGroup {
  /** The group's value of the dimension (a unit id, a category, `YYYY-MM`); null for cases without one (no street handled them, no summons). */
  key: string | null;
  figures: Figures;
}

export interface FigureReport {
  from: string;
  to: string;
  by: FigureDimension | null;
  total: Figures;
  groups: FigureGroup[];
}

export interface FigureQuery {
  from: Date;
  to: Date;
  scope: CaseScope;
  /** Only this district's cases (its centre's id). */
  districtId?: string;
  by?: FigureDimension;
}

/** The street that handled a case: its location's street, when the case came to that street or its communities. */
const handlingStreet = sql`case when ${cases.streetHandled} then ${cases.streetId} end`;
const localDate = (column: SQLWrapper) => sql`(${column} at time zone ${FIGURES_TIME_ZONE})::date`;
/** The end of the month a case was received in (a month's resolution rate counts what was resolved within it). */
const endOfReceivedMonth = sql`(date_trunc('month', ${cases.receivedAt} at time zone ${FIGURES_TIME_ZONE}) + interval '1 month') at time zone ${FIGURES_TIME_ZONE}`;
const heldUnit = sql.raw('held.unit_id');

/** Each dimension's key on a case row, and on an outcome row (joined to its case). */
function dimensionKeys(by: FigureDimension): { onCase: SQL; onOutcome: SQL } {
  switch (by) {
    case 'district':
      return { onCase: sql`${cases.districtId}`, onOutcome: sql`${caseOutcomes.districtId}` };
    case 'street':
      return { onCase: handlingStreet, onOutcome: handlingStreet };
    case 'unit':
      return { onCase: heldUnit, onOutcome: sql`${caseOutcomes.unitId}` };
    case 'category':
      return { onCase: sql`${cases.category}`, onOutcome: sql`${cases.category}` };
    case 'month':
      return { onCase: sql`to_char(${cases.receivedAt} at time zone ${FIGURES_TIME_ZONE}, 'YYYY-MM')`, onOutcome: sql`${caseOutcomes.period}` };
    case 'whistleTier':
      return { onCase: sql`${cases.whistleTier}`, onOutcome: sql`${cases.whistleTier}` };
    case 'caseType':
      return { onCase: sql`${cases.caseType}`, onOutcome: sql`${cases.caseType}` };
    case 'origin':
      return { onCase: sql`${cases.origin}`, onOutcome: sql`${cases.origin}` };
  }
}

/** The outcome rows of an area: a unit's own rows for `held`, the rows of the area's cases otherwise. */
function outcomeScope(scope: CaseScope): SQL | undefined {
  return scope.kind === 'held' ? inArray(caseOutcomes.unitId, scope.unitIds) : scopeCondition(scope);
}

const where = (conditions: Array<SQL | undefined>): SQL => sql.join(conditions.filter((c): c is SQL => c !== undefined), sql` and `);

type Counted<T> = { [K in keyof T]: number } & { key: string | null } & Record<string, unknown>;
type CaseRow = Counted<CaseCounts>;
type OutcomeRow = Counted<OutcomeCounts>;

/** The figures of an area in a period, in total and, with `by`, per group of that dimension. */
export async function computeFigures(db: Db, { from, to, scope, districtId, by }: FigureQuery): Promise<FigureReport> {
  const keys = by ? dimensionKeys(by) : { onCase: sql`null::text`, onOutcome: sql`null::text` };
  const perUnit = by === 'unit';
  // Cases held by several units count once for each of them; an area of units counts only its own.
  const heldJoin = perUnit ? sql` cross join lateral unnest(${cases.holders}) as held(unit_id)` : sql``;
  const heldInScope = perUnit && scope.kind === 'held' ? inArray(heldUnit, scope.unitIds) : undefined;
  const district = (column: SQL) => (districtId === undefined ? undefined : sql`${column} = ${districtId}`);
  const resolvedBy = by === 'month' ? sql`least(${to}::timestamptz, ${endOfReceivedMonth})` : sql`${to}::timestamptz`;
  const caseQuery = (key: SQL, join: SQL, extra?: SQL, periodEnd: SQL = sql`${to}::timestamptz`) =>
    db.execute<CaseRow>(sql`
      select ${key} as key,
        count(*)::int as received,
        (count(*) filter (where ${cases.origin} <> 'citizen'))::int as "selfDiscovered",
        (count(*) filter (where ${cases.streetHandled}))::int as "streetHandled",
        (count(*) filter (where ${cases.streetHandled} and ${cases.communityHeld}))::int as "communityHeld",
        (count(*) filter (where ${localDate(cases.resolvedAt)} = ${localDate(cases.receivedAt)}))::int as "sameDay",
        (count(*) filter (where ${cases.resolvedAt} < ${periodEnd}))::int as resolved,
        (count(*) filter (where ${cases.reachedTop}))::int as "reachedTop"
      from ${cases}${join}
      where ${where([sql`${cases.receivedAt} >= ${from}`, sql`${cases.receivedAt} < ${to}`, caseCounted, scopeCondition(scope), district(sql`${cases.districtId}`), extra])}
      group by 1`);
  // The months the period touches, so the ledger is read through its (period, district) index.
  const periods = sql`${caseOutcomes.period} between ${periodOf(from.toISOString())} and ${periodOf(new Date(to.getTime() - 1).toISOString())}`;
  const outcomeQuery = (key: SQL) =>
    db.execute<OutcomeRow>(sql`
      select ${key} as key,
        (count(*) filter (where ${caseOutcomes.role} in ('holder', 'co')))::int as assigned,
        (count(*) filter (where ${caseOutcomes.role} in ('holder', 'co') and ${caseOutcomes.respondedOnTime}))::int as "respondedOnTime",
        (count(*) filter (where ${caseOutcomes.role} = 'holder' and ${caseOutcomes.resolved}))::int as resolved,
        (count(*) filter (where ${caseOutcomes.role} = 'holder' and ${caseOutcomes.resolved} and ${caseOutcomes.resolvedOnTime}))::int as "resolvedOnTime",
        (count(*) filter (where ${caseOutcomes.rating} is not null))::int as evaluated,
        (count(*) filter (where ${outcomeRatedSatisfied}))::int as satisfied
      from ${caseOutcomes} join ${cases} on ${cases.caseNo} = ${caseOutcomes.caseNo}
      where ${where([sql`${caseOutcomes.closedAt} >= ${from}`, sql`${caseOutcomes.closedAt} < ${to}`, periods, caseCounted, outcomeScope(scope), district(sql`${caseOutcomes.districtId}`)])}
      group by 1`);

  const [caseTotals, outcomeTotals, caseGroups, outcomeGroups] = await Promise.all([
    caseQuery(sql`null::text`, sql``),
    outcomeQuery(sql`null::text`),
    by ? caseQuery(keys.onCase, heldJoin, heldInScope, resolvedBy) : undefined,
    by ? outcomeQuery(keys.onOutcome) : undefined,
  ]);
  const groups = new Map<string | null, { cases?: CaseRow; outcomes?: OutcomeRow }>();
  for (const row of caseGroups?.rows ?? []) groups.set(row.key, { cases: row });
  for (const row of outcomeGroups?.rows ?? []) groups.set(row.key, { ...groups.get(row.key), outcomes: row });
  const ordered = [...groups.entries()].sort(([a], [b]) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1));
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    by: by ?? null,
    total: figuresFrom(caseTotals.rows[0], outcomeTotals.rows[0]),
    groups: ordered.map(([key, rows]) => ({ key, figures: figuresFrom(rows.cases, rows.outcomes) })),
  };
}

/** The counts of a row (PostgreSQL may answer counts as strings). */
function counts<T extends object>(row: Record<string, unknown> | undefined, empty: T): T {
  return Object.fromEntries(Object.keys(empty).map((k) => [k, Number(row?.[k] ?? 0)])) as T;
}

const figuresFrom = (c: CaseRow | undefined, o: OutcomeRow | undefined): Figures => figuresOf(counts(c, emptyCaseCounts()), counts(o, emptyOutcomeCounts()));
