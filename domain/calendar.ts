/**
 * Time limits and the mainland China working-day calendar. Pure functions over plain data: the
 * calendar itself (holidays and make-up working days per year) comes from the database, filled from
 * the maintained `chinese-days` package and extended by admins when a new year's notice is published.
 * All arithmetic uses epoch milliseconds and a fixed UTC offset, never the host's time zone.
 */

/** A time limit: wall-clock (ISO 8601 duration) or counted in working days or working hours. */
export type Limit =
  | { kind: 'duration'; ms: number; text: string }
  | { kind: 'workingDays'; days: number; text: string }
  | { kind: 'workingHours'; hours: number; text: string };

/** Official days off and make-up working days per year; a missing year counts Monday–Friday. */
export interface CalendarData {
  years: Record<string, { holidays: string[]; workdays: string[] }>;
}

/** Office hours: periods of the working day in local time, and the local offset from UTC. */
export interface WorkingHours {
  timeZoneOffsetMinutes: number;
  periods: Array<{ start: string; end: string }>;
}

/** China Standard Time (UTC+8, no daylight saving): 09:00–12:00 and 13:30–17:30. */
export const DEFAULT_WORKING_HOURS: WorkingHours = {
  timeZoneOffsetMinutes: 480,
  periods: [
    { start: '09:00', end: '12:00' },
    { start: '13:30', end: '17:30' },
  ],
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ISO_DURATION = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const ISO_UNITS = [7 * DAY, DAY, HOUR, MINUTE, 1000];
const WORKING = /^(\d+(?:\.\d+)?)\s+working\s+(day|hour)s?$/i;
const ACCEPTED = 'use an ISO 8601 duration such as PT30M, PT24H, P3D, P1W or P1DT12H, or "<n> working days" (n a whole number) / "<n> working hours" (n may be a decimal), n > 0';

function notALimit(text: string, why: string): Error {
  return new Error(`"${text}" is not a time limit (${why}): ${ACCEPTED}`);
}

/** Parses limit text; throws with what is accepted when the text is not a limit. */
export function parseLimit(text: string): Limit {
  const trimmed = text.trim();
  const working = WORKING.exec(trimmed);
  if (working) {
    const amount = Number(working[1]);
    if (!(amount > 0)) throw notALimit(text, 'it must be positive');
    if (working[2]!.toLowerCase() === 'day') {
      if (!Number.isInteger(amount)) throw notALimit(text, 'working days are whole days');
      return { kind: 'workingDays', days: amount, text: trimmed };
    }
    return { kind: 'workingHours', hours: amount, text: trimmed };
  }
  const upper = trimmed.toUpperCase();
  const iso = ISO_DURATION.exec(upper);
  if (!iso || upper === 'P' || upper.endsWith('T')) throw notALimit(text, 'unrecognised');
  const parts = iso.slice(1);
  const present = parts.flatMap((value, index) => (value === undefined ? [] : [{ value, index }]));
  // ISO 8601 allows a decimal fraction only on the smallest unit written.
  if (present.slice(0, -1).some((p) => p.value.includes('.'))) throw notALimit(text, 'only the last component may have a fraction');
  const ms = Math.round(present.reduce((sum, p) => sum + Number(p.value) * ISO_UNITS[p.index]!, 0));
  if (!(ms > 0)) throw notALimit(text, 'it must be positive');
  return { kind: 'duration', ms, text: upper };
}

/** The canonical text of a limit (what `parseLimit` reads back to the same limit). */
export function formatLimit(limit: Limit): string {
  switch (limit.kind) {
    case 'duration':
      return limit.text;
    case 'workingDays':
      return `${limit.days} working ${limit.days === 1 ? 'day' : 'days'}`;
    case 'workingHours':
      return `${limit.hours} working ${limit.hours === 1 ? 'hour' : 'hours'}`;
  }
}

/** Rough length for comparing limits of different kinds (a working day ≈ a day, a working hour ≈ an hour). */
function nominalMs(limit: Limit): number {
  if (limit.kind === 'duration') return limit.ms;
  return limit.kind === 'workingDays' ? limit.days * DAY : limit.hours * HOUR;
}

/** True if `candidate` is at most `ratio` × `reference` (extensions: "up to the same length again"). */
export function limitFits(candidate: string, reference: string, ratio: number): boolean {
  let c: Limit;
  try {
    c = parseLimit(candidate);
  } catch {
    return false;
  }
  const r = parseLimit(reference);
  if (c.kind === 'workingDays' && r.kind === 'workingDays') return c.days <= r.days * ratio;
  if (c.kind === 'workingHours' && r.kind === 'workingHours') return c.hours <= r.hours * ratio;
  return nominalMs(c) <= nominalMs(r) * ratio;
}

const pad = (n: number): string => String(n).padStart(2, '0');
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;

/** YYYY-MM-DD of a day number (days since 1970-01-01). */
function dayKey(day: number): string {
  const date = new Date(day * DAY);
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** Day number of a YYYY-MM-DD date; throws unless it is a real calendar date. */
function dayNumber(key: string): number {
  const ms = DATE.test(key) ? Date.UTC(Number(key.slice(0, 4)), Number(key.slice(5, 7)) - 1, Number(key.slice(8, 10))) : NaN;
  const day = ms / DAY;
  if (!Number.isInteger(day) || dayKey(day) !== key) throw new Error(`"${key}" is not a date: use YYYY-MM-DD`);
  return day;
}

/** Offset into the local day of an HH:MM time (24:00 is the end of the day). */
function offsetInDay(hhmm: string): number {
  const match = TIME.exec(hhmm);
  if (!match) throw new Error(`Working hours: "${hhmm}" is not a time of day: use HH:MM (00:00–24:00)`);
  return (Number(match[1] ?? match[3]) * 60 + Number(match[2] ?? match[4])) * MINUTE;
}

/** The periods as offsets into the local day, in order; throws on empty, inverted or overlapping periods. */
function periodsOf(hours: WorkingHours): Array<{ start: number; end: number }> {
  const offset = hours.timeZoneOffsetMinutes;
  if (!Number.isInteger(offset) || Math.abs(offset) > 14 * 60) throw new Error(`Working hours: the UTC offset must be whole minutes within ±14 h (got ${offset})`);
  const periods = hours.periods.map((p) => ({ start: offsetInDay(p.start), end: offsetInDay(p.end) })).sort((a, b) => a.start - b.start);
  if (periods.length === 0) throw new Error('Working hours: at least one period is needed');
  periods.forEach((period, i) => {
    if (period.start >= period.end) throw new Error('Working hours: every period must end after it starts');
    if (i > 0 && period.start < periods[i - 1]!.end) throw new Error('Working hours: periods must not overlap');
  });
  return periods;
}

/** Looks days up in the calendar, noting the years it had to guess. */
class DayOracle {
  readonly fallbackYears = new Set<number>();
  private readonly years = new Map<string, { holidays: Set<string>; workdays: Set<string> } | null>();

  constructor(private readonly calendar: CalendarData) {}

  isWorking(day: number): boolean {
    const key = dayKey(day);
    const year = key.slice(0, 4);
    // 1970-01-01 (day 0) was a Thursday.
    const weekday = (((day + 4) % 7) + 7) % 7;
    const weekend = weekday === 0 || weekday === 6;
    const data = this.dataFor(year);
    if (!data) {
      this.fallbackYears.add(Number(year));
      return !weekend;
    }
    if (data.holidays.has(key)) return false;
    if (data.workdays.has(key)) return true;
    return !weekend;
  }

  private dataFor(year: string): { holidays: Set<string>; workdays: Set<string> } | null {
    if (!this.years.has(year)) {
      const data = Object.hasOwn(this.calendar.years, year) ? this.calendar.years[year] : undefined;
      this.years.set(year, data ? { holidays: new Set(data.holidays), workdays: new Set(data.workdays) } : null);
    }
    return this.years.get(year)!;
  }
}

/**
 * True if the date (YYYY-MM-DD, a local calendar date) is a working day: official holidays are off,
 * make-up working days are on, otherwise Monday–Friday. A year missing from the calendar counts
 * Monday–Friday. Throws if `date` is not a real YYYY-MM-DD date.
 */
export function isWorkingDay(date: string, calendar: CalendarData): boolean {
  return new DayOracle(calendar).isWorking(dayNumber(date));
}

/** Safety bound: no limit spans more than ten years of days. */
const MAX_DAYS = 3660;

/**
 * The deadline of a limit started at `from`.
 * - ISO durations add wall-clock time.
 * - "N working days": the local day of `from` does not count; the deadline is the end of the last
 *   working-hours period of the N-th working day after it.
 * - "N working hours": only time inside working-hours periods on working days counts, from `from` on
 *   (or from the next period start when `from` is outside them); the deadline is when the N-th hour is
 *   used up.
 * `fallbackYears` lists, ascending, the years the computation touched that have no calendar data (they
 * were counted Monday–Friday). Throws on an invalid `from` or invalid working hours.
 */
export function computeDeadline(from: Date, limit: Limit, calendar: CalendarData, hours: WorkingHours = DEFAULT_WORKING_HOURS): { deadline: Date; fallbackYears: number[] } {
  const start = from.getTime();
  if (!Number.isFinite(start)) throw new Error('computeDeadline: `from` is not a valid date');
  if (limit.kind === 'duration') return { deadline: new Date(start + limit.ms), fallbackYears: [] };
  const periods = periodsOf(hours);
  const oracle = new DayOracle(calendar);
  const offset = hours.timeZoneOffsetMinutes * MINUTE;
  const closing = periods[periods.length - 1]!.end;
  const firstDay = Math.floor((start + offset) / DAY);
  const done = (at: number) => ({ deadline: new Date(at), fallbackYears: [...oracle.fallbackYears].sort((a, b) => a - b) });

  if (limit.kind === 'workingDays') {
    let counted = 0;
    for (let day = firstDay + 1; day <= firstDay + MAX_DAYS; day += 1) {
      if (!oracle.isWorking(day)) continue;
      counted += 1;
      if (counted === limit.days) return done(day * DAY + closing - offset);
    }
  } else {
    let remaining = Math.round(limit.hours * HOUR);
    for (let day = firstDay; day <= firstDay + MAX_DAYS; day += 1) {
      if (!oracle.isWorking(day)) continue;
      for (const period of periods) {
        const periodStart = day * DAY + period.start - offset;
        const periodEnd = day * DAY + period.end - offset;
        if (periodEnd <= start) continue;
        const from = Math.max(start, periodStart);
        const available = periodEnd - from;
        if (available >= remaining) return done(from + remaining);
        remaining -= available;
      }
    }
  }
  throw new Error(`The limit "${limit.text}" does not end within ${MAX_DAYS} days`);
}

/** The instant `ratio` of the way from `from` to `deadline`, rounded to whole milliseconds (warnings fire there). */
export function warningPoint(from: Date, deadline: Date, ratio: number): Date {
  return new Date(from.getTime() + Math.round((deadline.getTime() - from.getTime()) * ratio));
}

/** From this month on (1 = January), the next year's calendar is due: its official notice is usually out by then. */
export const NEXT_YEAR_DUE_MONTH = 11;

/** What is missing from the calendar now: the current year, or from 1 November the next one; empty when nothing is. */
export function missingCalendarYears(now: Date, years: readonly number[], hours: WorkingHours = DEFAULT_WORKING_HOURS): number[] {
  const local = new Date(now.getTime() + hours.timeZoneOffsetMinutes * MINUTE);
  const year = local.getUTCFullYear();
  const due = local.getUTCMonth() + 1 >= NEXT_YEAR_DUE_MONTH ? [year, year + 1] : [year];
  return due.filter((y) => !years.includes(y));
}

/** A warning for operators about the years {@link missingCalendarYears} names, or null. */
export function calendarWarning(missing: readonly number[]): string | null {
  if (missing.length === 0) return null;
  const list = missing.join(' and ');
  return `No holiday calendar for ${list}: deadlines in ${missing.length === 1 ? 'that year' : 'those years'} count Monday–Friday as working days until an admin loads it (PUT /v1/calendar/<year>)`;
}

/** The local calendar years from one instant to another, ascending (the years a deadline's count touches). */
export function localYears(from: Date, to: Date, hours: WorkingHours = DEFAULT_WORKING_HOURS): number[] {
  const year = (d: Date): number => new Date(d.getTime() + hours.timeZoneOffsetMinutes * MINUTE).getUTCFullYear();
  const years: number[] = [];
  for (let y = year(from); y <= Math.max(year(from), year(to)); y += 1) years.push(y);
  return years;
}

/** A limit in a process definition that is not a limit: retrying cannot fix it. */
export class InvalidLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidLimitError';
  }
}

/**
 * Deadlines by name (`deadline`, `reportIn`, `extension`) for limits started at one instant, as the engine asks
 * for them; `fallbackYears` lists the years counted Monday–Friday for want of calendar data. Throws
 * {@link InvalidLimitError} when a limit is not one.
 */
export function computeDeadlines(from: string, limits: Record<string, string>, calendar: CalendarData): { deadlines: Record<string, string>; fallbackYears: number[] } {
  const deadlines: Record<string, string> = {};
  const fallback = new Set<number>();
  for (const [name, text] of Object.entries(limits)) {
    let limit: Limit;
    try {
      limit = parseLimit(text);
    } catch (error) {
      throw new InvalidLimitError((error as Error).message);
    }
    const { deadline, fallbackYears } = computeDeadline(new Date(from), limit, calendar);
    fallbackYears.forEach((year) => fallback.add(year));
    deadlines[name] = deadline.toISOString();
  }
  return { deadlines, fallbackYears: [...fallback].sort((a, b) => a - b) };
}
