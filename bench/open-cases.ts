import { and, count, eq, isNotNull, sql } from 'drizzle-orm';
import { cases, caseTimeline } from '../db/schema.js';
import { caseNoFor } from '../domain/case.js';
import { COMPLAINT_WORKFLOW_TYPE, complaintWorkflowId, type ComplaintWorkflowInput } from '../workflows/messages.js';
import { percentile, Progress, round } from './progress.js';
import { treeRssMiB, type BenchStack } from './stack.js';

export interface OpenCasesStep {
  openCases: number;
  /** Worker RSS is the sum over all worker processes. */
  startSeconds: number;
  startsPerSecond: number;
  settleSeconds: number;
  casesPerSecondSettled: number;
  workerRssMiB: number;
  temporalDbMiB: number;
  /** The read model's database (cases, timelines), on the same PostgreSQL server for both Temporal servers. */
  readModelMiB: number;
  probes: number;
  timerLatenessP50Ms: number;
  timerLatenessP99Ms: number;
}

const OPEN_PROCESS = 'bench-open';
const PROBE_PROCESS = 'bench-probe';
const PROBE_LIMIT_SECONDS = 20;

/** Starts cases `from`…`to - 1` of a process (ticket ids `<prefix><n>`) with raw workflow starts, `concurrency` at a time. */
export async function startCases(stack: BenchStack, processKey: string, prefix: string, from: number, to: number, concurrency: number, progress?: Progress): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < to) {
        const index = next++;
        const ticketId = `${prefix}${index}`;
        const caseNo = caseNoFor('bench', ticketId);
        const input: ComplaintWorkflowInput = {
          caseNo,
          receivedAt: new Date().toISOString(),
          process: { key: processKey },
          complaint: {
            source: 'bench',
            ticketId,
            title: 'Open case',
            description: 'Waiting to be signed for',
            category: 'neighbour-dispute',
            urgency: 'normal',
            location: { unitId: 'comm-heping-north' },
            citizen: { name: 'Bench Citizen', phone: '13800000000' },
          },
        };
        await stack.client.workflow.start(COMPLAINT_WORKFLOW_TYPE, { taskQueue: stack.taskQueue, workflowId: complaintWorkflowId(caseNo), args: [input] });
        if (index % 200 === 0) progress?.update(index - from, to - from, 'started');
      }
    }),
  );
}

/** Cases that the worker has fully set up: routed, deadline computed and timers running, projected. */
export async function settled(stack: BenchStack, processKey: string): Promise<number> {
  const [row] = await stack.database.db
    .select({ n: count() })
    .from(cases)
    .where(and(eq(cases.processKey, processKey), eq(cases.status, 'awaiting-sign'), isNotNull(cases.deadline)));
  return Number(row?.n ?? 0);
}

/**
 * Grows the number of open cases with live timers step by step (1k → 10k → 100k by default) and at each
 * step measures how long starting and settling took, the worker's memory, Temporal's database size, and
 * how late timers fire under that load (probe cases whose sign-for limit expires during the step).
 */
export async function benchOpenCases(stack: BenchStack, { steps = [1_000, 10_000, 100_000], concurrency = 32, probes = 100, workers: workerCount = 1 } = {}): Promise<OpenCasesStep[]> {
  await stack.deploy(OPEN_PROCESS, { all: 'PT6H' });
  await stack.deploy(PROBE_PROCESS, { all: 'PT6H', signFor: `PT${PROBE_LIMIT_SECONDS}S` });
  const workers = await stack.startWorkers(workerCount);
  const results: OpenCasesStep[] = [];
  let open = 0;
  for (const target of steps) {
    const progress = new Progress(`${stack.server} ${workerCount}w ${target.toLocaleString('en')}`);
    const t0 = performance.now();
    await startCases(stack, OPEN_PROCESS, 'O', open, target, concurrency, progress);
    const startSeconds = (performance.now() - t0) / 1000;
    for (;;) {
      const done = await settled(stack, OPEN_PROCESS);
      progress.update(done, target, 'settled (routed, timers running)');
      if (done >= target) break;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    const settleSeconds = (performance.now() - t0) / 1000;
    // Probes: their sign-for limit passes while the open cases sit on the server; lateness = when the
    // limit was seen missed minus the deadline.
    const probeFrom = results.length * probes;
    await startCases(stack, PROBE_PROCESS, 'P', probeFrom, probeFrom + probes, 8);
    const waitUntil = Date.now() + (PROBE_LIMIT_SECONDS + 60) * 1000;
    let lateness: number[] = [];
    while (Date.now() < waitUntil) {
      const rows = await stack.database.db
        .select({ at: caseTimeline.at, deadline: sql<string>`${caseTimeline.detail}->>'deadline'` })
        .from(caseTimeline)
        .where(and(eq(caseTimeline.action, 'deadline-missed'), sql`${caseTimeline.workflowId} like ${'complaint-bench-P%'}`, sql`substring(${caseTimeline.workflowId} from 18)::int >= ${probeFrom}`));
      lateness = rows.map((r) => r.at.getTime() - Date.parse(r.deadline));
      progress.update(lateness.length, probes, 'probe timers fired');
      if (lateness.length >= probes) break;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    results.push({
      openCases: target,
      startSeconds: round(startSeconds),
      startsPerSecond: round((target - open) / startSeconds),
      settleSeconds: round(settleSeconds),
      casesPerSecondSettled: round((target - open) / settleSeconds),
      workerRssMiB: round(workers.reduce((sum, w) => sum + treeRssMiB(w.child.pid!), 0)),
      temporalDbMiB: round(await stack.temporalDbMiB()),
      readModelMiB: round(Number((await stack.database.pool.query<{ bytes: string }>('SELECT pg_database_size(current_database())::text AS bytes')).rows[0]?.bytes ?? 0) / 1024 / 1024),
      probes: lateness.length,
      timerLatenessP50Ms: round(percentile(lateness, 50)),
      timerLatenessP99Ms: round(percentile(lateness, 99)),
    });
    progress.note(JSON.stringify(results.at(-1)));
    open = target;
  }
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  return results;
}
