/**
 * The figures the reforms are judged by (DESIGN.md, "Figures the reforms are judged by"), defined once: each
 * figure is a count over a count (`figuresOf`), and each count says which cases or outcome rows it takes. The
 * read model counts in SQL (`db/figures.ts`), the simulator in memory (`countCase`, `countOutcome`); both make
 * their figures here, and the simulator's conformance test holds the two counts equal on the same cases.
 * `docs/figures.md` explains each figure.
 */
import type { CaseSnapshot } from './case.js';
import type { UnitOutcome } from './outcomes.js';
import { isSatisfied } from './ratings.js';

/** The calendar the figures count days and months in (China Standard Time: UTC+8, no daylight saving). */
export const FIGURES_TIME_ZONE = 'Asia/Shanghai';
const FIGURES_OFFSET_MS = 8 * 3_600_000;

/** One figure: how many of how many, and the share (null when there is nothing to count). */
export interface Figure {
  numerator: number;
  denominator: number;
  /** numerator ÷ denominator, rounded to four places (0.1174 is 11.74%); null when the denominator is 0. */
  rate: number | null;
}

/** Every figure of one group of cases. */
export interface Figures {
  /** Cases received in the period (cancelled duplicates left out). */
  received: number;
  /** Of those, found by a grid worker or a unit before anyone complained; the rest are citizen-raised. */
  selfDiscovered: number;
  communityShare: Figure;
  sameDayResolution: Figure;
  resolutionRate: Figure;
  reachedTop: Figure;
  response: Figure;
  onTime: Figure;
  satisfaction: Figure;
}

/**
 * Counts over the cases **received** in a period, cancelled duplicates left out: all of them; those found
 * before anyone complained (not citizen-raised); those the
 * streets handled (came to a street or its communities); those of them a community held; those resolved on
 * the calendar day they were received; those resolved before the period ended; those that ended at the top
 * after starting below it.
 */
export interface CaseCounts {
  received: number;
  selfDiscovered: number;
  streetHandled: number;
  communityHeld: number;
  sameDay: number;
  resolved: number;
  reachedTop: number;
}

/**
 * Counts over the outcome rows of the cases **closed** in a period: rows assigned (holder and co-department)
 * and those of them signed or reported in on time; holder rows resolved, and on time; rows the citizen rated,
 * and rated satisfied or basically satisfied.
 */
export interface OutcomeCounts {
  assigned: number;
  respondedOnTime: number;
  resolved: number;
  resolvedOnTime: number;
  evaluated: number;
  satisfied: number;
}

export const emptyCaseCounts = (): CaseCounts => ({ received: 0, selfDiscovered: 0, streetHandled: 0, communityHeld: 0, sameDay: 0, resolved: 0, reachedTop: 0 });
export const emptyOutcomeCounts = (): OutcomeCounts => ({ assigned: 0, respondedOnTime: 0, resolved: 0, resolvedOnTime: 0, evaluated: 0, satisfied: 0 });

/** What the case counts read of a case: its read-model row's facts. */
export type CaseFigureFacts = Pick<CaseSnapshot, 'status' | 'receivedAt' | 'resolvedAt' | 'streetHandled' | 'communityHeld' | 'reachedTop' | 'origin'>;

/** A cancelled duplicate counts for nobody in any figure. */
export const countedCase = (status: string): boolean => status !== 'cancelled';

/** The calendar day (China Standard Time) of an instant, as a day number. */
export const figuresDay = (at: string): number => Math.floor((Date.parse(at) + FIGURES_OFFSET_MS) / 86_400_000);

/** The first instant of the month (China Standard Time) after the one `at` falls in: a month's resolution counts what was resolved before it. */
export function endOfFiguresMonth(at: string): string {
  const local = new Date(Date.parse(at) + FIGURES_OFFSET_MS);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1) - FIGURES_OFFSET_MS).toISOString();
}

/** Adds a case received in the period to `into`; `periodEnd` is when the period (for resolution) ends. */
export function countCase(into: CaseCounts, c: CaseFigureFacts, periodEnd: string): void {
  if (!countedCase(c.status)) return;
  into.received += 1;
  if (c.origin !== 'citizen') into.selfDiscovered += 1;
  if (c.streetHandled) {
    into.streetHandled += 1;
    if (c.communityHeld) into.communityHeld += 1;
  }
  if (c.resolvedAt !== null && figuresDay(c.resolvedAt) === figuresDay(c.receivedAt)) into.sameDay += 1;
  if (c.resolvedAt !== null && Date.parse(c.resolvedAt) < Date.parse(periodEnd)) into.resolved += 1;
  if (c.reachedTop) into.reachedTop += 1;
}

/** Adds an outcome row of a case closed in the period (not a cancelled duplicate) to `into`. */
export function countOutcome(into: OutcomeCounts, r: Pick<UnitOutcome, 'role' | 'respondedOnTime' | 'resolved' | 'resolvedOnTime' | 'rating'>): void {
  if (r.role === 'holder' || r.role === 'co') {
    into.assigned += 1;
    if (r.respondedOnTime) into.respondedOnTime += 1;
  }
  if (r.role === 'holder' && r.resolved) {
    into.resolved += 1;
    if (r.resolvedOnTime) into.resolvedOnTime += 1;
  }
  if (r.rating !== null) into.evaluated += 1;
  if (isSatisfied(r.rating)) into.satisfied += 1;
}

/** A figure from its counts (the rate rounded as the read model rounds it). */
export const figure = (numerator: number, denominator: number): Figure => ({
  numerator,
  denominator,
  rate: denominator === 0 ? null : Math.round((numerator / denominator) * 1e4) / 1e4,
});

/** The figures from the counts: which count is over which. */
export function figuresOf(c: CaseCounts = emptyCaseCounts(), o: OutcomeCounts = emptyOutcomeCounts()): Figures {
  return {
    received: c.received,
    selfDiscovered: c.selfDiscovered,
    communityShare: figure(c.communityHeld, c.streetHandled),
    sameDayResolution: figure(c.sameDay, c.received),
    resolutionRate: figure(c.resolved, c.received),
    reachedTop: figure(c.reachedTop, c.received),
    response: figure(o.respondedOnTime, o.assigned),
    onTime: figure(o.resolvedOnTime, o.resolved),
    satisfaction: figure(o.satisfied, o.evaluated),
  };
}
