import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { calendarYearsCovered, loadChineseCalendar } from '../../db/calendar-source.js';
import { computeDeadline, DEFAULT_WORKING_HOURS, formatLimit, isWorkingDay, limitFits, parseLimit, warningPoint, type CalendarData, type WorkingHours } from '../../domain/calendar.js';

const calendar = loadChineseCalendar();
const at = (iso: string) => new Date(iso);
const deadline = (from: string, limit: string, data: CalendarData = calendar, hours?: WorkingHours) =>
  computeDeadline(at(from), parseLimit(limit), data, hours).deadline.toISOString();
const root = fileURLToPath(new URL('../../', import.meta.url));

describe('limits', () => {
  it('parses ISO 8601 durations and working-time expressions', () => {
    expect(parseLimit('PT30M')).toEqual({ kind: 'duration', ms: 30 * 60_000, text: 'PT30M' });
    expect(parseLimit('PT24H')).toMatchObject({ kind: 'duration', ms: 24 * 3_600_000 });
    expect(parseLimit('P3D')).toMatchObject({ kind: 'duration', ms: 3 * 86_400_000 });
    expect(parseLimit('P1W')).toMatchObject({ kind: 'duration', ms: 7 * 86_400_000 });
    expect(parseLimit('P1DT12H')).toMatchObject({ kind: 'duration', ms: 36 * 3_600_000 });
    expect(parseLimit('PT1H30M15S')).toMatchObject({ kind: 'duration', ms: 5_415_000 });
    expect(parseLimit('PT0.5H')).toMatchObject({ kind: 'duration', ms: 30 * 60_000 });
    expect(parseLimit(' pt30m ')).toEqual({ kind: 'duration', ms: 30 * 60_000, text: 'PT30M' });
    expect(parseLimit('5 working days')).toMatchObject({ kind: 'workingDays', days: 5 });
    expect(parseLimit('1 Working Day')).toMatchObject({ kind: 'workingDays', days: 1 });
    expect(parseLimit('7 WORKING DAYS')).toMatchObject({ kind: 'workingDays', days: 7 });
    expect(parseLimit('2 working hours')).toMatchObject({ kind: 'workingHours', hours: 2 });
    expect(parseLimit('1 working hour')).toMatchObject({ kind: 'workingHours', hours: 1 });
    expect(parseLimit('0.5 working hours')).toMatchObject({ kind: 'workingHours', hours: 0.5 });
  });

  it('rejects what is not a limit, saying what is accepted', () => {
    const rejected = ['', ' ', 'P', 'PT', 'P1DT', 'PT0S', 'P0D', '5 days', '5 hours', '1.5 working days', '0 working days', '0 working hours', '-2 working hours', 'two working days', '5 working weeks', 'soon', 'P1Y', 'P1M', 'P1.5DT2H', '30M', 'PT30'];
    for (const text of rejected) {
      expect(() => parseLimit(text), text).toThrow(/not a time limit.*ISO 8601 duration.*working days.*working hours/);
    }
    expect(() => parseLimit('1.5 working days')).toThrow(/whole days/);
    expect(() => parseLimit('0 working hours')).toThrow(/positive/);
  });

  it('round-trips through formatLimit', () => {
    for (const text of ['PT30M', 'PT24H', 'P3D', 'P1W', 'P1DT12H', '5 working days', '1 working day', '2 working hours', '1 working hour', '0.5 working hours']) {
      const limit = parseLimit(text);
      expect(formatLimit(limit)).toBe(text);
      expect(parseLimit(formatLimit(limit))).toEqual(limit);
    }
    expect(formatLimit(parseLimit('1 working days'))).toBe('1 working day');
  });

  it('compares extensions with the limit they extend', () => {
    expect(limitFits('5 working days', '5 working days', 1)).toBe(true);
    expect(limitFits('6 working days', '5 working days', 1)).toBe(false);
    expect(limitFits('PT12H', 'PT24H', 0.5)).toBe(true);
    expect(limitFits('not a limit', 'PT24H', 1)).toBe(false);
  });
});

