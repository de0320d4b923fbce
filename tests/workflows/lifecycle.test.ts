/**
 * The lifecycle scenarios of issue 3, against the real Temporal dev server and PostgreSQL, each on a
 * process deployed with short wall-clock limits where a limit must pass.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overdueAtTopByUnit } from '../../db/performance.js';
import { caseOutcomes, caseTimeline, strikes } from '../../db/schema.js';
import { loadUnitChain } from '../../db/units.js';
import { periodOf } from '../../domain/accountability.js';
import type { Actor } from '../../domain/case.js';
import type { UnitChain } from '../../domain/units.js';
import { act, both, deployTestProcess, expectRefused, expectTimelineProjected, startCase, testLimits, waitForCase, type CaseHandle, recordHistories } from '../helpers/cases.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';

const handler = (unitId: string): Actor => ({ role: 'handler', id: `h-${unitId}`, unitId });
const dispatcher = (unitId: string): Actor => ({ role: 'dispatcher', id: `d-${unitId}`, unitId });
const supervisor = (unitId: string): Actor => ({ role: 'supervisor', id: `s-${unitId}`, unitId });
const evaluator: Actor = { role: 'evaluator', id: 'callback' };

let env: TestEnv;
let slowProcess: string;
const chains = new Map<string, UnitChain>();
const chain = (id: string): UnitChain => chains.get(id)!;

beforeAll(async () => {
  env = await createTestEnv();
  slowProcess = await deployTestProcess(env, testLimits());
  for (const id of ['comm-heping-north', 'comm-heping-south', 'street-heping', 'centre', 'dept-market', 'dept-urban', 'dept-env']) {
    chains.set(id, (await loadUnitChain(env.database.db, id))!);
  }
});
afterAll(async () => {
  await recordHistories(env, 'lifecycle');
  await env?.close();
});

async function close(handle: CaseHandle, unitId: string): Promise<void> {
  await act(handle, 'resolve', { actor: handler(unitId), reply: 'Resolved on site' });
  const view = await act(handle, 'evaluate', { actor: evaluator, rating: 'satisfied' });
  expect(view.status).toBe('closed');
  expect(await handle.result()).toMatchObject({ outcome: 'closed' });
}

describe('happy paths', () => {
  it('closes a case at a community', async () => {
    const { handle } = await startCase(env, slowProcess);
    const routed = await waitForCase(handle, (v) => v.status === 'awaiting-sign' && v.deadline !== null);
    expect(routed).toMatchObject({ level: 'community', unitId: 'comm-heping-north' });
    const signed = await act(handle, 'signFor', { actor: handler('comm-heping-north') });
    expect(signed).toMatchObject({ status: 'handling' });
    expect(signed.deadline).not.toBeNull();
    await close(handle, 'comm-heping-north');
    await expectTimelineProjected(env, handle);
  });

  it('closes a case at a street', async () => {
    const { handle } = await startCase(env, slowProcess, { category: 'property-management' });
    await waitForCase(handle, (v) => v.status === 'awaiting-sign' && v.unitId === 'street-heping');
    await act(handle, 'signFor', { actor: handler('street-heping') });
    await close(handle, 'street-heping');
    await expectTimelineProjected(env, handle);
  });

  it('closes a case at the centre with three departments reporting in', async () => {
    const { handle } = await startCase(env, slowProcess, { category: 'no-such-category' });
    await waitForCase(handle, (v) => v.status === 'awaiting-dispatch' && v.level === 'district');
    const dispatched = await act(handle, 'dispatch', { actor: dispatcher('centre'), unit: chain('dept-market'), coUnits: [chain('dept-urban'), chain('dept-env')] });
    expect(dispatched).toMatchObject({ status: 'joint-handling', lead: 'dept-market', coDepartments: ['dept-urban', 'dept-env'] });
    await expectRefused(handle, 'resolve', { actor: handler('dept-market'), reply: 'x' }, 'NotReportedIn');
    for (const dept of ['dept-market', 'dept-urban', 'dept-env']) await act(handle, 'reportIn', { actor: handler(dept) });
    const view = await waitForCase(handle, (v) => v.tasks[0]?.reportIns.every((r) => r.at !== null) === true);
    expect(view.tasks[0]?.reportIns.map((r) => [r.unitId, r.late])).toEqual([
      ['dept-market', false],
      ['dept-urban', false],
      ['dept-env', false],
    ]);
    await close(handle, 'dept-market');
    await expectTimelineProjected(env, handle);
  });
});

describe('limits', () => {
  it('escalates an unsigned case community → street → centre, warns before each missed limit, and marks the lead overdue at the top (counted by the ranking, not struck per case)', async () => {
    const fast = await deployTestProcess(
      env,
      testLimits({ signFor: { community: both('PT2S'), street: both('PT2S'), district: both('PT5M') }, resolve: { community: both('PT5M'), street: both('PT5M'), district: both('PT3S') } }),
    );
    const { caseNo, handle } = await startCase(env, fast);
    const atCentre = await waitForCase(handle, (v) => v.status === 'awaiting-dispatch' && v.level === 'district', 'escalation to the centre');
    expect(atCentre.escalations).toBe(2);
    await act(handle, 'dispatch', { actor: dispatcher('centre'), unit: chain('dept-market') });
    await act(handle, 'reportIn', { actor: handler('dept-market') });
    const overdue = await waitForCase(handle, (v) => v.overdueAtTop, 'overdue at the top');
    expect(overdue).toMatchObject({ status: 'joint-handling', overdue: true, unitId: 'dept-market' });
    // Since the street hub, overdue at the top is counted per period by the evaluation, not struck per case:
    // the month it went overdue counts it against the unit its timeline entry names.
    expect(overdue.timeline.filter((e) => e.action === 'overdue-at-top').map((e) => e.detail?.strikeUnitId)).toEqual(['dept-market']);
    const entry = await eventually(
      async () => (await env.database.db.select().from(caseTimeline).where(and(eq(caseTimeline.workflowId, handle.workflowId), eq(caseTimeline.action, 'overdue-at-top'))))[0],
      { what: 'the overdue-at-top entry in the read model' },
    );
    expect((await overdueAtTopByUnit(env.database.db, periodOf(entry.at.toISOString()), 'centre')).get('dept-market')).toBeGreaterThan(0);

    const timeline = overdue.timeline.map((e) => `${e.action}${e.action === 'escalated' ? `:${e.reason}:${e.toLevel}` : ''}`);
    expect(timeline.filter((a) => a.startsWith('escalated'))).toEqual(['escalated:timeout:street', 'escalated:timeout:district']);
    const misses = overdue.timeline.flatMap((e, i) => (e.action === 'deadline-missed' ? [i] : []));
    expect(misses).toHaveLength(3);
    for (const index of misses) {
      const step = (overdue.timeline[index]!.detail as { step: string }).step;
      const warned = overdue.timeline.slice(0, index).some((e) => e.action === 'warning' && (e.detail as { step: string }).step === step);
      expect(warned, `a warning for ${step} before its limit`).toBe(true);
    }
    await close(handle, 'dept-market');
    await expectTimelineProjected(env, handle);
    const outcomes = await eventually(async () => {
      const rows = await env.database.db.select().from(caseOutcomes).where(eq(caseOutcomes.caseNo, caseNo));
      return rows.length > 0 ? rows : undefined;
    }, { what: 'the outcome rows' });
    expect(outcomes.filter((o) => o.overdueAtTop).map((o) => o.unitId)).toEqual(['dept-market']);
    expect(await env.database.db.select().from(strikes).where(eq(strikes.caseNo, caseNo))).toEqual([]);
  });

  it('moves the deadline on an approved extension, keeps it on a denied one, and refuses a request after the limit', async () => {
    const { handle } = await startCase(env, slowProcess);
    await waitForCase(handle, (v) => v.status === 'awaiting-sign' && v.deadline !== null);
    const signed = await act(handle, 'signFor', { actor: handler('comm-heping-north') });
    await act(handle, 'requestExtension', { actor: handler('comm-heping-north'), reason: 'Waiting for the property company' });
    await expectRefused(handle, 'decideExtension', { actor: supervisor('centre'), approve: true }, 'NotYourCase');
    const approved = await act(handle, 'decideExtension', { actor: supervisor('street-heping'), approve: true });
    expect(Date.parse(approved.deadline!) - Date.parse(signed.deadline!)).toBe(5 * 60_000);
    await expectRefused(handle, 'requestExtension', { actor: handler('comm-heping-north'), reason: 'Again' }, 'ExtensionLimitReached');

    const second = await startCase(env, slowProcess);
    await waitForCase(second.handle, (v) => v.deadline !== null);
    const kept = await act(second.handle, 'signFor', { actor: handler('comm-heping-north') });
    await act(second.handle, 'requestExtension', { actor: handler('comm-heping-north'), reason: 'Please' });
    const denied = await act(second.handle, 'decideExtension', { actor: supervisor('street-heping'), approve: false, note: 'Solve it in time' });
    expect(denied.deadline).toBe(kept.deadline);

    const shortResolve = await deployTestProcess(env, testLimits({ resolve: { community: both('PT2S'), street: both('PT5M'), district: both('PT5M') } }));
    const late = await startCase(env, shortResolve);
    await waitForCase(late.handle, (v) => v.deadline !== null);
    await act(late.handle, 'signFor', { actor: handler('comm-heping-north') });
    await waitForCase(late.handle, (v) => v.level === 'street', 'the missed resolve limit');
    // Past the limit the case has moved to the street: the community's request is refused as no longer its case.
    await expectRefused(late.handle, 'requestExtension', { actor: handler('comm-heping-north'), reason: 'Too late' }, 'NotYourCase');
    await expectTimelineProjected(env, late.handle);
  });
});

describe('whistle, return and arbitration', () => {
  it('escalates a whistle from a street to the centre', async () => {
    const { handle } = await startCase(env, slowProcess, { category: 'group-rental' });
    await waitForCase(handle, (v) => v.status === 'awaiting-sign');
    await act(handle, 'signFor', { actor: handler('street-heping') });
    const view = await act(handle, 'whistle', { actor: handler('street-heping'), reason: 'Needs police and urban management' });
    expect(view).toMatchObject({ status: 'awaiting-dispatch', level: 'district', unitId: 'centre', escalations: 1 });
    expect(view.timeline.at(-1)).toMatchObject({ action: 'escalated', reason: 'whistle', fromUnitId: 'street-heping' });
    await expectTimelineProjected(env, handle);
  });

  it('re-dispatches a returned case, and past the return limit the centre arbitrates with a final ruling', async () => {
    const { handle } = await startCase(env, slowProcess);
    await waitForCase(handle, (v) => v.status === 'awaiting-sign');
    let view = await act(handle, 'return', { actor: handler('comm-heping-north'), reason: 'This is a parking matter' });
    expect(view).toMatchObject({ status: 'awaiting-dispatch', unitId: 'street-heping' });
    view = await act(handle, 'dispatch', { actor: dispatcher('street-heping'), unit: chain('comm-heping-south') });
    expect(view).toMatchObject({ status: 'awaiting-sign', unitId: 'comm-heping-south' });
    await act(handle, 'return', { actor: handler('comm-heping-south'), reason: 'Not in our area' });
    await act(handle, 'dispatch', { actor: dispatcher('street-heping'), unit: chain('comm-heping-north') });
    view = await act(handle, 'return', { actor: handler('comm-heping-north'), reason: 'Still not ours' });
    expect(view).toMatchObject({ status: 'awaiting-arbitration', unitId: 'centre', returns: 3 });
    view = await act(handle, 'arbitrate', { actor: supervisor('centre'), unit: chain('street-heping'), ruling: 'Parking in old estates is a street matter' });
    expect(view).toMatchObject({ status: 'awaiting-sign', unitId: 'street-heping' });
    expect(view.timeline.find((e) => e.action === 'arbitrated')?.detail).toMatchObject({ proposedListChange: { category: 'neighbour-dispute', owner: 'street-heping' } });
    await expectRefused(handle, 'return', { actor: handler('street-heping'), reason: 'Disagree' }, 'RulingFinal');
    await act(handle, 'signFor', { actor: handler('street-heping') });
    await close(handle, 'street-heping');
    await expectTimelineProjected(env, handle);
  });
});

describe('evaluation', () => {
  it('reopens an unsatisfied case once, escalates on a second unsatisfied rating, closes unevaluated without an answer', async () => {
    const reopen = await deployTestProcess(env, testLimits({ reopen: both('PT1M'), evaluate: both('PT2S') }));
    const { handle } = await startCase(env, reopen);
    await waitForCase(handle, (v) => v.status === 'awaiting-sign');
    await act(handle, 'signFor', { actor: handler('comm-heping-north') });
    await act(handle, 'resolve', { actor: handler('comm-heping-north'), reply: 'Talked to them' });
    const reopened = await act(handle, 'evaluate', { actor: evaluator, rating: 'unsatisfied' });
    expect(reopened).toMatchObject({ status: 'reopened', unitId: 'comm-heping-north', reopens: 1 });
    expect(Date.parse(reopened.deadline!) - Date.parse(reopened.stepSince)).toBe(60_000);
    await act(handle, 'resolve', { actor: handler('comm-heping-north'), reply: 'Mediated properly' });
    expect((await act(handle, 'evaluate', { actor: evaluator, rating: 'satisfied' })).status).toBe('closed');

    const twice = await startCase(env, reopen);
    await waitForCase(twice.handle, (v) => v.status === 'awaiting-sign');
    await act(twice.handle, 'signFor', { actor: handler('comm-heping-north') });
    await act(twice.handle, 'resolve', { actor: handler('comm-heping-north'), reply: 'Done' });
    await act(twice.handle, 'evaluate', { actor: evaluator, rating: 'unsatisfied' });
    await act(twice.handle, 'resolve', { actor: handler('comm-heping-north'), reply: 'Done again' });
    const escalated = await act(twice.handle, 'evaluate', { actor: evaluator, rating: 'unsatisfied' });
    expect(escalated).toMatchObject({ status: 'awaiting-sign', level: 'street', escalations: 1 });
    expect(escalated.timeline.at(-1)).toMatchObject({ action: 'escalated', reason: 'unsatisfied' });

    const silent = await startCase(env, reopen);
    await waitForCase(silent.handle, (v) => v.status === 'awaiting-sign');
    await act(silent.handle, 'signFor', { actor: handler('comm-heping-north') });
    await act(silent.handle, 'resolve', { actor: handler('comm-heping-north'), reply: 'Done' });
    expect(await silent.handle.result()).toMatchObject({ outcome: 'closed-unevaluated' });
    for (const h of [handle, twice.handle, silent.handle]) await expectTimelineProjected(env, h);
  });
});

describe('refusals', () => {
  it('refuses invalid actions with their reasons, leaving no trace in the history', async () => {
    const { handle } = await startCase(env, slowProcess);
    await waitForCase(handle, (v) => v.status === 'awaiting-sign');
    await expectRefused(handle, 'resolve', { actor: handler('comm-heping-north'), reply: 'x' }, 'NotSignedYet');
    await expectRefused(handle, 'signFor', { actor: handler('comm-heping-south') }, 'NotYourCase');
    await expectRefused(handle, 'evaluate', { actor: evaluator, rating: 'satisfied' }, 'CaseStillOpen');
    await act(handle, 'signFor', { actor: handler('comm-heping-north') });
    await expectRefused(handle, 'signFor', { actor: handler('comm-heping-north') }, 'AlreadySigned');
    const history = await handle.fetchHistory();
    const accepted = (history.events ?? []).flatMap((e) => (e.workflowExecutionUpdateAcceptedEventAttributes ? [e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.input?.name] : []));
    expect(accepted).toEqual(['signFor']);
    expect(JSON.stringify(history.events).includes('NotYourCase')).toBe(false);
    await expectTimelineProjected(env, handle);
  });
});
