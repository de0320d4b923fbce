/**
 * What the read model knows about cases and policies, defined once for every route and activity: when a
 * case counts as closed, which ratings are satisfied, which ranking policy is in force.
 */
import { and, desc, eq, inArray, isNotNull, isNull, not, type SQL } from 'drizzle-orm';
import { DEFAULT_RANKING_POLICY, type RankingPolicy } from '../domain/ranking.js';
import { SATISFIED_RATINGS } from '../domain/ratings.js';
import { RESOLVED_OUTCOMES } from '../domain/process/definition.js';
import type { Db } from './client.js';
import { caseOutcomes, cases, rankingPolicies } from './schema.js';

/** A case is closed once its workflow ended with an outcome (`closed_at` is set). */
export const caseClosed: SQL = isNotNull(cases.closedAt);
/** Still being worked on. */
export const caseOpen: SQL = isNull(cases.closedAt);
/** Cancelled as a duplicate: it counts for nobody in any figure. */
export const caseCancelled: SQL = eq(cases.status, 'cancelled');
/** Not cancelled as a duplicate: a case the figures count. */
export const caseCounted: SQL = not(caseCancelled);
/** Closed and not cancelled as a duplicate: a case the figures count. */
export const caseClosedCounted: SQL = and(caseClosed, caseCounted)!;
/** Ended resolved (see RESOLVED_OUTCOMES). */
export const caseClosedResolved: SQL = inArray(cases.status, [...RESOLVED_OUTCOMES]);
/** The citizen rated the reply satisfied or basically satisfied. */
export const caseRatedSatisfied: SQL = inArray(cases.rating, [...SATISFIED_RATINGS]);
/** The same, on the outcome row of the unit whose reply the citizen rated. */
export const outcomeRatedSatisfied: SQL = inArray(caseOutcomes.rating, [...SATISFIED_RATINGS]);

/**
 * The ranking policy in force: the newest version, or the default before any is stored. Weights a
 * stored version leaves out (versions older than summoned departments' scores) take their defaults.
 */
export async function rankingPolicyInForce(db: Db): Promise<RankingPolicy> {
  const [row] = await db.select().from(rankingPolicies).orderBy(desc(rankingPolicies.version)).limit(1);
  if (!row) return DEFAULT_RANKING_POLICY;
  const { version, minCases, bottomPerLevel, appealWindow, overdueStrikeCases } = row;
  return { version, weights: { ...DEFAULT_RANKING_POLICY.weights, ...row.weights }, minCases, bottomPerLevel, appealWindow, overdueStrikeCases };
}
