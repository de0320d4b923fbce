import { randomUUID } from 'node:crypto';
import type { CaseView } from '../domain/engine/types.js';
import { complaintWorkflowId } from '../workflows/messages.js';
import { percentile, Progress, round } from './progress.js';
import type { BenchStack } from './stack.js';

export interface LifecycleResult {
  cases: number;
  concurrency: number;
  casesPerMinute: number;
  p50Seconds: number;
  p99Seconds: number;
  historyEvents: number;
  historyBytes: number;
  payloadBytes: number;
}

/** Bytes of every payload in a structure (history events carry them at many depths). */
function payloadBytes(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + payloadBytes(v), 0);
  if (value === null || typeof value !== 'object') return 0;
  const record = value as Record<string, unknown>;
  if (record.data instanceof Uint8Array && record.metadata !== undefined) return record.data.byteLength;
  return Object.values(record).reduce((sum: number, v) => sum + payloadBytes(v), 0);
}

/**
 * Whole cases through the API, from intake to close: file, wait for routing, sign for, resolve, rate.
 * Reports complete cases per minute and what one case costs the server (events, bytes).
 */
export async function benchLifecycle(stack: BenchStack, { cases = 200, concurrency = 16, workers: workerCount = 1 } = {}): Promise<LifecycleResult> {
  const progress = new Progress(`lifecycle ${stack.server} ${workerCount}w`);
  const workers = await stack.startWorkers(workerCount);
  const api = await stack.startApi();
  const intake = await stack.key('intake', 'lifecycle');
  const handler = await stack.key('handler', 'comm-heping-north');
  const evaluator = await stack.key('evaluator');
  const admin = await stack.key('admin');
  // A case action the case has not taken up within the API's wait answers 202 pending (an overloaded
  // machine); a client repeats it with the same Idempotency-Key until it learns the outcome.
  const call = async (key: string, method: string, url: string, body?: unknown): Promise<unknown> => {
    const idempotencyKey = `bench-${randomUUID()}`;
    for (;;) {
      const response = await fetch(`${stack.apiUrl}${url}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'idempotency-key': idempotencyKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
      if (response.status !== 202) return response.json() as Promise<unknown>;
      await response.body?.cancel();
    }
  };
  const durations: number[] = [];
  const caseNos: string[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < cases) {
        const index = next++;
        const t0 = performance.now();
        const { caseNo } = (await call(intake.key, 'POST', '/v1/complaints', {
          ticketId: `L${workerCount}w-${index}`,
          title: 'Noise at night',
          description: 'Drilling after midnight',
          category: 'neighbour-dispute',
          location: { unitId: 'comm-heping-north' },
          citizen: { name: 'Bench Citizen', phone: '13800000000' },
        })) as { caseNo: string };
        for (;;) {
          const view = (await call(admin.key, 'GET', `/v1/complaints/${caseNo}`)) as CaseView;
          if (view.status === 'awaiting-sign' && view.deadline !== null) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await call(handler.key, 'POST', `/v1/complaints/${caseNo}/sign-for`, {});
        await call(handler.key, 'POST', `/v1/complaints/${caseNo}/resolve`, { reply: 'Mediated' });
        const closed = (await call(evaluator.key, 'POST', `/v1/complaints/${caseNo}/evaluation`, { rating: 'satisfied' })) as CaseView;
        if (closed.status !== 'closed') throw new Error(`${caseNo} ended ${closed.status}`);
        durations.push((performance.now() - t0) / 1000);
        caseNos.push(caseNo);
        progress.update(caseNos.length, cases, 'cases closed');
      }
    }),
  );
  const minutes = (performance.now() - started) / 60_000;
  // What a case costs the server, once its workflow has finished.
  const sample = caseNos.slice(0, 20);
  const costs = await Promise.all(
    sample.map(async (caseNo) => {
      const handle = stack.client.workflow.getHandle(complaintWorkflowId(caseNo));
      await handle.result();
      const description = await handle.describe();
      const history = await handle.fetchHistory();
      return { events: description.historyLength, bytes: Number(description.historySize), payloads: payloadBytes(history) };
    }),
  );
  await api.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  progress.note(`${round(cases / minutes)} cases/min`);
  const mean = (f: (c: (typeof costs)[number]) => number) => Math.round(costs.reduce((s, c) => s + f(c), 0) / costs.length);
  return {
    cases,
    concurrency,
    casesPerMinute: round(cases / minutes),
    p50Seconds: round(percentile(durations, 50), 2),
    p99Seconds: round(percentile(durations, 99), 2),
    historyEvents: mean((c) => c.events),
    historyBytes: mean((c) => c.bytes),
    payloadBytes: mean((c) => c.payloads),
  };
}
