/**
 * The street hub in the case engine (issue 14), without Temporal: summoning departments with a whistle tier,
 * their report-in, part done and rating, a missed report-in, disputing a duty at once, what the outcome
 * ledger makes of each, and the street-first model.
 */
import { describe, expect, it } from 'vitest';
import { loadChineseCalendar } from '../../db/calendar-source.js';
import { shippedProcess, STREET_FIRST_MODEL } from '../../processes/shipped.js';
import { withLimits } from '../helpers/limits.js';
import { centre, ENGINE_LIMITS, chain, community, dispatcher, EngineHarness, env, evaluator, handler, market, ownerRoute, street, supervisor, urban } from '../helpers/engine-harness.js';
import type { RouteResult } from '../../domain/engine/types.js';
import type { UnitOutcome } from '../../domain/outcomes.js';

const MIN = 60_000;
const calendar = loadChineseCalendar();
const START = '2026-03-02T02:00:00.000Z';
const definition = withLimits(await shippedProcess(), ENGINE_LIMITS);
const streetFirst = withLimits(await shippedProcess(STREET_FIRST_MODEL), ENGINE_LIMITS);
const harness = (route: RouteResult = ownerRoute('community'), model = definition) => new EngineHarness(model, calendar, route, START).start();
const row = (h: EngineHarness, unitId: string): UnitOutcome | undefined => h.engine.state.ledger.rows.find((r) => r.unitId === unitId);

describe('summoning departments', () => {
  it('lets a street summon two departments and keep the case: they report in and report their parts, the street resolves and rates them', () => {
    const h = harness(ownerRoute('street'));
    expect(h.refusal({ type: 'summon', departments: [chain(urban)], tier: 'joint', note: 'Refuse station overflowing' }, handler(street))).toBe('NotAllowedNow');
    h.act({ type: 'signFor' }, handler(street));
    // The tiers are policy: a street does not blow a community's tier, and the tough whistle calls at least two.
    expect(h.refusal({ type: 'summon', departments: [chain(urban)], tier: 'routine', note: 'x' }, handler(street))).toBe('InvalidInput');
    expect(h.refusal({ type: 'summon', departments: [chain(urban)], tier: 'tough', note: 'x' }, handler(street))).toBe('InvalidInput');
    expect(h.refusal({ type: 'summon', departments: [chain(community)], tier: 'joint', note: 'x' }, handler(street))).toBe('InvalidTarget');
    h.act({ type: 'summon', departments: [chain(urban), chain(env)], tier: 'joint', note: 'Refuse station shared by three compounds is overflowing' }, handler(street));
    expect(h.refusal({ type: 'summon', departments: [chain(urban)], tier: 'joint', note: 'Again' }, handler(street))).toBe('AlreadySummoned');
    expect(h.engine.snapshot()).toMatchObject({ status: 'handling', level: 'street', unitId: street.id, whistleTier: 'joint' });

    expect(h.refusal({ type: 'reportPart', text: 'Cleared it' }, handler(urban))).toBe('NotReportedIn');
    h.act({ type: 'reportIn' }, handler(urban));
    expect(h.refusal({ type: 'reportIn' }, handler(urban))).toBe('AlreadyReportedIn');
    h.act({ type: 'reportIn' }, handler(env));
    h.act({ type: 'reportPart', text: 'Cleared the overflow, added a collection round' }, handler(urban));
    expect(h.refusal({ type: 'reportPart', text: 'Again' }, handler(urban))).toBe('PartAlreadyReported');
    h.act({ type: 'reportPart', text: 'Disinfected the site' }, handler(env));
    h.act({ type: 'resolve', reply: 'The station is emptied twice a day now' }, handler(street));

    // Only the unit that summoned a department rates it, once.
    expect(h.refusal({ type: 'rateDepartment', unitId: urban.id, cooperation: 5, partResolved: true }, handler(community))).toBe('NotYourCase');
    expect(h.refusal({ type: 'rateDepartment', unitId: market.id, cooperation: 5, partResolved: true }, handler(street))).toBe('InvalidTarget');
    h.act({ type: 'rateDepartment', unitId: urban.id, cooperation: 5, partResolved: true }, handler(street));
    expect(h.refusal({ type: 'rateDepartment', unitId: urban.id, cooperation: 1, partResolved: false }, handler(street))).toBe('AlreadyRated');
    h.act({ type: 'rateDepartment', unitId: env.id, cooperation: 3, partResolved: false, note: 'Came late to the site' }, handler(street));
    h.act({ type: 'evaluate', rating: 'satisfied' }, evaluator);
    expect(h.status).toBe('closed');

    // The case never left the street.
    expect(h.engine.state.timeline.filter((e) => e.toLevel !== undefined && e.toLevel !== 'street')).toEqual([]);
    expect(h.actions.filter((a) => a === 'escalated')).toEqual([]);
    expect(h.engine.view().summons).toEqual([
      expect.objectContaining({ tier: 'joint', by: street.id, departments: [expect.objectContaining({ unitId: urban.id }), expect.objectContaining({ unitId: env.id })] }),
    ]);
    expect(row(h, street.id)).toMatchObject({ role: 'holder', resolved: true, whistled: false });
    expect(row(h, urban.id)).toMatchObject({ role: 'summoned', reportedInOnTime: true, partDone: true, cooperation: 5, partResolved: true, resolved: false });
    expect(row(h, env.id)).toMatchObject({ role: 'summoned', reportedInOnTime: true, partDone: true, cooperation: 3, partResolved: false });
    const recorded = h.activities.filter((a) => a.call.name === 'recordOutcome');
    expect(recorded).toHaveLength(1);
  });

  it('warns before a summoned department misses its report-in, then records the miss and escalates it to the summoner\'s supervisor; the case stays', () => {
    const h = harness();
    h.act({ type: 'signFor' }, handler(community));
    expect(h.refusal({ type: 'summon', departments: [chain(urban)], tier: 'joint', note: 'x' }, handler(community))).toBe('InvalidInput');
    h.act({ type: 'summon', departments: [chain(urban), chain(env), chain(market)], tier: 'key', note: 'Loudspeaker noise every evening' }, handler(community));
    h.act({ type: 'reportIn' }, handler(urban));
    h.act({ type: 'reportIn' }, handler(env));
    h.advance(15 * MIN);
    expect(h.engine.state.timeline.at(-1)).toMatchObject({ action: 'summons-warning', detail: { pending: [market.id] } });
    h.advance(5 * MIN);
    expect(h.engine.state.timeline.at(-1)).toMatchObject({ action: 'report-in-missed', toUnitId: market.id, detail: { summonedBy: community.id, escalatedTo: street.id } });
    const notices = h.activities.filter((a) => a.call.name === 'notify').map((a) => a.call.input as { kind: string; unitIds: string[] });
    expect(notices).toContainEqual(expect.objectContaining({ kind: 'escalated', unitIds: [street.id] }));
    expect(h.engine.snapshot()).toMatchObject({ status: 'handling', unitId: community.id, escalations: 0 });
    // A late report-in is still taken, and stays late.
    h.act({ type: 'reportIn' }, handler(market));
    h.act({ type: 'resolve', reply: 'The shop turned the speaker off' }, handler(community));
    h.act({ type: 'evaluate', rating: 'satisfied' }, evaluator);
    expect(row(h, market.id)).toMatchObject({ role: 'summoned', reportedInOnTime: false });
    expect(row(h, urban.id)).toMatchObject({ role: 'summoned', reportedInOnTime: true, partDone: false });
  });
});

