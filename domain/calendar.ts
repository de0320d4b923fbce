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
const WORKING = /^(\d+(?:\.\d+)?)\s+working\s+(day|hour)s?$/i;
const ACCEPTED = 'an ISO 8601 duration such as PT30M, PT24H or P3D, or "<n> working days" / "<n> working hours"';

/** Parses limit text; throws with what is accepted when the text is not a limit. */
export function parseLimit(text: string): Limit {
  const trimmed = text.trim();
  const working = WORKING.exec(trimmed);
  if (working) {
    const amount = Number(working[1]);
    if (!(amount > 0)) throw new Error(`A limit must be positive (got "${text}")`);
    if (working[2]!.toLowerCase() === 'day') {
      if (!Number.isInteger(amount)) throw new Error(`Working days are whole days (got "${text}")`);
      return { kind: 'workingDays', days: amount, text: trimmed };
    }
    return { kind: 'workingHours', hours: amount, text: trimmed };
  }
  const iso = ISO_DURATION.exec(trimmed.toUpperCase());
  if (iso && trimmed.length > 1 && !trimmed.toUpperCase().endsWith('T')) {
    const [w, d, h, m, s] = iso.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
    const ms = Math.round(w! * 7 * DAY + d! * DAY + h! * HOUR + m! * MINUTE + s! * 1000);
    if (ms > 0) return { kind: 'duration', ms, text: trimmed.toUpperCase() };
  }
  throw new Error(`"${text}" is not a time limit: use ${ACCEPTED}`);
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

/** YYYY-MM-DD of a day number (days since 1970-01-01). */
function dayKey(day: number): string {
  const date = new Date(day * DAY);
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** Looks days up in the calendar, noting the years it had to guess. */
class DayOracle {
  readonly fallbackYears = new Set<number>();
  private readonly holidays = new Map<string, Set<string>>();
  private readonly workdays = new Map<string, Set<string>>();

  constructor(private readonly calendar: CalendarData) {}

  isWorking(key: string): boolean {
    const year = key.slice(0, 4);
    const data = this.calendar.years[year];
    const weekday = new Date(`${key}T00:00:00Z`).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    if (!data) {
      this.fallbackYears.add(Number(year));
      return !weekend;
    }
    if (!this.holidays.has(year)) {
      this.holidays.set(year, new Set(data.holidays));
      this.workdays.set(year, new Set(data.workdays));
    }
    if (this.holidays.get(year)!.has(key)) return false;
    if (this.workdays.get(year)!.has(key)) return true;
    return !weekend;
  }
}

/** True if the local date is a working day (holidays off, make-up days on, else Monday–Friday). */
export function isWorkingDay(date: string, calendar: CalendarData): boolean {
  return new DayOracle(calendar).isWorking(date);
}

/** Safety bound: no limit spans more than ten years of days. */
const MAX_DAYS = 3660;

/**
 * The deadline of a limit started at `from`.
 * - ISO durations add wall-clock time.
 * - "N working days": the day of `from` does not count; the deadline is the end of office hours of the
 *   N-th working day after it.
 * - "N working hours": only time inside office hours on working days counts, from `from` on.
 * `fallbackYears` lists the years the computation touched that have no calendar data.
 */
export function computeDeadline(from: Date, limit: Limit, calendar: CalendarData, hours: WorkingHours = DEFAULT_WORKING_HOURS): { deadline: Date; fallbackYears: number[] } {
  const start = from.getTime();
  if (limit.kind === 'duration') return { deadline: new Date(start + limit.ms), fallbackYears: [] };
  const oracle = new DayOracle(calendar);
  const offset = hours.timeZoneOffsetMinutes * MINUTE;
  const periods = hours.periods.map((p) => ({ start: minutesOf(p.start) * MINUTE, end: minutesOf(p.end) * MINUTE }));
  const closing = Math.max(...periods.map((p) => p.end));
  const firstDay = Math.floor((start + offset) / DAY);
  const done = (at: number) => ({ deadline: new Date(at), fallbackYears: [...oracle.fallbackYears].sort() });

  if (limit.kind === 'workingDays') {
    let counted = 0;
    for (let day = firstDay + 1; day <= firstDay + MAX_DAYS; day += 1) {
      if (!oracle.isWorking(dayKey(day))) continue;
      counted += 1;
      if (counted === limit.days) return done(day * DAY + closing - offset);
    }
  } else {
    let remaining = limit.hours * HOUR;
    for (let day = firstDay; day <= firstDay + MAX_DAYS; day += 1) {
      if (!oracle.isWorking(dayKey(day))) continue;
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

/** The instant `ratio` of the way from `from` to `deadline` (warnings fire there). */
export function warningPoint(from: Date, deadline: Date, ratio: number): Date {
  return new Date(from.getTime() + Math.round((deadline.getTime() - from.getTime()) * ratio));
}
