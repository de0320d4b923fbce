import { describe, expect, it } from 'vitest';
import { loadChineseCalendar } from '../../db/calendar-source.js';
import { shippedProcess } from '../../processes/shipped.js';
import { withLimits } from '../helpers/limits.js';
import { validateDefinition } from '../../domain/process/validate.js';
import { DEFAULT_WHISTLE_TIERS } from '../../domain/process/definition.js';
import {
  centre,
  chain,
  community,
  dispatcher,
  EngineHarness,
  env,
  evaluator,
  handler,
  market,
  otherCommunity,
  ownerRoute,
  street,
  supervisor,
  urban,
  ENGINE_LIMITS,
} from '../helpers/engine-harness.js';

const MIN = 60_000;
const shipped = await shippedProcess();
const definition = withLimits(shipped, ENGINE_LIMITS);
const calendar = loadChineseCalendar();
const START = '2026-03-02T02:00:00.000Z';
const harness = (route = ownerRoute('community')) => new EngineHarness(definition, calendar, route, START).start();

describe('the default process definition', () => {
  it('is valid as shipped, with the limits of DESIGN.md §3', () => {
    expect(validateDefinition(shipped)).toEqual([]);
    expect(validateDefinition(definition)).toEqual([]);
    const limit = (id: string) => (shipped.nodes[id] as { limit: unknown }).limit;
    expect(limit('community-sign')).toEqual({ normal: '2 working hours', urgent: 'PT30M' });
    expect(limit('street-handle')).toEqual({ normal: '5 working days', urgent: 'PT24H' });
    expect(limit('district-handle')).toEqual({ normal: '7 working days', urgent: 'PT24H' });
    expect((shipped.nodes['district-handle'] as { reportInLimit: unknown }).reportInLimit).toEqual({ normal: '1 working day', urgent: 'PT1H' });
    expect(limit('evaluate')).toEqual({ normal: 'P3D', urgent: 'P3D' });
    expect(shipped.settings).toEqual({ returnLimit: 2, reopenLimit: 1, extension: { max: 1, maxRatio: 1 }, caseLimits: { maxComments: 200, maxUrges: 50, routeRetry: 'PT10M', followUpsToUrgent: 3 }, whistleTiers: DEFAULT_WHISTLE_TIERS, caseTypes: expect.any(Array) as unknown });
    expect(shipped.settings.caseTypes?.filter((t) => t.closesAtIntake || t.confidential)).toEqual([
      { id: 'consultation', name: 'Consultation', closesAtIntake: true, confidential: false },
      { id: 'report', name: 'Report', confidential: true, closesAtIntake: false },
    ]);
  });
});

describe('case types on the default process', () => {
  const typed = (...args: Parameters<EngineHarness['start']>) => new EngineHarness(definition, calendar, ownerRoute('community'), START).start(...args);
  it('closes a consultation answered at intake without routing, and routes it once the citizen is unsatisfied', () => {
    const h = typed({ type: 'consultation', answer: 'Office hours are 9 to 5' });
    expect(h.status).toBe('awaiting-evaluation');
    expect(h.engine.snapshot()).toMatchObject({ unitId: null, resolvedAt: START, caseType: 'consultation' });
    h.act({ type: 'evaluate', rating: 'unsatisfied' }, evaluator);
    expect(h.engine.snapshot()).toMatchObject({ status: 'awaiting-sign', unitId: community.id });
  });

  it('skips the evaluation of a grid-found case and of an anonymous one', () => {
    for (const overrides of [{ origin: 'grid' as const, citizen: {} }, { privacy: 'anonymous' as const, citizen: {} }]) {
      const h = typed(overrides);
      h.act({ type: 'signFor' }, handler(community)).act({ type: 'resolve', reply: 'Done' }, handler(community));
      expect(h.status).toBe('closed');
      expect(h.engine.snapshot().rating).toBeNull();
    }
  });

  it('keeps a report confidential whatever the intake asked, and replays old cases as open complaints', () => {
    expect(typed({ type: 'report' }).engine.snapshot()).toMatchObject({ caseType: 'report', privacy: 'confidential' });
    expect(typed({ type: 'report', privacy: 'anonymous', citizen: {} }).engine.snapshot().privacy).toBe('anonymous');
    const old = typed({ type: 'report', answer: 'x' }, { caseTypes: false });
    expect(old.engine.snapshot()).toMatchObject({ caseType: 'report', privacy: 'open', unitId: community.id });
    expect(old.engine.view().timeline.map((e) => e.action)).not.toContain('answered-at-intake');
  });
});

