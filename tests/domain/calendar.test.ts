import { describe, expect, it } from 'vitest';
import { calendarYearsCovered, loadChineseCalendar } from '../../activities/calendar-source.js';
import { computeDeadline, formatLimit, isWorkingDay, limitFits, parseLimit, warningPoint } from '../../domain/calendar.js';

const calendar = loadChineseCalendar();
const at = (iso: string) => new Date(iso);
const deadline = (from: string, limit: string) => computeDeadline(at(from), parseLimit(limit), calendar).deadline.toISOString();

describe('limits', () => {
  it('parses ISO 8601 durations and working-time expressions', () => {
    expect(parseLimit('PT30M')).toEqual({ kind: 'duration', ms: 30 * 60_000, text: 'PT30M' });
    expect(parseLimit('P3D')).toMatchObject({ kind: 'duration', ms: 3 * 86_400_000 });
    expect(parseLimit('P1DT12H')).toMatchObject({ kind: 'duration', ms: 36 * 3_600_000 });
    expect(parseLimit('5 working days')).toMatchObject({ kind: 'workingDays', days: 5 });
    expect(parseLimit('1 Working Day')).toMatchObject({ kind: 'workingDays', days: 1 });
    expect(parseLimit('2 working hours')).toMatchObject({ kind: 'workingHours', hours: 2 });
    expect(parseLimit('0.5 working hours')).toMatchObject({ kind: 'workingHours', hours: 0.5 });
  });

  it('rejects what is not a limit, saying what is accepted', () => {
    for (const text of ['', 'P', 'PT', 'PT0S', '5 days', '1.5 working days', '-2 working hours', 'soon', 'P1Y']) {
      expect(() => parseLimit(text), text).toThrow(/ISO 8601|positive|whole days/);
    }
  });

  it('round-trips through formatLimit', () => {
    for (const text of ['PT30M', '5 working days', '1 working day', '2 working hours']) {
      expect(formatLimit(parseLimit(text))).toBe(text);
    }
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
  });

  it('knows holidays and make-up working days', () => {
    expect(isWorkingDay('2025-10-01', calendar)).toBe(false); // National Day
    expect(isWorkingDay('2025-10-08', calendar)).toBe(false); // still the holiday
    expect(isWorkingDay('2025-09-28', calendar)).toBe(true); // a Sunday made a working day
    expect(isWorkingDay('2025-10-11', calendar)).toBe(true); // a Saturday made a working day
    expect(isWorkingDay('2025-10-12', calendar)).toBe(false); // an ordinary Sunday
  });

  it('puts the resolve deadline of a case filed on the last working day before National Day after the holiday, counting the make-up Saturday', () => {
    // Tuesday 2025-09-30 10:00 in Beijing; 5 working days: Oct 9, 10, 11 (make-up Saturday), 13, 14.
    expect(deadline('2025-09-30T02:00:00Z', '5 working days')).toBe('2025-10-14T09:30:00.000Z');
  });

  it('counts working hours inside office hours only: across lunch, across the night, across a weekend', () => {
    // Monday 2026-03-02 11:00 Beijing + 2 working hours = 12:00, then 13:30–14:30.
    expect(deadline('2026-03-02T03:00:00Z', '2 working hours')).toBe('2026-03-02T06:30:00.000Z');
    // Monday 16:30 + 2 working hours: 16:30–17:30, then Tuesday 09:00–10:00.
    expect(deadline('2026-03-02T08:30:00Z', '2 working hours')).toBe('2026-03-03T02:00:00.000Z');
    // Friday 2026-03-06 17:00 + 1 working hour: 17:00–17:30, then Monday 09:00–09:30.
    expect(deadline('2026-03-06T09:00:00Z', '1 working hour')).toBe('2026-03-09T01:30:00.000Z');
    // Saturday: counting starts at Monday's opening.
    expect(deadline('2026-03-07T02:00:00Z', '0.5 working hours')).toBe('2026-03-09T01:30:00.000Z');
  });

  it('counts working days from the next day, across a weekend', () => {
    // Friday 2026-03-06 (any time) + 1 working day = Monday 17:30 Beijing.
    expect(deadline('2026-03-06T15:59:00Z', '1 working day')).toBe('2026-03-09T09:30:00.000Z');
    // 23:30 Beijing on Friday is still Friday locally (15:30 UTC).
    expect(deadline('2026-03-06T15:30:00Z', '1 working day')).toBe('2026-03-09T09:30:00.000Z');
    // 00:30 Beijing on Saturday (16:30 UTC Friday) is Saturday locally.
    expect(deadline('2026-03-06T16:30:00Z', '1 working day')).toBe('2026-03-09T09:30:00.000Z');
  });

  it('adds wall-clock time for ISO durations, holidays or not', () => {
    expect(deadline('2025-10-01T00:00:00Z', 'PT24H')).toBe('2025-10-02T00:00:00.000Z');
  });

  it('falls back to Monday–Friday for a year without data, and says which', () => {
    const result = computeDeadline(at('2099-01-02T02:00:00Z'), parseLimit('1 working day'), calendar);
    expect(result.fallbackYears).toEqual([2099]);
    expect(result.deadline.toISOString()).toBe('2099-01-05T09:30:00.000Z'); // Friday → Monday
    expect(computeDeadline(at('2025-03-03T02:00:00Z'), parseLimit('1 working day'), calendar).fallbackYears).toEqual([]);
  });

  it('places warnings on the way to the deadline', () => {
    expect(warningPoint(at('2026-01-01T00:00:00Z'), at('2026-01-01T04:00:00Z'), 0.75).toISOString()).toBe('2026-01-01T03:00:00.000Z');
  });
});
