/**
 * Scoring, the "evaluate" of accountability: per-unit rates of a period from the outcome ledger, the
 * score, the ranking within each level, and which units the period's evaluation strikes. A unit is
 * scored for what it owned (DESIGN.md §3 "Figures"): a legitimate whistle up is not a failure of the
 * unit that blew it, a legitimate return neither, shirking a matter the list gives it is. Pure functions
 * over plain data.
 */
import type { UnitOutcome } from './outcomes.js';
import { isSatisfied } from './ratings.js';

/**
 * Relative weights of the score's parts. A part a unit has no data for (no evaluations, never
 * summoned) is left out and the others re-weighted, so a unit is scored on what it did.
 */
export type RankingWeights = {
  /** Responded on time ÷ assigned. */
  response: number;
  /** Resolved on time (and not shirked) ÷ held. */
  resolution: number;
  /** (Satisfied + basically satisfied) ÷ evaluated. */
  satisfaction: number;
  /** Summoned departments: reported in on time ÷ summoned. */
  reportIn: number;
  /** Summoned departments: the summoning units' cooperation ratings, 1–5 read as 0–1. */
  cooperation: number;
  /** Summoned departments: parts rated resolved ÷ parts rated. */
  partResolution: number;
  /** Supervision orders answered by their deadline ÷ orders addressed to the unit (policies before orders: {@link DEFAULT_SUPERVISION_WEIGHT}). */
  supervision?: number;
};

/** The weight of supervision orders in policies written before they existed. */
export const DEFAULT_SUPERVISION_WEIGHT = 0.3;

/** The ranking policy in force (`ranking_policies`, newest version): scoring, ranking and strikes. */
export interface RankingPolicy {
  version: number;
  weights: RankingWeights;
  /** Units with fewer cases (assigned or summoned to) in the period are not ranked. */
  minCases: number;
  /** How many of the lowest-scoring ranked units of each level get a strike. */
  bottomPerLevel: number;
  /** How long a unit may appeal a strike before its sanction takes effect: a limit (`5 working days`, `P3D`). */
  appealWindow: string;
  /** Cases overdue at the top in a period that give a unit a strike of their own (0: never). At most one strike per unit and period. */
  overdueStrikeCases: number;
}

export const DEFAULT_RANKING_POLICY: RankingPolicy = {
  version: 1,
  weights: { response: 0.3, resolution: 0.35, satisfaction: 0.35, reportIn: 0.3, cooperation: 0.35, partResolution: 0.35, supervision: DEFAULT_SUPERVISION_WEIGHT },
  minCases: 5,
  bottomPerLevel: 1,
  appealWindow: '5 working days',
  overdueStrikeCases: 1,
};

export interface UnitPerformance {
  unitId: string;
  level: string;
  /** Cases given to the unit (held, or joint handling as a co-department). */
  assigned: number;
  respondedOnTime: number;
  /** Cases the unit held and was expected to resolve: not those it left by a legitimate whistle or return. */
  held: number;
  resolved: number;
  resolvedOnTime: number;
  evaluated: number;
  satisfied: number;
  escalatedByTimeout: number;
  /** Cases it returned (any reason). */
  returned: number;
  /** Cases it returned although the list gives the matter to it (shirking): held and not resolved on time, whatever happened later. */
  shirked: number;
  /** Cases it held and left by a legitimate whistle up, unresolved: not held. */
  whistled: number;
  /** Cases that went overdue at the top in the period while it held them. */
  overdueAtTop: number;
  reportInsDue: number;
  reportedInOnTime: number;
  /** Cases a holding unit summoned it to. */
  summoned: number;
  summonedReportedInOnTime: number;
  /** Parts it reported done. */
  partsDone: number;
  /** Cooperation ratings the summoning units gave it, and their mean (1–5). */
  cooperationRated: number;
  cooperationAverage: number | null;
  /** Parts the summoning units rated, and those rated resolved. */
  partsRated: number;
  partsResolved: number;
  /** Supervision orders addressed to it, answered by their deadline, warned of, missed. */
  ordersIssued: number;
  ordersAnsweredOnTime: number;
  ordersWarned: number;
  ordersMissed: number;
  responseRate: number | null;
  resolutionRate: number | null;
  onTimeResolutionRate: number | null;
  satisfactionRate: number | null;
  reportInRate: number | null;
  partResolutionRate: number | null;
  /** Orders answered by their deadline ÷ orders addressed to it (null without orders). */
  supervisionRate: number | null;
  score: number | null;
  ranked: boolean;
  /** 1 = best within the level, among ranked units. */
  rank: number | null;
  bottom: boolean;
}

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);
const round = (n: number | null): number | null => (n === null ? null : Math.round(n * 1e6) / 1e6);
const count = (rows: UnitOutcome[], f: (r: UnitOutcome) => boolean): number => rows.filter(f).length;
const sum = (rows: UnitOutcome[], f: (r: UnitOutcome) => number | undefined): number => rows.reduce((total, r) => total + (f(r) ?? 0), 0);

