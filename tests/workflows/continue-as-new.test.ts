/**
 * A case whose history grows long continues as new and carries on where it was: its timers, its timeline
 * and its outcome ledger survive the new run. The process here continues after 40 history events, so a few
 * dozen notes force several runs.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseOutcomes } from '../../db/schema.js';
import type { Actor } from '../../domain/case.js';
import { shippedProcess } from '../../processes/shipped.js';
import { act, both, deployTestProcess, expectRefused, expectTimelineProjected, recordHistories, startCase, testLimits, waitForCase, type CaseHandle } from '../helpers/cases.js';
import { withLimits } from '../helpers/limits.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';

const north: Actor = { role: 'handler', id: 'h-north', unitId: 'comm-heping-north' };
const street: Actor = { role: 'handler', id: 'h-street', unitId: 'street-heping' };
const supervisor: Actor = { role: 'supervisor', id: 's-street', unitId: 'street-heping' };
const evaluator: Actor = { role: 'evaluator', id: 'callback' };

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await recordHistories(env, 'continue-as-new');
  await env?.close();
});

/** A process like the shipped one whose cases continue as new after 40 history events, with `maxComments`. */
async function rollingProcess(signFor: string, maxComments = 200): Promise<string> {
  const shipped = await shippedProcess();
  const model = { ...shipped, settings: { ...shipped.settings, caseLimits: { maxComments, maxUrges: 50, routeRetry: 'PT10M', continueAsNewAfter: 40 } } };
  const limits = testLimits({ signFor: { community: both(signFor), street: both('PT5M'), district: both('PT5M') } });
  return deployTestProcess(env, limits, withLimits(model, limits));
}

async function runs(handle: CaseHandle): Promise<number> {
  let count = 0;
  for await (const _ of env.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) count += 1;
  return count;
}

describe('continue-as-new', () => {
  it('carries a case across runs: notes keep counting, the timeline stays whole, the outcome is the same', async () => {
    const { caseNo, handle } = await startCase(env, await rollingProcess('PT5M', 25));
    await waitForCase(handle, (v) => v.status === 'awaiting-sign' && v.deadline !== null);
    for (let n = 1; n <= 25; n += 1) await act(handle, 'comment', { actor: supervisor, text: `Note ${n}` });
    await expectRefused(handle, 'comment', { actor: supervisor, text: 'One too many' }, 'LimitReached');
    await eventually(async () => ((await runs(handle)) >= 2 ? true : undefined), { what: 'the case to continue as new' });

    const signed = await act(handle, 'signFor', { actor: north });
    expect(signed).toMatchObject({ status: 'handling', notes: { comments: 25, maxComments: 25 } });
    await act(handle, 'resolve', { actor: north, reply: 'Mediated' });
    const closed = await act(handle, 'evaluate', { actor: evaluator, rating: 'satisfied' });
    expect(closed.status).toBe('closed');
    expect(closed.timeline.length).toBeLessThanOrEqual(50);
    expect(closed.seq).toBe(2 + 25 + 4);
    await expect(handle.result()).resolves.toMatchObject({ caseNo, outcome: 'closed' });
    await expectTimelineProjected(env, handle);
    const outcomes = await eventually(async () => {
      const rows = await env.database.db.select().from(caseOutcomes).where(eq(caseOutcomes.caseNo, caseNo));
      return rows.length > 0 ? rows : undefined;
    });
    expect(outcomes).toMatchObject([{ unitId: 'comm-heping-north', role: 'holder', responded: true, resolved: true, rating: 'satisfied' }]);
  });

  it('starts its timers again in the new run: a limit set before the roll-over still escalates the case', async () => {
    const { handle } = await startCase(env, await rollingProcess('PT8S'));
    await waitForCase(handle, (v) => v.status === 'awaiting-sign' && v.deadline !== null);
    for (let n = 1; n <= 15; n += 1) await act(handle, 'comment', { actor: supervisor, text: `Note ${n}` });
    await eventually(async () => ((await runs(handle)) >= 2 ? true : undefined), { what: 'the case to continue as new' });
    const escalated = await waitForCase(handle, (v) => v.unitId === 'street-heping', 'the sign-for limit to escalate the case', 30_000);
    expect(escalated.timeline.map((e) => e.action)).toEqual(expect.arrayContaining(['warning', 'deadline-missed', 'escalated']));
    await act(handle, 'signFor', { actor: street });
    await act(handle, 'cancel', { actor: supervisor, originalCaseNo: 'hotline-original', reason: 'duplicate' });
    await expect(handle.result()).resolves.toMatchObject({ outcome: 'cancelled' });
    await expectTimelineProjected(env, handle);
  });
});
