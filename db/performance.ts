/**
 * What a period's evaluation reads: the outcome ledger of a district's period and the cases that went
 * overdue at the top in it, without cancelled duplicates. One definition for the monthly evaluation
 * (activities) and the API's performance on demand.
 */
import { and, eq, gte, inArray, lt, notExists, sql } from 'drizzle-orm';
import { nextPeriod, periodStart } from '../domain/accountability.js';
import type { UnitOutcome } from '../domain/outcomes.js';
import { rankUnits, type RankingPolicy, type UnitPerformance } from '../domain/ranking.js';
import type { Db } from './client.js';
import { caseCancelled, caseCounted } from './case-facts.js';
import { caseOutcomes, caseTimeline, cases, units } from './schema.js';

/** The outcome rows of a district's period; rows of cases cancelled as duplicates (written before cancelled cases stopped writing any) count for nobody. */
export async function periodOutcomes(db: Db, period: string, districtId: string): Promise<UnitOutcome[]> {
  const rows = await db
    .select()
    .from(caseOutcomes)
    .where(
      and(
        eq(caseOutcomes.period, period),
        eq(caseOutcomes.districtId, districtId),
        notExists(db.select({ one: sql`1` }).from(cases).where(and(eq(cases.caseNo, caseOutcomes.caseNo), caseCancelled))),
      ),
    );
  return rows.map((o) => ({ ...o, role: o.role as UnitOutcome['role'] }));
}

/**
 * Per unit, the district's cases that went overdue at the top during the period while it held them
 * (their `overdue-at-top` timeline entry names it), open or closed, cancelled duplicates left out. They
 * count in the period they went overdue, not when they close: a case left unresolved still counts.
 */
export async function overdueAtTopByUnit(db: Db, period: string, districtId: string): Promise<Map<string, number>> {
  const unit = sql<string | null>`${caseTimeline.detail}->>'strikeUnitId'`;
  const rows = await db
    .select({ unitId: unit, cases: sql<number>`count(distinct ${caseTimeline.workflowId})::int` })
    .from(cases)
    .innerJoin(caseTimeline, and(eq(caseTimeline.workflowId, cases.workflowId), eq(caseTimeline.action, 'overdue-at-top')))
    .where(
      and(
        eq(cases.districtId, districtId),
        eq(cases.overdueAtTop, true),
        caseCounted,
        gte(caseTimeline.at, new Date(periodStart(period))),
        lt(caseTimeline.at, new Date(periodStart(nextPeriod(period)))),
      ),
    )
    .groupBy(unit);
  return new Map(rows.flatMap((r) => (r.unitId === null ? [] : [[r.unitId, Number(r.cases)] as const])));
}

/** A district's rates, scores and ranking for a period; the centre dispatches and judges, so it is not ranked against the departments it summons. */
export async function periodPerformances(db: Db, period: string, districtId: string, policy: RankingPolicy): Promise<UnitPerformance[]> {
  const [outcomes, overdue] = await Promise.all([periodOutcomes(db, period, districtId), overdueAtTopByUnit(db, period, districtId)]);
  const ids = [...new Set([...outcomes.map((o) => o.unitId), ...overdue.keys()])];
  const unitRows = ids.length === 0 ? [] : await db.select({ id: units.id, level: units.level, kind: units.kind }).from(units).where(inArray(units.id, ids));
  return rankUnits(
    outcomes,
    unitRows.filter((u) => u.kind !== 'centre'),
    policy,
    overdue,
  );
}