/** A holder row the unit left without failing: a legitimate whistle up, or the return of a matter that is not its own. */
export const leftLegitimately = (r: UnitOutcome): boolean => r.role === 'holder' && !r.resolved && (r.whistled || (r.returned && !r.shirked));

/** What one unit did in a period, before ranking. */
function performanceOf(unitId: string, level: string, rows: UnitOutcome[], overdueAtTop: number, weights: RankingWeights): Omit<UnitPerformance, 'ranked' | 'rank' | 'bottom'> {
  const given = rows.filter((r) => r.role !== 'summoned');
  const summoned = rows.filter((r) => r.role === 'summoned');
  const held = rows.filter((r) => r.role === 'holder' && !leftLegitimately(r));
  const cooperation = summoned.flatMap((r) => (r.cooperation === null ? [] : [r.cooperation]));
  const cooperationAverage = cooperation.length === 0 ? null : cooperation.reduce((a, b) => a + b, 0) / cooperation.length;
  const p = {
    unitId,
    level,
    assigned: given.length,
    respondedOnTime: count(given, (r) => r.respondedOnTime),
    held: held.length,
    resolved: count(held, (r) => r.resolved),
    resolvedOnTime: count(held, (r) => r.resolvedOnTime && !r.shirked),
    evaluated: count(rows, (r) => r.rating !== null),
    satisfied: count(rows, (r) => isSatisfied(r.rating)),
    escalatedByTimeout: count(rows, (r) => r.escalatedByTimeout),
    returned: count(rows, (r) => r.returned),
    shirked: count(rows, (r) => r.shirked),
    whistled: count(rows, (r) => r.role === 'holder' && !r.resolved && r.whistled),
    overdueAtTop,
    reportInsDue: count(rows, (r) => r.reportedInOnTime !== null),
    reportedInOnTime: count(rows, (r) => r.reportedInOnTime === true),
    summoned: summoned.length,
    summonedReportedInOnTime: count(summoned, (r) => r.reportedInOnTime === true),
    partsDone: count(summoned, (r) => r.partDone === true),
    cooperationRated: cooperation.length,
    cooperationAverage: round(cooperationAverage),
    partsRated: count(summoned, (r) => r.partResolved !== null),
    partsResolved: count(summoned, (r) => r.partResolved === true),
    ordersIssued: sum(rows, (r) => r.ordersIssued),
    ordersAnsweredOnTime: sum(rows, (r) => r.ordersAnsweredOnTime),
    ordersWarned: sum(rows, (r) => r.ordersWarned),
    ordersMissed: sum(rows, (r) => r.ordersMissed),
  };
  const rates = {
    responseRate: ratio(p.respondedOnTime, p.assigned),
    resolutionRate: ratio(p.resolved, p.held),
    onTimeResolutionRate: ratio(p.resolvedOnTime, p.held),
    satisfactionRate: ratio(p.satisfied, p.evaluated),
    reportInRate: ratio(p.summonedReportedInOnTime, p.summoned),
    partResolutionRate: ratio(p.partsResolved, p.partsRated),
    supervisionRate: ratio(p.ordersAnsweredOnTime, p.ordersIssued),
  };
  const parts: Array<[number, number | null]> = [
    [weights.response, rates.responseRate],
    [weights.resolution, rates.onTimeResolutionRate],
    [weights.satisfaction, rates.satisfactionRate],
    [weights.reportIn, rates.reportInRate],
    [weights.cooperation, cooperationAverage === null ? null : (cooperationAverage - 1) / 4],
    [weights.partResolution, rates.partResolutionRate],
    [weights.supervision ?? DEFAULT_SUPERVISION_WEIGHT, rates.supervisionRate],
  ];
  const present = parts.filter(([w, v]) => v !== null && w > 0) as Array<[number, number]>;
  const weight = present.reduce((sum, [w]) => sum + w, 0);
  const score = weight === 0 ? null : present.reduce((sum, [w, v]) => sum + w * v, 0) / weight;
  return {
    ...p,
    responseRate: round(rates.responseRate),
    resolutionRate: round(rates.resolutionRate),
    onTimeResolutionRate: round(rates.onTimeResolutionRate),
    satisfactionRate: round(rates.satisfactionRate),
    reportInRate: round(rates.reportInRate),
    partResolutionRate: round(rates.partResolutionRate),
    supervisionRate: round(rates.supervisionRate),
    score: round(score),
  };
}

