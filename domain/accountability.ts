/**
 * Accountability, the "use" of the loop: periods, strikes and their appeals, and the ladder "one
 * notice, two interviews, three freezes" (scores and the ranking are `ranking.ts`). Pure functions over
 * plain data; imported by workflows.
 */
import type { StrikeReason } from './ranking.js';

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

/** The period after `period`. */
export function nextPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number);
  return m === 12 ? `${y! + 1}-01` : `${y}-${String(m! + 1).padStart(2, '0')}`;
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

/**
 * A strike as it arrives. The monthly evaluation gives them (`ranking`, id `ranking:<period>:<unit>`,
 * whatever its reasons); cases started before fair strikes still deliver one per case overdue at the
 * top (`overdue-at-top`), which no longer strikes by itself (see `receiveStrike`). The id makes it count once.
 */
export interface Strike {
  id: string;
  unitId: string;
  source: 'ranking' | 'overdue-at-top';
  at: string;
  caseNo?: string;
  period?: string;
  /** Why the evaluation gave it. */
  reasons?: StrikeReason[];
  /** Cases overdue at the top in its period. */
  overdueCases?: number;
  /** The appeal window of the policy that gave it; absent, the policy in force when it arrives decides. */
  appealWindow?: string;
}

/** `pending` while the unit may appeal, `appealed` until a supervisor decides, then `effective` (sanctioned) or `voided`. */
export type StrikeStatus = 'pending' | 'appealed' | 'effective' | 'voided';

export interface StrikeRecord extends Strike {
  window: number;
  /** Its place among the unit's strikes of the window, in order of arrival (a voided strike keeps its number). */
  number: number;
  /** Absent on strikes counted before appeals existed: they took effect at once. */
  status?: StrikeStatus;
  /** Until when the unit may appeal; null while the window is being opened. */
  appealUntil?: string | null;
  appeal?: { reason: string; at: string; by: string } | null;
  /** A supervisor's decision on the appeal: upheld voids the strike, rejected lets it take effect. */
  decision?: { upheld: boolean; note: string; at: string; by: string } | null;
  /** The sanction it gave once effective. */
  sanctionId?: string | null;
}

