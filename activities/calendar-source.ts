import { createRequire } from 'node:module';
import type { CalendarData } from '../domain/calendar.js';

const require = createRequire(import.meta.url);

interface ChineseDaysData {
  /** Days off, keyed by date. */
  holidays: Record<string, string>;
  /** Make-up working days on weekends, keyed by date. */
  workdays: Record<string, string>;
}

/**
 * The mainland China calendar from the maintained `chinese-days` package: official holidays and
 * make-up working days, per year it covers. This seeds the database; admins extend it from there.
 */
export function loadChineseCalendar(): CalendarData {
  const data = require('chinese-days/dist/chinese-days.json') as ChineseDaysData;
  const years: CalendarData['years'] = {};
  const bucket = (date: string) => (years[date.slice(0, 4)] ??= { holidays: [], workdays: [] });
  for (const date of Object.keys(data.holidays).sort()) bucket(date).holidays.push(date);
  for (const date of Object.keys(data.workdays).sort()) bucket(date).workdays.push(date);
  return { years };
}

/** The years a calendar has data for, ascending. */
export function calendarYearsCovered(data: CalendarData): number[] {
  return Object.keys(data.years).map(Number).sort((a, b) => a - b);
}