describe('the mainland China working-day calendar', () => {
  it('comes from chinese-days and covers the recent years', () => {
    const years = calendarYearsCovered(calendar);
    expect(years[0]).toBeLessThanOrEqual(2020);
    expect(years).toContain(2025);
    expect(years).toContain(2026);
    expect(years).toEqual([...years].sort((a, b) => a - b));
    for (const year of years) {
      const data = calendar.years[String(year)]!;
      expect([...data.holidays, ...data.workdays].every((d) => d.startsWith(`${year}-`))).toBe(true);
    }
  });

  it('matches the official 2025 National Day notice: 1–8 October off, Sunday 28 September and Saturday 11 October worked', () => {
    for (let day = 1; day <= 8; day += 1) {
      expect(isWorkingDay(`2025-10-0${day}`, calendar), `2025-10-0${day}`).toBe(false);
    }
    expect(isWorkingDay('2025-09-28', calendar)).toBe(true);
    expect(isWorkingDay('2025-10-11', calendar)).toBe(true);
    expect(isWorkingDay('2025-09-30', calendar)).toBe(true); // the last working day before the holiday
    expect(isWorkingDay('2025-10-09', calendar)).toBe(true);
    expect(isWorkingDay('2025-10-12', calendar)).toBe(false); // an ordinary Sunday
    expect(isWorkingDay('2025-10-18', calendar)).toBe(false); // an ordinary Saturday
  });

  it('refuses dates that are not YYYY-MM-DD calendar dates', () => {
    for (const text of ['2025-02-30', '2025-13-01', '2025-1-01', '20250101', 'today']) {
      expect(() => isWorkingDay(text, calendar), text).toThrow(/YYYY-MM-DD/);
    }
  });

  it('puts the resolve deadline of a case filed on the last working day before National Day after the holiday, counting the make-up Saturday', () => {
    // Tuesday 2025-09-30 10:00 in Beijing; 5 working days: Oct 9, 10, 11 (make-up Saturday), 13, 14.
    expect(deadline('2025-09-30T02:00:00Z', '5 working days')).toBe('2025-10-14T09:30:00.000Z');
    // Without the make-up Saturday it would be a day later: the make-up day is what makes the difference.
    const withoutMakeUp: CalendarData = { years: { ...calendar.years, '2025': { ...calendar.years['2025']!, workdays: [] } } };
    expect(deadline('2025-09-30T02:00:00Z', '5 working days', withoutMakeUp)).toBe('2025-10-15T09:30:00.000Z');
  });

  it('counts working hours on a make-up working day', () => {
    // Saturday 2025-10-11 10:00 Beijing is a working day: 2 working hours end at 12:00 the same day.
    expect(deadline('2025-10-11T02:00:00Z', '2 working hours')).toBe('2025-10-11T04:00:00.000Z');
    // Sunday 2025-09-28 17:00 Beijing (make-up day) + 1 working hour: 17:00–17:30, then Monday 09:00–09:30.
    expect(deadline('2025-09-28T09:00:00Z', '1 working hour')).toBe('2025-09-29T01:30:00.000Z');
    // The last working day before the holiday, 16:30 + 2 working hours: 16:30–17:30, then 9 October 09:00–10:00.
    expect(deadline('2025-09-30T08:30:00Z', '2 working hours')).toBe('2025-10-09T02:00:00.000Z');
  });

  it('counts working hours inside office hours only: across lunch, across the night, across a weekend', () => {
    // Monday 2026-03-02 11:00 Beijing + 2 working hours = 12:00, then 13:30–14:30.
    expect(deadline('2026-03-02T03:00:00Z', '2 working hours')).toBe('2026-03-02T06:30:00.000Z');
    // Starting in the lunch break: counting starts at 13:30.
    expect(deadline('2026-03-02T04:30:00Z', '2 working hours')).toBe('2026-03-02T07:30:00.000Z');
    // Ending exactly at noon: the deadline is 12:00, not 13:30.
    expect(deadline('2026-03-02T03:00:00Z', '1 working hour')).toBe('2026-03-02T04:00:00.000Z');
    // Monday 16:30 + 2 working hours: 16:30–17:30, then Tuesday 09:00–10:00.
    expect(deadline('2026-03-02T08:30:00Z', '2 working hours')).toBe('2026-03-03T02:00:00.000Z');
    // Before opening: Monday 07:00 + 2 working hours = 09:00–11:00.
    expect(deadline('2026-03-01T23:00:00Z', '2 working hours')).toBe('2026-03-02T03:00:00.000Z');
    // Friday 2026-03-06 17:00 + 1 working hour: 17:00–17:30, then Monday 09:00–09:30.
    expect(deadline('2026-03-06T09:00:00Z', '1 working hour')).toBe('2026-03-09T01:30:00.000Z');
    // Saturday: counting starts at Monday's opening.
    expect(deadline('2026-03-07T02:00:00Z', '0.5 working hours')).toBe('2026-03-09T01:30:00.000Z');
    // A whole working day is 7 working hours: Monday 09:00 + 7 h = Monday 17:30.
    expect(deadline('2026-03-02T01:00:00Z', '7 working hours')).toBe('2026-03-02T09:30:00.000Z');
  });

  it('counts working days from the next day, across a weekend', () => {
    // Monday 2026-03-02 10:00 + 1 working day = Tuesday 17:30 Beijing.
    expect(deadline('2026-03-02T02:00:00Z', '1 working day')).toBe('2026-03-03T09:30:00.000Z');
    // Thursday 2026-03-05 + 3 working days: Friday, Monday, Tuesday.
    expect(deadline('2026-03-05T02:00:00Z', '3 working days')).toBe('2026-03-10T09:30:00.000Z');
    // Friday 2026-03-06 (any time) + 1 working day = Monday 17:30 Beijing.
    expect(deadline('2026-03-06T15:59:00Z', '1 working day')).toBe('2026-03-09T09:30:00.000Z');
    // 23:30 Beijing on Friday is still Friday locally (15:30 UTC).
    expect(deadline('2026-03-06T15:30:00Z', '1 working day')).toBe('2026-03-09T09:30:00.000Z');
    // 00:30 Beijing on Saturday (16:30 UTC Friday) is Saturday locally.
    expect(deadline('2026-03-06T16:30:00Z', '1 working day')).toBe('2026-03-09T09:30:00.000Z');
    // 23:30 Beijing on Thursday (15:30 UTC) is Thursday locally: Friday is the first working day.
    expect(deadline('2026-03-05T15:30:00Z', '1 working day')).toBe('2026-03-06T09:30:00.000Z');
  });

  it('adds wall-clock time for ISO durations, holidays or not', () => {
    expect(deadline('2025-10-01T00:00:00Z', 'PT24H')).toBe('2025-10-02T00:00:00.000Z');
    expect(deadline('2025-09-30T02:00:00Z', 'PT30M')).toBe('2025-09-30T02:30:00.000Z');
    expect(deadline('2025-09-30T02:00:00Z', 'P3D')).toBe('2025-10-03T02:00:00.000Z');
    expect(deadline('2025-09-30T02:00:00Z', 'P1DT12H')).toBe('2025-10-01T14:00:00.000Z');
    expect(computeDeadline(at('2099-01-01T00:00:00Z'), parseLimit('P1W'), calendar).fallbackYears).toEqual([]);
  });

  it('falls back to Monday–Friday for a year without data, and says which', () => {
    const result = computeDeadline(at('2099-01-02T02:00:00Z'), parseLimit('1 working day'), calendar);
    expect(result.fallbackYears).toEqual([2099]);
    expect(result.deadline.toISOString()).toBe('2099-01-05T09:30:00.000Z'); // Friday → Monday
    expect(computeDeadline(at('2099-01-02T08:00:00Z'), parseLimit('2 working hours'), calendar)).toEqual({
      deadline: at('2099-01-05T01:30:00Z'), // Friday 16:00–17:30, then Monday 09:00–09:30
      fallbackYears: [2099],
    });
    expect(computeDeadline(at('2025-03-03T02:00:00Z'), parseLimit('1 working day'), calendar).fallbackYears).toEqual([]);
    expect(isWorkingDay('2099-01-03', calendar)).toBe(false); // a Saturday
    expect(isWorkingDay('2099-01-01', calendar)).toBe(true); // New Year's Day, unknown without data
  });

  it('reports only the missing years a computation touches, across a year boundary', () => {
    const only2025: CalendarData = { years: { '2025': calendar.years['2025']! } };
    // Tuesday 2025-12-30 + 3 working days: Wednesday 31 December (2025 data), then 2026 counted Monday–Friday
    // (so New Year's Day counts, although it is a holiday), Thursday 1 and Friday 2 January.
    const result = computeDeadline(at('2025-12-30T02:00:00Z'), parseLimit('3 working days'), only2025);
    expect(result).toEqual({ deadline: at('2026-01-02T09:30:00Z'), fallbackYears: [2026] });
    // With the real 2026 data, 1–3 January are off and Sunday 4 January is a make-up working day:
    // 31 December, 4 and 5 January.
    expect(deadline('2025-12-30T02:00:00Z', '3 working days')).toBe('2026-01-05T09:30:00.000Z');
    expect(computeDeadline(at('2025-12-29T02:00:00Z'), parseLimit('1 working day'), only2025).fallbackYears).toEqual([]);
  });

  it('places warnings on the way to the deadline, in whole milliseconds', () => {
    expect(warningPoint(at('2026-01-01T00:00:00Z'), at('2026-01-01T04:00:00Z'), 0.75).toISOString()).toBe('2026-01-01T03:00:00.000Z');
    expect(warningPoint(at('2026-01-01T00:00:00.000Z'), at('2026-01-01T00:00:00.010Z'), 1 / 3).getTime()).toBe(at('2026-01-01T00:00:00.003Z').getTime());
    expect(warningPoint(at('2026-01-01T00:00:00Z'), at('2026-01-01T04:00:00Z'), 0).toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });
});

describe('time zones', () => {
  it('counts in the working hours’ own offset, so the same local times give the same local deadlines under any offset', () => {
    const utc: WorkingHours = { ...DEFAULT_WORKING_HOURS, timeZoneOffsetMinutes: 0 };
    const eightHours = 8 * 3_600_000;
    const cases: Array<[string, string]> = [
      ['2026-03-02T03:00:00Z', '2 working hours'],
      ['2026-03-06T09:00:00Z', '1 working hour'],
      ['2026-03-06T15:30:00Z', '1 working day'],
      ['2025-09-30T02:00:00Z', '5 working days'],
    ];
    for (const [from, limit] of cases) {
      const beijing = computeDeadline(at(from), parseLimit(limit), calendar).deadline.getTime();
      // The same local wall time at UTC+0 is 8 hours later in absolute time; so is the deadline.
      const shifted = computeDeadline(new Date(at(from).getTime() + eightHours), parseLimit(limit), calendar, utc).deadline.getTime();
      expect(shifted - beijing, `${from} + ${limit}`).toBe(eightHours);
    }
  });

  it('accepts other working hours, in any order, and refuses malformed ones', () => {
    const shift: WorkingHours = { timeZoneOffsetMinutes: 480, periods: [{ start: '14:00', end: '18:00' }, { start: '08:00', end: '12:00' }] };
    // Monday 11:00 + 2 working hours on 08:00–12:00 / 14:00–18:00 = 15:00.
    expect(deadline('2026-03-02T03:00:00Z', '2 working hours', calendar, shift)).toBe('2026-03-02T07:00:00.000Z');
    expect(deadline('2026-03-02T03:00:00Z', '1 working day', calendar, shift)).toBe('2026-03-03T10:00:00.000Z');
    const bad: Array<[WorkingHours, RegExp]> = [
      [{ timeZoneOffsetMinutes: 480, periods: [] }, /at least one period/],
      [{ timeZoneOffsetMinutes: 480, periods: [{ start: '9:00', end: '12:00' }] }, /HH:MM/],
      [{ timeZoneOffsetMinutes: 480, periods: [{ start: '12:00', end: '09:00' }] }, /end after it starts/],
      [{ timeZoneOffsetMinutes: 480, periods: [{ start: '09:00', end: '12:00' }, { start: '11:00', end: '13:00' }] }, /overlap/],
      [{ timeZoneOffsetMinutes: 1000, periods: [{ start: '09:00', end: '12:00' }] }, /offset/],
    ];
    for (const [hours, message] of bad) {
      expect(() => computeDeadline(at('2026-03-02T03:00:00Z'), parseLimit('1 working hour'), calendar, hours)).toThrow(message);
    }
    expect(() => computeDeadline(new Date(Number.NaN), parseLimit('1 working day'), calendar)).toThrow(/not a valid date/);
  });

  it('uses no local-time API in the calendar code', () => {
    const source = readFileSync(`${root}domain/calendar.ts`, 'utf8');
    const localTime = /\.(?:get|set)(?:FullYear|Month|Date|Day|Hours|Minutes|Seconds|Milliseconds)\(|getTimezoneOffset|toLocale|Date\.now|Date\.parse|new Date\(\)|Intl\./g;
    expect(source.match(localTime) ?? []).toEqual([]);
    // Only the explicit-UTC form of date-only strings appears (a bare "YYYY-MM-DDTHH:mm" would be local time).
    expect(source).not.toMatch(/new Date\(`[^`]*T[^`]*(?<!Z)`\)/);
  });

  it('gives the same deadlines whatever the process time zone is', () => {
    const cases: Array<[string, string]> = [
      ['2025-09-30T02:00:00Z', '5 working days'],
      ['2025-09-30T08:30:00Z', '2 working hours'],
      ['2026-03-06T15:30:00Z', '1 working day'],
      ['2026-03-06T16:30:00Z', '1 working day'],
      ['2026-03-07T02:00:00Z', '0.5 working hours'],
      ['2025-12-30T02:00:00Z', '3 working days'],
    ];
    const script = `
      import { computeDeadline, parseLimit } from './domain/calendar.js';
      import { loadChineseCalendar } from './db/calendar-source.js';
      const calendar = loadChineseCalendar();
      const cases = ${JSON.stringify(cases)};
      console.log(JSON.stringify({ offset: new Date('2025-07-01T00:00:00Z').getTimezoneOffset(), deadlines: cases.map(([from, limit]) => computeDeadline(new Date(from), parseLimit(limit), calendar).deadline.toISOString()) }));
    `;
    const run = (tz: string) =>
      JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, env: { ...process.env, TZ: tz }, encoding: 'utf8' })) as { offset: number; deadlines: string[] };
    const expected = cases.map(([from, limit]) => deadline(from, limit));
    const west = run('America/St_Johns');
    const east = run('Pacific/Chatham');
    expect(west.offset).not.toBe(east.offset); // the two runs really had different local time zones
    expect(west.deadlines).toEqual(expected);
    expect(east.deadlines).toEqual(expected);
  }, 30_000);
});