export interface SanctionRecord {
  /** `<unit>:<window>:<n>`, the n-th sanction of the window: the idempotency key of the sanction. */
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

/** Days from a strike taking effect to the interview it schedules. */
export const INTERVIEW_AFTER_DAYS = 7;

export const sanctionId = (unitId: string, window: number, number: number): string => `${unitId}:${window}:${number}`;

/** True while any freeze of the unit is active: the flag other systems read. */
export function isFrozen(state: AccountabilityState): boolean {
  return state.sanctions.some((s) => s.kind === 'freeze' && s.status === 'active');
}

/** The n-th sanction of a window, given at `at`, for a strike. */
function sanctionOf(unitId: string, strike: Pick<StrikeRecord, 'id' | 'window'>, number: number, at: string): SanctionRecord {
  const kind = sanctionFor(number);
  const id = sanctionId(unitId, strike.window, number);
  return {
    id,
    kind,
    window: strike.window,
    number,
    strikeId: strike.id,
    status: kind === 'notice' ? 'published' : kind === 'interview' ? 'scheduled' : 'active',
    at,
    scheduledFor: kind === 'interview' ? new Date(Date.parse(at) + INTERVIEW_AFTER_DAYS * 24 * MS_PER_HOUR).toISOString() : null,
    heldAt: null,
    liftedAt: null,
    investigation: kind === 'freeze' ? { id, status: 'open', closedAt: null } : null,
  };
}

/**
 * The rule before fair strikes, still run by unit workflows replaying what they recorded under it: a
 * strike counts at once and decides its sanction. Returns null for a strike already counted (same id).
 */
export function countStrike(state: AccountabilityState, strike: Strike): { strike: StrikeRecord; sanction: SanctionRecord } | null {
  if (state.strikes.some((s) => s.id === strike.id)) return null;
  const window = strikeWindow(strike.at);
  const number = state.strikes.filter((s) => s.window === window).length + 1;
  const record: StrikeRecord = { ...strike, window, number };
  return { strike: record, sanction: sanctionOf(state.unitId, record, number, strike.at) };
}

/** The period a strike is for: a unit gets at most one strike per period. */
const periodOfStrike = (strike: Strike): string => strike.period ?? periodOf(strike.at);

/**
 * Fair strikes: a strike arrives pending, for the unit to appeal within the window. A strike already
 * received (same id) or for a period that already gave the unit one is ignored, and so is a strike from
 * a case overdue at the top: such cases count into their period's evaluation instead (its
 * `overdue-at-top` timeline entry), so three cases overdue in one second are one strike at most.
 */
export function receiveStrike(state: AccountabilityState, strike: Strike): { record: StrikeRecord } | { ignored: string } {
  if (strike.source === 'overdue-at-top') return { ignored: 'a case overdue at the top counts into its period\'s evaluation, not as a strike of its own' };
  if (state.strikes.some((s) => s.id === strike.id)) return { ignored: 'already received' };
  const period = periodOfStrike(strike);
  if (state.strikes.some((s) => periodOfStrike(s) === period)) return { ignored: `the unit already has a strike for ${period}` };
  const window = strikeWindow(strike.at);
  const number = state.strikes.filter((s) => s.window === window).length + 1;
  return { record: { ...strike, window, number, status: 'pending', appealUntil: null, appeal: null, decision: null, sanctionId: null } };
}

const strikeOf = (state: AccountabilityState, id: string): StrikeRecord | undefined => state.strikes.find((s) => s.id === id);

/** Why the unit cannot appeal a strike at `now`, or null. */
export function appealRefusal(state: AccountabilityState, strikeId: string, now: string): string | null {
  const strike = strikeOf(state, strikeId);
  if (!strike) return `No strike ${strikeId}`;
  switch (strike.status ?? 'effective') {
    case 'appealed':
      return 'The strike is already appealed; a supervisor decides';
    case 'effective':
      return 'The strike has taken effect; its appeal window is over';
    case 'voided':
      return 'The strike is void';
    case 'pending':
      if (!strike.appealUntil) return 'The appeal window is being opened; try again in a moment';
      return Date.parse(now) < Date.parse(strike.appealUntil) ? null : `The appeal window closed at ${strike.appealUntil}`;
  }
}

/** Why a supervisor cannot decide on a strike's appeal, or null. */
export function decisionRefusal(state: AccountabilityState, strikeId: string): string | null {
  const strike = strikeOf(state, strikeId);
  if (!strike) return `No strike ${strikeId}`;
  if (strike.status === 'appealed') return null;
  if (strike.status === 'pending') return 'The strike has not been appealed';
  return strike.decision ? 'The appeal is already decided' : 'The strike was not appealed';
}

/** Pending strikes whose appeal window has closed without an appeal: they take effect. */
export function lapsedStrikes(state: AccountabilityState, now: string): StrikeRecord[] {
  return state.strikes.filter((s) => s.status === 'pending' && s.appealUntil && Date.parse(s.appealUntil) <= Date.parse(now));
}

/** When the next appeal window closes (epoch ms), or null when none is open. */
export function nextAppealClose(state: AccountabilityState): number | null {
  const open = state.strikes.flatMap((s) => (s.status === 'pending' && s.appealUntil ? [Date.parse(s.appealUntil)] : []));
  return open.length === 0 ? null : Math.min(...open);
}

/**
 * The sanction of a strike taking effect at `at`: the n-th strike of a window to take effect gets the
 * n-th rung of the ladder, so a voided strike moves nobody up it.
 */
export function sanctionOnEffect(state: AccountabilityState, strike: StrikeRecord, at: string): SanctionRecord {
  const number = state.sanctions.filter((s) => s.window === strike.window).length + 1;
  return sanctionOf(state.unitId, strike, number, at);
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
    strikes: state.strikes.filter((s) => s.window >= keepFrom || s.status === 'pending' || s.status === 'appealed'),
    sanctions: state.sanctions.filter((s) => s.window >= keepFrom || s.status === 'scheduled' || s.status === 'active' || s.investigation?.status === 'open'),
  };
}