describe('disputing a duty', () => {
  it('sends a disputed case to arbitration at once; the centre names a lead and co-departments as a proposed list change; disputing is no failure', () => {
    const h = harness(ownerRoute('community'));
    h.act({ type: 'dispute', reason: 'Beauty procedures are on nobody\'s list' }, handler(community));
    expect(h.engine.snapshot()).toMatchObject({ status: 'awaiting-arbitration', level: 'district', unitId: centre.id, escalations: 0 });
    const sent = h.engine.state.timeline.find((e) => e.action === 'sent-to-arbitration');
    expect(sent).toMatchObject({ actor: handler(community), reason: 'dispute', fromUnitId: community.id, toUnitId: centre.id });
    h.act({ type: 'arbitrate', unit: chain(market), coUnits: [chain(env)], ruling: 'Market supervision leads, health joins' }, supervisor(centre));
    expect(h.engine.view()).toMatchObject({ status: 'joint-handling', lead: market.id, coDepartments: [env.id] });
    expect(h.engine.state.timeline.find((e) => e.action === 'arbitrated')?.detail).toMatchObject({
      proposedListChange: { category: 'neighbour-dispute', lead: market.id, co: [env.id], level: 'district' },
    });
    // The ruling is final: the lead cannot dispute it.
    expect(h.refusal({ type: 'dispute', reason: 'Not ours' }, handler(market))).toBe('RulingFinal');
    h.act({ type: 'reportIn' }, handler(market));
    h.act({ type: 'reportIn' }, handler(env));
    h.act({ type: 'resolve', reply: 'Inspected the salon' }, handler(market));
    h.act({ type: 'evaluate', rating: 'satisfied' }, evaluator);
    expect(row(h, community.id)).toMatchObject({ whistled: true, shirked: false, returned: false });
    expect(row(h, env.id)).toMatchObject({ role: 'co' });
  });

  it('counts returning a matter the list gives to the unit as shirking, and returning one it does not as no fault', () => {
    const owned = harness(ownerRoute('community'));
    owned.act({ type: 'return', reason: 'Not ours' }, handler(community));
    expect(row(owned, community.id)).toMatchObject({ returned: true, shirked: true });

    const unlisted = harness({ ...ownerRoute('district'), kind: 'dispatch', level: null, reason: 'unknown-category' } as RouteResult);
    unlisted.act({ type: 'dispatch', unit: chain(community) }, dispatcher(centre));
    unlisted.act({ type: 'return', reason: 'Not ours' }, handler(community));
    expect(row(unlisted, community.id)).toMatchObject({ returned: true, shirked: false });
  });

  it('names the person who whistled the case up, where cases from before the hub read system/timer', () => {
    for (const hub of [true, false]) {
      const h = new EngineHarness(definition, calendar, ownerRoute('street'), START).start({}, { hub });
      h.act({ type: 'signFor' }, handler(street));
      h.act({ type: 'whistle', reason: 'Needs enforcement powers' }, handler(street));
      expect(h.engine.state.timeline.find((e) => e.action === 'escalated')?.actor).toEqual(hub ? handler(street) : { role: 'system', id: 'timer' });
    }
  });

  it('writes no outcome for anybody when a duplicate is cancelled', () => {
    const h = harness();
    h.act({ type: 'signFor' }, handler(community));
    h.act({ type: 'cancel', originalCaseNo: 'hotline-T0', reason: 'Same ticket twice' }, supervisor(street));
    const recorded = h.activities.filter((a) => a.call.name === 'recordOutcome').map((a) => a.call.input as { outcome: string; rows: unknown[] });
    expect(recorded).toEqual([expect.objectContaining({ outcome: 'cancelled', rows: [] })]);
  });

  it('routes a department matter with the co-departments the list names', () => {
    const route = { ...ownerRoute('district', market), coDepartments: [env] };
    const h = harness(route);
    expect(h.engine.view()).toMatchObject({ status: 'joint-handling', lead: market.id, coDepartments: [env.id] });
    const before = new EngineHarness(definition, calendar, route, START).start({}, { hub: false });
    expect(before.engine.view()).toMatchObject({ lead: market.id, coDepartments: [] });
  });
});