describe('case engine on the default process', () => {
  it('walks a community case from intake to close', () => {
    const h = harness();
    expect(h.status).toBe('awaiting-sign');
    expect(h.engine.snapshot()).toMatchObject({ level: 'community', unitId: community.id, deadline: '2026-03-02T02:10:00.000Z' });
    h.act({ type: 'signFor' }, handler(community));
    expect(h.status).toBe('handling');
    expect(h.engine.snapshot().deadline).toBe('2026-03-02T03:00:00.000Z');
    h.act({ type: 'resolve', reply: 'Talked to the neighbour' }, handler(community));
    expect(h.status).toBe('awaiting-evaluation');
    h.act({ type: 'evaluate', rating: 'satisfied' }, evaluator);
    expect(h.status).toBe('closed');
    expect(h.actions).toEqual(['received', 'routed', 'signed', 'resolved', 'evaluated', 'closed']);
    expect(h.engine.state.timeline.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('strikes at once when overdue at the top for cases started before the street hub', () => {
    const h = new EngineHarness(definition, calendar, ownerRoute('district', market), START).start({}, { hub: false });
    h.act({ type: 'reportIn' }, handler(market));
    h.advance(600 * MIN);
    const strikes = h.activities.filter((a) => a.call.name === 'deliverStrike');
    expect(strikes.map((s) => s.call.input)).toEqual([expect.objectContaining({ unitId: market.id, source: 'overdue-at-top', id: 'overdue-at-top:complaint-hotline-T1:dept-market' })]);
  });

  it('escalates an unsigned case community → street → centre, warning before each limit, then flags overdue at the top once', () => {
    const h = harness();
    h.advance(7.5 * MIN);
    expect(h.actions.at(-1)).toBe('warning');
    h.advance(2.5 * MIN);
    expect(h.engine.snapshot()).toMatchObject({ status: 'awaiting-sign', level: 'street', unitId: street.id, escalations: 1 });
    h.advance(10 * MIN);
    expect(h.engine.snapshot()).toMatchObject({ status: 'awaiting-dispatch', level: 'district', unitId: centre.id, escalations: 2 });
    h.act({ type: 'dispatch', unit: chain(market), coUnits: [chain(urban)] }, dispatcher(centre));
    h.act({ type: 'reportIn' }, handler(market));
    h.act({ type: 'reportIn' }, handler(urban));
    h.advance(120 * MIN);
    const snapshot = h.engine.snapshot();
    expect(snapshot).toMatchObject({ status: 'joint-handling', overdueAtTop: true, overdue: true, unitId: market.id });
    h.advance(600 * MIN);
    // No strike at once: the overdue case counts into the period's evaluation through the outcome ledger.
    expect(h.activities.filter((a) => a.call.name === 'deliverStrike')).toEqual([]);
    expect(h.engine.state.ledger.rows.find((r) => r.unitId === market.id)).toMatchObject({ overdueAtTop: true });
    const escalations = h.engine.state.timeline.filter((e) => e.action === 'escalated');
    expect(escalations.map((e) => [e.reason, e.fromLevel, e.toLevel])).toEqual([
      ['timeout', 'community', 'street'],
      ['timeout', 'street', 'district'],
    ]);
    const actions = h.actions;
    const warningsBefore = (missed: number) => actions.slice(0, missed).filter((a) => a === 'warning').length;
    const misses = actions.flatMap((a, i) => (a === 'deadline-missed' ? [i] : []));
    expect(misses).toHaveLength(3);
    misses.forEach((index, n) => expect(warningsBefore(index)).toBeGreaterThanOrEqual(n + 1));
    h.act({ type: 'resolve', reply: 'Fixed late' }, handler(market));
    expect(h.status).toBe('awaiting-evaluation');
  });

  it('lets a street whistle the case up to the centre', () => {
    const h = harness(ownerRoute('street'));
    h.act({ type: 'signFor' }, handler(street));
    h.act({ type: 'whistle', reason: 'Needs enforcement powers' }, handler(street));
    expect(h.engine.snapshot()).toMatchObject({ status: 'awaiting-dispatch', level: 'district', escalations: 1 });
    expect(h.engine.state.timeline.at(-1)).toMatchObject({ action: 'escalated', reason: 'whistle', fromUnitId: street.id, toUnitId: centre.id });
  });

  it('sends returns to the dispatcher above, and past the return limit to arbitration whose ruling is final', () => {
    const h = harness();
    h.act({ type: 'return', reason: 'Not ours' }, handler(community));
    expect(h.engine.snapshot()).toMatchObject({ status: 'awaiting-dispatch', level: 'street', unitId: street.id, escalations: 0 });
    h.act({ type: 'dispatch', unit: chain(otherCommunity) }, dispatcher(street));
    expect(h.engine.snapshot()).toMatchObject({ status: 'awaiting-sign', unitId: otherCommunity.id });
    h.act({ type: 'return', reason: 'Not ours either' }, handler(otherCommunity));
    h.act({ type: 'dispatch', unit: chain(community) }, dispatcher(street));
    h.act({ type: 'return', reason: 'Still not ours' }, handler(community));
    expect(h.engine.snapshot()).toMatchObject({ status: 'awaiting-arbitration', level: 'district', unitId: centre.id });
    expect(h.refusal({ type: 'arbitrate', unit: chain(street), ruling: 'Street owns it' }, dispatcher(street))).toBe('NotYourCase');
    h.act({ type: 'arbitrate', unit: chain(street), ruling: 'Street owns parking disputes' }, supervisor(centre));
    expect(h.engine.snapshot()).toMatchObject({ status: 'awaiting-sign', unitId: street.id });
    expect(h.refusal({ type: 'return', reason: 'No' }, handler(street))).toBe('RulingFinal');
    expect(h.engine.state.timeline.find((e) => e.action === 'arbitrated')?.detail).toMatchObject({ proposedListChange: { category: 'neighbour-dispute', owner: street.id } });
  });

  it('moves the deadline on an approved extension, keeps it on a denied one, refuses a request after the limit', () => {
    const h = harness();
    h.act({ type: 'signFor' }, handler(community));
    const deadline = h.engine.snapshot().deadline;
    h.act({ type: 'requestExtension', reason: 'Waiting for the owner' }, handler(community));
    expect(h.refusal({ type: 'decideExtension', approve: true }, supervisor(centre))).toBe('NotYourCase');
    h.act({ type: 'decideExtension', approve: true }, supervisor(street));
    expect(h.engine.snapshot().deadline).toBe(new Date(Date.parse(deadline!) + 60 * MIN).toISOString());
    expect(h.refusal({ type: 'requestExtension', reason: 'More' }, handler(community))).toBe('ExtensionLimitReached');

    const denied = harness();
    denied.act({ type: 'signFor' }, handler(community));
    const kept = denied.engine.snapshot().deadline;
    denied.act({ type: 'requestExtension', reason: 'Please' }, handler(community));
    denied.act({ type: 'decideExtension', approve: false, note: 'No' }, supervisor(street));
    expect(denied.engine.snapshot().deadline).toBe(kept);

    const late = harness();
    late.act({ type: 'signFor' }, handler(community));
    expect(late.refusal({ type: 'requestExtension', reason: 'x', extendBy: 'PT2H' }, handler(community))).toBe('ExtensionTooLong');
    late.advance(59 * MIN + 59_000);
    late.now += 1_000; // exactly at the limit, before the timer's event is handled
    expect(late.refusal({ type: 'requestExtension', reason: 'Too late' }, handler(community))).toBe('DeadlinePassed');
  });

  it('reopens once on an unsatisfied rating, escalates on the second, closes unevaluated without an answer', () => {
    const h = harness();
    h.act({ type: 'signFor' }, handler(community)).act({ type: 'resolve', reply: 'Done' }, handler(community));
    h.act({ type: 'evaluate', rating: 'unsatisfied' }, evaluator);
    expect(h.engine.snapshot()).toMatchObject({ status: 'reopened', unitId: community.id, deadline: new Date(h.now + 30 * MIN).toISOString() });
    h.act({ type: 'resolve', reply: 'Done properly' }, handler(community)).act({ type: 'evaluate', rating: 'satisfied' }, evaluator);
    expect(h.status).toBe('closed');

    const twice = harness();
    twice.act({ type: 'signFor' }, handler(community)).act({ type: 'resolve', reply: 'Done' }, handler(community));
    twice.act({ type: 'evaluate', rating: 'unsatisfied' }, evaluator);
    twice.act({ type: 'resolve', reply: 'Again' }, handler(community)).act({ type: 'evaluate', rating: 'unsatisfied' }, evaluator);
    expect(twice.engine.snapshot()).toMatchObject({ status: 'awaiting-sign', level: 'street', escalations: 1 });
    expect(twice.engine.state.timeline.at(-1)).toMatchObject({ action: 'escalated', reason: 'unsatisfied' });

    const silent = harness();
    silent.act({ type: 'signFor' }, handler(community)).act({ type: 'resolve', reply: 'Done' }, handler(community));
    silent.advance(180 * MIN);
    expect(silent.status).toBe('closed-unevaluated');
  });

  it('refuses invalid actions with their reasons and changes nothing', () => {
    const h = harness();
    const before = JSON.stringify(h.engine.state);
    expect(h.refusal({ type: 'resolve', reply: 'x' }, handler(community))).toBe('NotSignedYet');
    expect(h.refusal({ type: 'signFor' }, handler(otherCommunity))).toBe('NotYourCase');
    expect(h.refusal({ type: 'signFor' }, dispatcher(community))).toBe('NotPermitted');
    expect(h.refusal({ type: 'evaluate', rating: 'satisfied' }, evaluator)).toBe('CaseStillOpen');
    expect(() => h.act({ type: 'evaluate', rating: 'satisfied' }, evaluator)).toThrow(/not been resolved/);
    expect(JSON.stringify(h.engine.state)).toBe(before);
    h.act({ type: 'signFor' }, handler(community));
    expect(h.refusal({ type: 'signFor' }, handler(community))).toBe('AlreadySigned');
    expect(h.refusal({ type: 'resolve', reply: '   ' }, handler(community))).toBe('InvalidInput');
  });

  it('runs joint handling at the centre: three departments report in, a late one is recorded, the lead resolves', () => {
    const h = harness(ownerRoute('district', market));
    expect(h.engine.snapshot()).toMatchObject({ status: 'joint-handling', level: 'district', unitId: market.id });
    h.act({ type: 'return', reason: 'Needs urban and environment too' }, handler(market));
    h.act({ type: 'dispatch', unit: chain(market), coUnits: [chain(urban), chain(env)] }, dispatcher(centre));
    expect(h.refusal({ type: 'resolve', reply: 'x' }, handler(market))).toBe('NotReportedIn');
    h.act({ type: 'reportIn' }, handler(market)).act({ type: 'reportIn' }, handler(urban));
    expect(h.refusal({ type: 'reportIn' }, handler(urban))).toBe('AlreadyReportedIn');
    h.advance(20 * MIN);
    expect(h.engine.state.timeline.at(-1)).toMatchObject({ action: 'report-in-missed', toUnitId: env.id });
    h.act({ type: 'reportIn' }, handler(env));
    expect(h.engine.view().tasks[0]?.reportIns).toEqual([
      expect.objectContaining({ unitId: market.id, late: false }),
      expect.objectContaining({ unitId: urban.id, late: false }),
      expect.objectContaining({ unitId: env.id, late: true }),
    ]);
    expect(h.refusal({ type: 'resolve', reply: 'x' }, handler(urban))).toBe('NotYourCase');
    h.act({ type: 'resolve', reply: 'Joint inspection done' }, handler(market));
    expect(h.status).toBe('awaiting-evaluation');
  });

  it('lets a supervisor reassign within the level and cancel a duplicate', () => {
    const h = harness();
    expect(h.refusal({ type: 'reassign', unit: chain(street), reason: 'x' }, supervisor(street))).toBe('InvalidTarget');
    h.act({ type: 'reassign', unit: chain(otherCommunity), reason: 'Wrong community' }, supervisor(street));
    expect(h.engine.snapshot()).toMatchObject({ status: 'awaiting-sign', unitId: otherCommunity.id });
    h.act({ type: 'cancel', originalCaseNo: 'hotline-T0', reason: 'Duplicate' }, supervisor(centre));
    expect(h.status).toBe('cancelled');
    expect(h.refusal({ type: 'signFor' }, handler(otherCommunity))).toBe('CaseClosed');
  });

  it('tells each role what it may do now', () => {
    const h = harness();
    const view = h.engine.view();
    expect(view.allowedActions.handler).toEqual(expect.arrayContaining(['signFor', 'return', 'whistle']));
    expect(view.allowedActions.handler).not.toContain('resolve');
    expect(view.allowedActions.evaluator).toBeUndefined();
  });
});
