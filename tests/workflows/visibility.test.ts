/** The Temporal UI filters documented in the README find the cases they describe. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { both, deployTestProcess, startCase, testLimits, waitForCase } from '../helpers/cases.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.close();
});

async function finds(query: string, workflowId: string): Promise<boolean> {
  for await (const execution of env.client.workflow.list({ query: `${query} AND WorkflowId = '${workflowId}'` })) {
    if (execution.workflowId === workflowId) return true;
  }
  return false;
}
const found = (query: string, workflowId: string) => eventually(async () => ((await finds(query, workflowId)) ? true : undefined), { what: `"${query}" to find ${workflowId}` });

describe('documented Temporal UI filters', () => {
  it('find a unit\'s unsigned case, and unsigned cases past a deadline', async () => {
    const { handle } = await startCase(env, await deployTestProcess(env, testLimits()));
    const view = await waitForCase(handle, (v) => v.status === 'awaiting-sign' && v.deadline !== null);
    await found("JiesuUnit = 'comm-heping-north' AND ExecutionStatus = 'Running'", handle.workflowId);
    const deadline = Date.parse(view.deadline!);
    await found(`JiesuStatus = 'awaiting-sign' AND JiesuDeadline < '${new Date(deadline + 1000).toISOString()}'`, handle.workflowId);
    expect(await finds(`JiesuStatus = 'awaiting-sign' AND JiesuDeadline < '${new Date(deadline - 1000).toISOString()}'`, handle.workflowId)).toBe(false);
  });

  it('find cases waiting at the centre, waiting for its dispatcher, overdue at the top, and escalated more than once', async () => {
    const fast = await deployTestProcess(env, testLimits({ signFor: { community: both('PT1S'), street: both('PT1S'), district: both('PT1S') } }));
    const { handle } = await startCase(env, fast);
    await waitForCase(handle, (v) => v.overdueAtTop, 'overdue at the top');
    await found("JiesuLevel = 'district' AND ExecutionStatus = 'Running'", handle.workflowId);
    await found("JiesuStep = 'district-dispatch' AND ExecutionStatus = 'Running'", handle.workflowId);
    await found('JiesuOverdueAtTop = true', handle.workflowId);
    await found('JiesuEscalations >= 2', handle.workflowId);
  });
});