/**
 * Rates per unit, the score (the weighted parts the unit has data for), and the ranking within each
 * level among units with at least `minCases` cases. Ties are broken by unit id so the result is stable.
 * The bottom `bottomPerLevel` units of a level are marked when the level has more ranked units than
 * that. `overdueAtTop` counts each unit's cases that went overdue at the top in the period.
 */
export function rankUnits(
  outcomes: UnitOutcome[],
  units: Array<{ id: string; level: string }>,
  policy: RankingPolicy,
  overdueAtTop: ReadonlyMap<string, number> = new Map(),
): UnitPerformance[] {
  const levelOf = new Map(units.map((u) => [u.id, u.level]));
  const byUnit = new Map<string, UnitOutcome[]>();
  for (const id of overdueAtTop.keys()) if (levelOf.has(id)) byUnit.set(id, []);
  for (const o of outcomes) {
    if (!levelOf.has(o.unitId)) continue;
    const rows = byUnit.get(o.unitId);
    if (rows) rows.push(o);
    else byUnit.set(o.unitId, [o]);
  }
  const performances: UnitPerformance[] = [...byUnit.entries()].map(([unitId, rows]) => {
    const p = performanceOf(unitId, levelOf.get(unitId)!, rows, overdueAtTop.get(unitId) ?? 0, policy.weights);
    return { ...p, ranked: p.assigned + p.summoned >= policy.minCases && p.score !== null, rank: null, bottom: false };
  });
  for (const level of new Set(performances.map((p) => p.level))) {
    const ranked = performances
      .filter((p) => p.level === level && p.ranked)
      .sort((a, b) => b.score! - a.score! || a.unitId.localeCompare(b.unitId));
    ranked.forEach((p, i) => {
      p.rank = i + 1;
    });
    // A level needs more ranked units than strikes to hand out: a ranking of one unit is no ranking.
    if (policy.bottomPerLevel > 0 && ranked.length > policy.bottomPerLevel) {
      for (const p of ranked.slice(-policy.bottomPerLevel)) p.bottom = true;
    }
  }
  return performances.sort((a, b) => a.level.localeCompare(b.level) || (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.unitId.localeCompare(b.unitId));
}

/** Why the evaluation strikes a unit: the bottom of its level, enough cases overdue at the top, or both. */
export type StrikeReason = 'bottom' | 'overdue';

/** A strike the evaluation of a period gives: at most one per unit, whatever the reasons. */
export interface StrikeDue {
  unitId: string;
  level: string;
  reasons: StrikeReason[];
  overdueCases: number;
}

/** The strikes of a period's evaluation: one per unit at the bottom of its level or with at least `overdueStrikeCases` cases overdue at the top. */
export function strikesDue(performances: UnitPerformance[], policy: Pick<RankingPolicy, 'overdueStrikeCases'>): StrikeDue[] {
  return performances.flatMap((p) => {
    const reasons: StrikeReason[] = [];
    if (p.bottom) reasons.push('bottom');
    if (policy.overdueStrikeCases > 0 && p.overdueAtTop >= policy.overdueStrikeCases) reasons.push('overdue');
    return reasons.length === 0 ? [] : [{ unitId: p.unitId, level: p.level, reasons, overdueCases: p.overdueAtTop }];
  });
}
