import { describe, expect, it } from 'vitest';
import {
  appealRefusal,
  countStrike,
  decisionRefusal,
  lapsedStrikes,
  nextAppealClose,
  nextPeriod,
  periodOf,
  previousPeriod,
  pruneState,
  receiveStrike,
  sanctionActionRefusal,
  sanctionFor,
  sanctionOnEffect,
  strikeWindow,
  type AccountabilityState,
  type Strike,
  type StrikeRecord,
} from '../../domain/accountability.js';
import { caseOutcomes } from '../../domain/outcomes.js';
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
    expect(nextPeriod('2026-12')).toBe('2027-01');
    expect(nextPeriod('2026-09')).toBe('2026-10');
  });
});

describe('fair strikes', () => {
  const ranking = (period: string, over: Partial<Strike> = {}): Strike => ({ id: `ranking:${period}:u`, unitId: 'u', source: 'ranking', period, at: `${period}-01T00:00:00+08:00`, reasons: ['bottom'], ...over });
  /** Receives a strike and opens its window, as the unit's workflow does. */
  const receive = (state: AccountabilityState, strike: Strike, appealUntil: string): StrikeRecord => {
    const received = receiveStrike(state, strike);
    if (!('record' in received)) throw new Error(received.ignored);
    state.strikes.push({ ...received.record, appealUntil });
    return state.strikes.at(-1)!;
  };
  const effect = (state: AccountabilityState, strike: StrikeRecord, at: string) => {
    const sanction = sanctionOnEffect(state, strike, at);
    Object.assign(strike, { status: 'effective', sanctionId: sanction.id });
    state.sanctions.push(sanction);
    return sanction;
  };

  it('gives no strike for cases overdue at the top by themselves, and at most one per unit and period', () => {
    const state: AccountabilityState = { unitId: 'u', strikes: [], sanctions: [] };
    const overdue = (n: number): Strike => ({ id: `overdue-at-top:complaint-${n}:u`, unitId: 'u', source: 'overdue-at-top', caseNo: `${n}`, at: '2026-03-10T02:00:00Z' });
    for (const n of [1, 2, 3]) expect(receiveStrike(state, overdue(n))).toEqual({ ignored: expect.stringMatching(/evaluation/) });
    const first = receive(state, ranking('2026-03'), '2026-04-08T10:00:00Z');
    expect(first).toMatchObject({ status: 'pending', window: 2026, number: 1 });
    expect(receiveStrike(state, ranking('2026-03'))).toEqual({ ignored: 'already received' });
    expect(receiveStrike(state, ranking('2026-03', { id: 'other' }))).toEqual({ ignored: 'the unit already has a strike for 2026-03' });
    // A strike under the old rules (counted at once, no period) still holds its month.
    const legacy: AccountabilityState = { unitId: 'u', strikes: [{ ...overdue(9), window: 2026, number: 1 }], sanctions: [] };
    expect(receiveStrike(legacy, ranking('2026-03'))).toEqual({ ignored: 'the unit already has a strike for 2026-03' });
    expect(receiveStrike(legacy, ranking('2026-04'))).toMatchObject({ record: { number: 2 } });
  });

  it('lets the unit appeal only while the window is open, and a supervisor decide only an appealed strike', () => {
    const state: AccountabilityState = { unitId: 'u', strikes: [], sanctions: [] };
    const received = receiveStrike(state, ranking('2026-03'));
    if (!('record' in received)) throw new Error('not received');
    state.strikes.push(received.record);
    expect(appealRefusal(state, received.record.id, '2026-04-01T00:00:00Z')).toMatch(/being opened/);
    const strike = state.strikes[0]!;
    strike.appealUntil = '2026-04-08T10:00:00Z';
    expect(appealRefusal(state, 'nope', '2026-04-01T00:00:00Z')).toBe('No strike nope');
    expect(decisionRefusal(state, strike.id)).toBe('The strike has not been appealed');
    expect(appealRefusal(state, strike.id, '2026-04-08T09:59:59Z')).toBeNull();
    expect(appealRefusal(state, strike.id, '2026-04-08T10:00:00Z')).toBe('The appeal window closed at 2026-04-08T10:00:00Z');
    strike.status = 'appealed';
    expect(appealRefusal(state, strike.id, '2026-04-02T00:00:00Z')).toMatch(/already appealed/);
    expect(decisionRefusal(state, strike.id)).toBeNull();
    Object.assign(strike, { status: 'voided', decision: { upheld: true, note: 'Data error', at: '2026-04-03T00:00:00Z', by: 's' } });
    expect(decisionRefusal(state, strike.id)).toBe('The appeal is already decided');
    expect(appealRefusal(state, strike.id, '2026-04-04T00:00:00Z')).toBe('The strike is void');
  });

  it('applies the sanctions in the order strikes take effect: a voided strike moves nobody up the ladder', () => {
    const state: AccountabilityState = { unitId: 'u', strikes: [], sanctions: [] };
    const march = receive(state, ranking('2026-03'), '2026-04-08T10:00:00Z');
    const april = receive(state, ranking('2026-04'), '2026-05-09T10:00:00Z');
    const may = receive(state, ranking('2026-05'), '2026-06-05T10:00:00Z');
    expect([march, april, may].map((s) => s.number)).toEqual([1, 2, 3]);
    expect(nextAppealClose(state)).toBe(Date.parse('2026-04-08T10:00:00Z'));
    expect(lapsedStrikes(state, '2026-04-08T09:00:00Z')).toEqual([]);
    expect(lapsedStrikes(state, '2026-05-10T00:00:00Z').map((s) => s.id)).toEqual([march.id, april.id]);
    march.status = 'appealed';
    Object.assign(april, { status: 'voided' });
    expect(lapsedStrikes(state, '2026-07-01T00:00:00Z').map((s) => s.id)).toEqual([may.id]);
    expect(effect(state, may, '2026-06-05T10:00:00Z')).toMatchObject({ id: 'u:2026:1', kind: 'notice', number: 1, strikeId: may.id });
    // March's appeal is rejected later: its sanction is the next rung, an interview a week after it takes effect.
    expect(effect(state, march, '2026-06-20T00:00:00Z')).toMatchObject({ id: 'u:2026:2', kind: 'interview', scheduledFor: '2026-06-27T00:00:00.000Z' });
    expect(nextAppealClose(state)).toBeNull();
  });

  it('keeps undecided strikes of old windows over continue-as-new', () => {
    const state: AccountabilityState = { unitId: 'u', strikes: [], sanctions: [] };
    receive(state, ranking('2025-12'), '2026-01-08T10:00:00Z').status = 'appealed';
    receive(state, ranking('2025-11'), '2025-12-08T10:00:00Z').status = 'voided';
    expect(pruneState(state, 2026).strikes.map((s) => s.period)).toEqual(['2025-12']);
  });
});
