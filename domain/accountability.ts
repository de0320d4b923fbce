/**
 * Accountability, the "use" of the loop: what each unit did with each case (the outcome ledger),
 * per-unit rates and the monthly ranking, and the ladder "one notice, two interviews, three freezes".
 * Pure functions over plain data; imported by workflows.
 */
import type { UnitOutcome } from './outcomes.js';
import { isSatisfied } from './ratings.js';

const MS_PER_HOUR = 3_600_000;
/** Periods and strike windows follow China Standard Time. */
const LOCAL_OFFSET_MS = 8 * MS_PER_HOUR;

/** The month (YYYY-MM, China Standard Time) an instant falls in: the period a closed case counts for. */
export function periodOf(at: string): string {
  return new Date(Date.parse(at) + LOCAL_OFFSET_MS).toISOString().slice(0, 7);
}

/** The period before `period`. */
export function previousPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number);
  return m === 1 ? `${y! - 1}-12` : `${y}-${String(m! - 1).padStart(2, '0')}`;
}

/** First instant of a period, as an ISO string (UTC). */
export function periodStart(period: string): string {
  return new Date(Date.parse(`${period}-01T00:00:00Z`) - LOCAL_OFFSET_MS).toISOString();
}

/** Strikes count within a window: the calendar year (China Standard Time) of the strike. */
export function strikeWindow(at: string): number {
  return new Date(Date.parse(at) + LOCAL_OFFSET_MS).getUTCFullYear();
}

export type SanctionKind = 'notice' | 'interview' | 'freeze';

/** One notice, two interviews, three freezes: the sanction for the n-th strike of a window. */
export function sanctionFor(strikeNumber: number): SanctionKind {
  if (strikeNumber <= 1) return 'notice';
  if (strikeNumber === 2) return 'interview';
  return 'freeze';
}

export interface RankingPolicy {
  version: number;
  weights: { response: number; resolution: number; satisfaction: number };
  /** Units with fewer assigned cases in the period are not ranked. */
  minCases: number;
  /** How many of the lowest-scoring ranked units of each level get a strike. */
  bottomPerLevel: number;
}

export const DEFAULT_RANKING_POLICY: RankingPolicy = {
  version: 1,
  weights: { response: 0.3, resolution: 0.35, satisfaction: 0.35 },
  minCases: 5,
  bottomPerLevel: 1,
};

export interface UnitPerformance {
  unitId: string;
  level: string;
  assigned: number;
  respondedOnTime: number;
  /** Cases the unit held (was expected to resolve). */
  held: number;
  resolved: number;
  resolvedOnTime: number;
  evaluated: number;
  satisfied: number;
  escalatedByTimeout: number;
  returned: number;
  reportInsDue: number;
  reportedInOnTime: number;
  responseRate: number | null;
  resolutionRate: number | null;
  onTimeResolutionRate: number | null;
  satisfactionRate: number | null;
  score: number | null;
  ranked: boolean;
  /** 1 = best within the level, among ranked units. */
  rank: number | null;
  bottom: boolean;
}

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);
const round = (n: number | null): number | null => (n === null ? null : Math.round(n * 1e6) / 1e6);

/**
 * Rates per unit, the score (weighted response, on-time resolution and satisfaction rates; a unit
 * without evaluations is scored on the other two, re-weighted), and the ranking within each level among
 * units with at least `minCases` assigned cases. Ties are broken by unit id so the result is stable. The
 * bottom `bottomPerLevel` units of a level are marked when the level has more ranked units than that.
 */