describe('street-first sorting', () => {
  it('lands every case at the street, which keeps it for handling or passes it to a community', () => {
    const kept = harness(ownerRoute('community'), streetFirst);
    expect(kept.engine.snapshot()).toMatchObject({ status: 'awaiting-dispatch', level: 'street', unitId: street.id, step: 'street-sort' });
    kept.act({ type: 'dispatch', unit: chain(street) }, dispatcher(street));
    expect(kept.engine.snapshot()).toMatchObject({ status: 'handling', unitId: street.id, step: 'street-handle' });
    kept.act({ type: 'summon', departments: [chain(urban)], tier: 'joint', note: 'Illegal parking on the pavement' }, handler(street));
    kept.act({ type: 'reportIn' }, handler(urban));
    kept.act({ type: 'resolve', reply: 'Bollards installed' }, handler(street));
    kept.act({ type: 'evaluate', rating: 'basically-satisfied' }, evaluator);
    expect(kept.status).toBe('closed');

    const passed = harness(ownerRoute('district', market), streetFirst);
    expect(passed.engine.snapshot()).toMatchObject({ status: 'awaiting-dispatch', unitId: street.id });
    passed.act({ type: 'dispatch', unit: chain(community) }, dispatcher(street));
    expect(passed.engine.snapshot()).toMatchObject({ status: 'awaiting-sign', level: 'community', unitId: community.id });
  });

  it('sends a case the street does not sort in time to the centre', () => {
    const h = harness(ownerRoute('community'), streetFirst);
    h.advance(10 * MIN);
    expect(h.engine.snapshot()).toMatchObject({ status: 'awaiting-dispatch', level: 'district', unitId: centre.id, escalations: 1 });
    expect(h.engine.state.timeline.find((e) => e.action === 'escalated')).toMatchObject({ reason: 'timeout', fromLevel: 'street', toLevel: 'district' });
  });
});
