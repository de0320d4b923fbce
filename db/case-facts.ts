/**
 * What the read model knows about cases and policies, defined once for every route and activity: when a
 * case counts as closed, which ratings are satisfied, which ranking policy is in force.
 */
import { and, desc, inArray, isNotNull, isNull, ne, type SQL } from 'drizzle-orm';
import { DEFAULT_RANKING_POLICY, type RankingPolicy } from '../domain/accountability.js';
import { SATISFIED_RATINGS } from '../domain/ratings.js';
import { RESOLVED_OUTCOMES } from '../domain/process/definition.js';
import type { Db } from './client.js';
import { caseOutcomes, cases, rankingPolicies } from './schema.js';

/** A case is closed once its workflow ended with an outcome (`closed_at` is set). */
export const caseClosed: SQL = isNotNull(cases.closedAt);
/** Still being worked on. */
export const caseOpen: SQL = isNull(cases.closedAt);
/** Not cancelled as a duplicate: a cancelled duplicate counts for nobody in any figure. */
export const caseCounted: SQL = ne(cases.status, 'cancelled');
/** Closed and not cancelled as a duplicate: a case the figures count. */
export const caseClosedCounted: SQL = and(caseClosed, caseCounted)!;
/** Ended resolved (see RESOLVED_OUTCOMES). */
export const caseClosedResolved: SQL = inArray(cases.status, [...RESOLVED_OUTCOMES]);
/** The citizen rated the reply satisfied or basically satisfied. */
export const caseRatedSatisfied: SQL = inArray(cases.rating, [...SATISFIED_RATINGS]);
/** The same, on the outcome row of the unit whose reply the citizen rated. */
export const outcomeRatedSatisfied: SQL = inArray(caseOutcomes.rating, [...SATISFIED_RATINGS]);

/** The ranking policy in force: the newest version, or the default before any is stored. */
export async function rankingPolicyInForce(db: Db): Promise<RankingPolicy> {
  const [row] = await db.select().from(rankingPolicies).orderBy(desc(rankingPolicies.version)).limit(1);
  return row ? { version: row.version, weights: row.weights, minCases: row.minCases, bottomPerLevel: row.bottomPerLevel } : DEFAULT_RANKING_POLICY;
}