export function rankUnits(outcomes: UnitOutcome[], units: Array<{ id: string; level: string }>, policy: RankingPolicy): UnitPerformance[] {
  const levelOf = new Map(units.map((u) => [u.id, u.level]));
  const byUnit = new Map<string, UnitOutcome[]>();
  for (const o of outcomes) {
    if (!levelOf.has(o.unitId)) continue;
    byUnit.set(o.unitId, [...(byUnit.get(o.unitId) ?? []), o]);
  }
  const performances: UnitPerformance[] = [...byUnit.entries()].map(([unitId, rows]) => {
    const held = rows.filter((r) => r.role === 'holder');
    const count = (list: UnitOutcome[], f: (r: UnitOutcome) => boolean) => list.filter(f).length;
    const evaluated = count(rows, (r) => r.rating !== null);
    const satisfied = count(rows, (r) => isSatisfied(r.rating));
    const p = {
      unitId,
      level: levelOf.get(unitId)!,
      assigned: rows.length,
      respondedOnTime: count(rows, (r) => r.respondedOnTime),
      held: held.length,
      resolved: count(held, (r) => r.resolved),
      resolvedOnTime: count(held, (r) => r.resolvedOnTime),
      evaluated,
      satisfied,
      escalatedByTimeout: count(rows, (r) => r.escalatedByTimeout),
      returned: count(rows, (r) => r.returned),
      reportInsDue: count(rows, (r) => r.reportedInOnTime !== null),
      reportedInOnTime: count(rows, (r) => r.reportedInOnTime === true),
    };
    const responseRate = ratio(p.respondedOnTime, p.assigned);
    const resolutionRate = ratio(p.resolved, p.held);
    const onTimeResolutionRate = ratio(p.resolvedOnTime, p.held);
    const satisfactionRate = ratio(satisfied, evaluated);
    const parts: Array<[number, number | null]> = [
      [policy.weights.response, responseRate],
      [policy.weights.resolution, onTimeResolutionRate],
      [policy.weights.satisfaction, satisfactionRate],
    ];
    const present = parts.filter(([, v]) => v !== null) as Array<[number, number]>;
    const weight = present.reduce((sum, [w]) => sum + w, 0);
    const score = weight === 0 ? null : present.reduce((sum, [w, v]) => sum + w * v, 0) / weight;
    return {
      ...p,
      responseRate: round(responseRate),
      resolutionRate: round(resolutionRate),
      onTimeResolutionRate: round(onTimeResolutionRate),
      satisfactionRate: round(satisfactionRate),
      score: round(score),
      ranked: p.assigned >= policy.minCases && score !== null,
      rank: null,
      bottom: false,
    };
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

/** A strike as it arrives: from a monthly ranking or an overdue-at-top case. The id makes it count once. */
export interface Strike {
  id: string;
  unitId: string;
  source: 'ranking' | 'overdue-at-top';
  at: string;
  caseNo?: string;
  period?: string;
}

export interface StrikeRecord extends Strike {
  window: number;
  number: number;
}

export interface SanctionRecord {
  /** `<unit>:<window>:<strike number>`: the idempotency key of the sanction. */
  id: string;
  kind: SanctionKind;
  window: number;
  number: number;
  strikeId: string;
  status: 'published' | 'scheduled' | 'held' | 'active' | 'lifted';
  at: string;
  scheduledFor: string | null;
  heldAt: string | null;
  liftedAt: string | null;
  investigation: { id: string; status: 'open' | 'closed'; closedAt: string | null } | null;
}

/** The accountability state of one unit, kept by its entity workflow. */
export interface AccountabilityState {
  unitId: string;
  strikes: StrikeRecord[];
  sanctions: SanctionRecord[];
}

/** Days from a strike to the interview it schedules. */
export const INTERVIEW_AFTER_DAYS = 7;

export const sanctionId = (unitId: string, window: number, number: number): string => `${unitId}:${window}:${number}`;

/** True while any freeze of the unit is active: the flag other systems read. */
export function isFrozen(state: AccountabilityState): boolean {
  return state.sanctions.some((s) => s.kind === 'freeze' && s.status === 'active');
}

/**
 * Counts a strike and decides its sanction. Returns null for a strike already counted (same id):
 * a strike delivered twice counts once.
 */
export function countStrike(state: AccountabilityState, strike: Strike): { strike: StrikeRecord; sanction: SanctionRecord } | null {
  if (state.strikes.some((s) => s.id === strike.id)) return null;
  const window = strikeWindow(strike.at);
  const number = state.strikes.filter((s) => s.window === window).length + 1;
  const kind = sanctionFor(number);
  const id = sanctionId(state.unitId, window, number);
  const record: StrikeRecord = { ...strike, window, number };
  const sanction: SanctionRecord = {
    id,
    kind,
    window,
    number,
    strikeId: strike.id,
    status: kind === 'notice' ? 'published' : kind === 'interview' ? 'scheduled' : 'active',
    at: strike.at,
    scheduledFor: kind === 'interview' ? new Date(Date.parse(strike.at) + INTERVIEW_AFTER_DAYS * 24 * MS_PER_HOUR).toISOString() : null,
    heldAt: null,
    liftedAt: null,
    investigation: kind === 'freeze' ? { id, status: 'open', closedAt: null } : null,
  };
  return { strike: record, sanction };
}

/** Why a supervisor action on a sanction is refused, or null. */
export function sanctionActionRefusal(state: AccountabilityState, action: 'interviewHeld' | 'closeInvestigation' | 'liftFreeze', id: string): string | null {
  const sanction = state.sanctions.find((s) => s.id === id);
  if (!sanction) return `No sanction ${id}`;
  switch (action) {
    case 'interviewHeld':
      if (sanction.kind !== 'interview') return `${id} is a ${sanction.kind}, not an interview`;
      return sanction.status === 'scheduled' ? null : 'The interview is already recorded as held';
    case 'closeInvestigation':
      if (!sanction.investigation) return `${id} has no investigation`;
      return sanction.investigation.status === 'open' ? null : 'The investigation is already closed';
    case 'liftFreeze':
      if (sanction.kind !== 'freeze') return `${id} is a ${sanction.kind}, not a freeze`;
      if (sanction.status !== 'active') return 'The freeze is already lifted';
      return sanction.investigation?.status === 'open' ? 'The freeze cannot be lifted while its inaction investigation is open' : null;
  }
}

/** Drops strikes of windows before `keepFrom` (continue-as-new keeps history short; old windows no longer count). */
export function pruneState(state: AccountabilityState, keepFrom: number): AccountabilityState {
  return {
    unitId: state.unitId,
    strikes: state.strikes.filter((s) => s.window >= keepFrom),
    sanctions: state.sanctions.filter((s) => s.window >= keepFrom || s.status === 'scheduled' || s.status === 'active' || s.investigation?.status === 'open'),
  };
}
