import { createRequire } from 'node:module';
import type { CalendarData } from '../domain/calendar.js';

const require = createRequire(import.meta.url);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The dates of one map of the package's documented JSON (dist/chinese-days.json): `holidays`,
 * `workdays` and `inLieuDays`, each keyed by YYYY-MM-DD and valued by "English name,Chinese name,days".
 * `holidays` are the official days off (weekend days inside a holiday included), `workdays` the weekend
 * days made working days (make-up days); `inLieuDays` (weekdays given off in exchange) are already holidays.
 */
function datesOf(data: unknown, field: 'holidays' | 'workdays'): string[] {
  const map = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[field] : undefined;
  if (typeof map !== 'object' || map === null) throw new Error(`chinese-days: the data has no "${field}" map; has the package's format changed?`);
  const dates = Object.keys(map).sort();
  const bad = dates.find((date) => !DATE.test(date));
  if (bad !== undefined) throw new Error(`chinese-days: "${bad}" in "${field}" is not a YYYY-MM-DD date; has the package's format changed?`);
  return dates;
}

/**
 * The mainland China calendar from the maintained `chinese-days` package: official holidays and
 * make-up working days, for every year the package covers. This seeds the database; admins extend it
 * from there. Throws if the package's data is not in the expected shape.
 */
export function loadChineseCalendar(): CalendarData {
  const data: unknown = require('chinese-days/dist/chinese-days.json');
  const holidays = datesOf(data, 'holidays');
  const workdays = datesOf(data, 'workdays');
  const off = new Set(holidays);
  const clash = workdays.find((date) => off.has(date));
  if (clash !== undefined) throw new Error(`chinese-days: ${clash} is both a holiday and a make-up working day`);
  const years: CalendarData['years'] = {};
  const bucket = (date: string) => (years[date.slice(0, 4)] ??= { holidays: [], workdays: [] });
  for (const date of holidays) bucket(date).holidays.push(date);
  for (const date of workdays) bucket(date).workdays.push(date);
  return { years };
}

/** The years a calendar has data for, ascending. */
export function calendarYearsCovered(data: CalendarData): number[] {
  return Object.keys(data.years)
    .map(Number)
    .sort((a, b) => a - b);
}
