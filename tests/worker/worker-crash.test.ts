import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { act, deployTestProcess, expectTimelineProjected, startCase, testLimits, waitForCase } from '../helpers/cases.js';
import { createTestEnv, startWorkerProcess, type TestEnv } from '../helpers/env.js';
import type { ServiceProcess } from '../../infra/service-process.js';
import { caseStateQuery } from '../../workflows/messages.js';

let env: TestEnv;
const workers: ServiceProcess[] = [];

async function startWorker(): Promise<ServiceProcess> {
  const worker = await startWorkerProcess(env);
  workers.push(worker);
  return worker;
}

beforeAll(async () => {
  // No in-process worker: the cases here run only on worker processes we start and kill.
  env = await createTestEnv({ worker: false });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  await env?.close();
});

describe('a worker killed mid-case', () => {
  // Recovery waits out what the dead worker held: its sticky queue and any activity it was running (30 s).
  it('loses nothing: a new worker continues the case from its history', { timeout: 180_000 }, async () => {
    const processKey = await deployTestProcess(env, testLimits());
    const first = await startWorker();
    const { handle } = await startCase(env, processKey);
    await waitForCase(handle, (v) => v.status === 'awaiting-sign' && v.deadline !== null);
    await act(handle, 'signFor', { actor: { role: 'handler', id: 'h1', unitId: 'comm-heping-north' } });

    // The resolve is in flight while the worker dies without any chance to clean up.
    const resolving = act(handle, 'resolve', { actor: { role: 'handler', id: 'h1', unitId: 'comm-heping-north' }, reply: 'Mediated' });
    await first.kill('SIGKILL');
    expect(first.child.signalCode).toBe('SIGKILL');

    await startWorker();
    const resolved = await resolving;
    expect(resolved.status).toBe('awaiting-evaluation');
    const closed = await act(handle, 'evaluate', { actor: { role: 'evaluator', id: 'callback' }, rating: 'satisfied' });
    expect(closed.status).toBe('closed');
    // An update answers with only the entries it added; the query shows the whole (short) timeline.
    expect(closed.timeline.map((e) => e.action)).toEqual(['evaluated', 'closed']);
    const view = await handle.query(caseStateQuery);
    expect(view.timeline.map((e) => e.action)).toEqual(['received', 'routed', 'signed', 'resolved', 'evaluated', 'closed']);
    expect(await handle.result()).toMatchObject({ outcome: 'closed' });
    await expectTimelineProjected(env, handle);
  });
});
