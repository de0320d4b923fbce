import { describe, expect, it } from 'vitest';
import { countStrike, periodOf, previousPeriod, rankUnits, sanctionActionRefusal, sanctionFor, strikeWindow, type AccountabilityState } from '../../domain/accountability.js';
import { caseOutcomes, type UnitOutcome } from '../../domain/outcomes.js';
import type { TimelineEntry } from '../../domain/case.js';

const entry = (action: string, extra: Partial<TimelineEntry> = {}): TimelineEntry => ({ seq: 0, at: '2026-01-01T00:00:00Z', action, actor: { role: 'system', id: 'engine' }, ...extra });
const h = (unitId: string) => ({ role: 'handler' as const, id: 'h', unitId });

describe('the outcome ledger of a case', () => {
  it('credits each unit with what it did', () => {
    const rows = caseOutcomes([
      entry('received'),
      entry('routed', { toUnitId: 'comm' }),
      entry('deadline-missed', { toUnitId: 'comm' }),
      entry('escalated', { reason: 'timeout', fromUnitId: 'comm', toUnitId: 'street' }),
      entry('signed', { actor: h('street') }),
      entry('whistled', { actor: h('street') }),
      entry('escalated', { reason: 'whistle', fromUnitId: 'street', toUnitId: 'centre' }),
      entry('dispatched', { actor: { role: 'dispatcher', id: 'd', unitId: 'centre' }, toUnitId: 'dept-a', detail: { onTime: true, coDepartments: ['dept-b'] } }),
      entry('reported-in', { actor: h('dept-a'), detail: { late: false } }),
      entry('report-in-missed', { toUnitId: 'dept-b' }),
      entry('reported-in', { actor: h('dept-b'), detail: { late: true } }),
      entry('resolved', { actor: h('dept-a'), detail: { onTime: false } }),
      entry('evaluated', { detail: { rating: 'satisfied' } }),
      entry('closed'),
    ]);
    const by = (id: string) => rows.find((r) => r.unitId === id);
    expect(by('comm')).toMatchObject({ role: 'holder', responded: false, escalatedByTimeout: true, resolved: false });
    expect(by('street')).toMatchObject({ responded: true, respondedOnTime: true, escalatedByTimeout: false, resolved: false });
    expect(by('centre')).toMatchObject({ responded: true, respondedOnTime: true });
    expect(by('dept-a')).toMatchObject({ role: 'holder', reportedInOnTime: true, resolved: true, resolvedOnTime: false, rating: 'satisfied' });
    expect(by('dept-b')).toMatchObject({ role: 'co', reportedInOnTime: false, respondedOnTime: false, rating: null });
  });
});

describe('ranking', () => {
  const outcome = (unitId: string, over: Partial<UnitOutcome> = {}): UnitOutcome => ({
    unitId,
    role: 'holder',
    responded: true,
    respondedOnTime: true,
    resolved: true,
    resolvedOnTime: true,
    escalatedByTimeout: false,
    returned: false,
    reportedInOnTime: null,
    whistled: false,
    shirked: false,
    overdueAtTop: false,
    partDone: null,
    cooperation: null,
    partResolved: null,
    rating: 'satisfied',
    ...over,
  });
  const policy = { version: 1, weights: { response: 0.3, resolution: 0.35, satisfaction: 0.35 }, minCases: 2, bottomPerLevel: 1 };
  const units = [
    { id: 'a', level: 'community' },
    { id: 'b', level: 'community' },
    { id: 'c', level: 'community' },
    { id: 'solo', level: 'street' },
  ];

  it('weights the rates, re-weights when a unit has no evaluations, and strikes only below more than one ranked unit', () => {
    const result = rankUnits(
      [
        outcome('a'),
        outcome('a'),
        outcome('b', { respondedOnTime: false }),
        outcome('b', { rating: null }),
        outcome('c'),
        outcome('solo', { rating: null }),
        outcome('solo', { rating: null, resolvedOnTime: false }),
      ],
      units,
      policy,
    );
    const by = (id: string) => result.find((p) => p.unitId === id)!;
    expect(by('a')).toMatchObject({ score: 1, rank: 1, bottom: false });
    // b: response 0.5, resolution 1, satisfaction 1 (one evaluated) → 0.15 + 0.35 + 0.35
    expect(by('b')).toMatchObject({ responseRate: 0.5, satisfactionRate: 1, score: 0.85, rank: 2, bottom: true });
    expect(by('c')).toMatchObject({ ranked: false, rank: null });
    // No evaluations: (0.3 × 1 + 0.35 × 0.5) / 0.65
    expect(by('solo')).toMatchObject({ satisfactionRate: null, score: 0.730769, rank: 1, bottom: false });
  });
});

describe('the ladder', () => {
  it('is one notice, two interviews, three freezes', () => {
    expect([1, 2, 3, 4, 7].map(sanctionFor)).toEqual(['notice', 'interview', 'freeze', 'freeze', 'freeze']);
  });

  it('counts a strike once, per calendar year in China Standard Time', () => {
    const state: AccountabilityState = { unitId: 'u', strikes: [], sanctions: [] };
    const first = countStrike(state, { id: 's1', unitId: 'u', source: 'ranking', at: '2026-12-31T16:30:00Z' })!;
    expect(first.strike.window).toBe(2027);
    state.strikes.push(first.strike);
    state.sanctions.push(first.sanction);
    expect(countStrike(state, { id: 's1', unitId: 'u', source: 'ranking', at: '2026-12-31T16:30:00Z' })).toBeNull();
    expect(strikeWindow('2026-12-31T15:59:59Z')).toBe(2026);
  });

  it('refuses to lift a freeze while its investigation is open', () => {
    const state: AccountabilityState = { unitId: 'u', strikes: [], sanctions: [] };
    for (const n of [1, 2, 3]) {
      const counted = countStrike(state, { id: `s${n}`, unitId: 'u', source: 'ranking', at: `2026-0${n}-02T00:00:00Z` })!;
      state.strikes.push(counted.strike);
      state.sanctions.push(counted.sanction);
    }
    expect(sanctionActionRefusal(state, 'liftFreeze', 'u:2026:3')).toMatch(/investigation is open/);
    expect(sanctionActionRefusal(state, 'interviewHeld', 'u:2026:1')).toMatch(/not an interview/);
    state.sanctions[2]!.investigation!.status = 'closed';
    expect(sanctionActionRefusal(state, 'liftFreeze', 'u:2026:3')).toBeNull();
  });

  it('names periods by the month in China Standard Time', () => {
    expect(periodOf('2026-10-31T16:00:00Z')).toBe('2026-11');
    expect(previousPeriod('2026-01')).toBe('2025-12');
  });
});
