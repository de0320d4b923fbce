/**
 * `npm run bench:memory`: what one cached case costs the worker. Starts a Temporal server (the dev server,
 * or with `--server postgres` temporal-server on PostgreSQL), PostgreSQL and one worker (with its inspector
 * open) with a known workflow cache, opens cases that sit on long timers, and after each step forces a full
 * garbage collection and reads the worker's resident memory, the V8 heap of its workflow thread and of its
 * main thread, and how many workflows the cache holds. Per cached case =
 * (figure now − figure with an empty cache) ÷ cached workflows.
 *
 *   npm run bench:memory -- --open 3000,100000 --cache 5000 [--snapshot] [--settle-minutes 20] [--label after] [--server dev|postgres] [--workflow case|floor]
 *
 * `--workflow floor` runs, with the same worker options, bundle options and measurements, a trivial workflow
 * that only sleeps six hours (bench/floor/): what the SDK itself costs per cached workflow, the floor under
 * what a case can cost.
 * `--snapshot` also takes heap snapshots of the workflow thread with an empty cache and after the first
 * step, and prints where the bytes per cached case go (grouped by constructor, like DevTools' Summary);
 * keep that step small (`--open 300,3000`): a snapshot is summarised in memory.
 * Each run's figures are kept in .cache/bench/case-memory.json under its label.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { collectGarbage, evaluate, heapUsage, Inspector, summariseHeapSnapshot, takeHeapSnapshot, type HeapGroup, type InspectorTarget } from './inspector.js';
import { FLOOR_WORKFLOW_TYPE } from './floor/workflows.js';
import { settled, startCases } from './open-cases.js';
import { Progress, round } from './progress.js';
import { startBenchStack, treeRssMiB, type BenchServer } from './stack.js';

const { values } = parseArgs({
  options: {
    open: { type: 'string', default: '3000' },
    cache: { type: 'string', default: '5000' },
    snapshot: { type: 'boolean', default: false },
    'settle-minutes': { type: 'string', default: '120' },
    label: { type: 'string', default: 'current' },
    server: { type: 'string', default: 'dev' },
    workflow: { type: 'string', default: 'case' },
  },
});
const steps = values.open.split(',').map(Number);
const cacheSize = Number(values.cache);
const settleMinutes = Number(values['settle-minutes']);
const server = values.server as BenchServer;
const floor = values.workflow === 'floor';
if (!['dev', 'postgres'].includes(server) || !['case', 'floor'].includes(values.workflow) || steps.some((n, i) => !Number.isInteger(n) || n <= 0 || (i > 0 && n <= steps[i - 1]!)) || !Number.isInteger(cacheSize) || cacheSize <= 0 || !(settleMinutes > 0)) {
  process.stderr.write('Usage: npm run bench:memory -- --open 3000[,100000] (growing) --cache 5000 [--snapshot] [--settle-minutes 120] [--label name] [--server dev|postgres] [--workflow case|floor]\n');
  process.exit(2);
}

/** The worker's memory at one moment, after a forced full garbage collection. */
interface MemoryFigures {
  openCases: number;
  settledCases: number;
  cachedWorkflows: number;
  workerRssMiB: number;
  workflowHeapMiB: number;
  mainHeapMiB: number;
  /** What V8 holds from the system for both threads' heaps (used or not): the rest of the RSS is native memory. */
  heapsCommittedMiB: number;
  /** Seconds from the step's first start to the measurement. */
  seconds: number;
}

/** One step's figures and what they cost per cached case against the empty cache. */
interface MemoryStep extends MemoryFigures {
  rssKiBPerCachedCase: number;
  workflowHeapKiBPerCachedCase: number;
  heapKiBPerCachedCase: number;
}

const PROCESS_KEY = 'bench-memory';
// A snapshot's JSON is read whole: past a few hundred MiB of heap it outgrows what one string can hold.
const SNAPSHOT_LIMIT_MIB = 300;
const MiB = 1024 * 1024;
// The SDK's cache of live workflows in the workflow thread (internal, read through the inspector only).
const cachedWorkflowsExpression = `process.getBuiltinModule('node:module').createRequire(${JSON.stringify(`${projectRoot}/`)})('@temporalio/worker/lib/workflow/reusable-vm.js').ReusableVMWorkflowCreator.workflowByRunId.size`;

async function measure(pid: number, main: InspectorTarget, thread: InspectorTarget, openCases: number, settledCases: number, seconds: number): Promise<MemoryFigures> {
  // Twice: the first collection can leave objects that only the second one finds unreachable (weak maps, finalizers).
  for (let i = 0; i < 2; i += 1) {
    await collectGarbage(thread);
    await collectGarbage(main);
  }
  const [workflowHeap, mainHeap, cachedWorkflows] = await Promise.all([heapUsage(thread), heapUsage(main), evaluate<number>(thread, cachedWorkflowsExpression)]);
  return {
    openCases,
    settledCases,
    cachedWorkflows,
    workerRssMiB: round(treeRssMiB(pid)),
    workflowHeapMiB: round(workflowHeap.usedSize / MiB, 2),
    mainHeapMiB: round(mainHeap.usedSize / MiB, 2),
    heapsCommittedMiB: round((workflowHeap.totalSize + mainHeap.totalSize) / MiB, 1),
    seconds: round(seconds),
  };
}

async function snapshotSummary(thread: InspectorTarget, file: string): Promise<HeapGroup[]> {
  await takeHeapSnapshot(thread, file);
  const summary = summariseHeapSnapshot(JSON.parse(readFileSync(file, 'utf8')) as Parameters<typeof summariseHeapSnapshot>[0]);
  await rm(file, { force: true });
  return summary;
}

const table = (header: string[], rows: Array<Array<string | number>>): string =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** Starts floor workflows `from`…`to - 1`, 32 at a time. */
async function startFloorWorkflows(from: number, to: number, progress: Progress): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < to) {
        const index = next++;
        await stack.client.workflow.start(FLOOR_WORKFLOW_TYPE, { taskQueue: stack.taskQueue, workflowId: `floor-${index}`, args: [] });
        if (index % 200 === 0) progress.update(index - from, to - from, 'started');
      }
    }),
  );
}

const stack = await startBenchStack(createLogger({ level: 'warn', name: 'bench' }), server);
let stopping: Promise<void> | undefined;
const stopStack = (): Promise<void> => (stopping ??= stack.stop());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping the benchmark's servers…\n`);
    void stopStack().finally(() => process.exit(130));
  });
}
const results: MemoryStep[] = [];
let breakdown: Array<HeapGroup & { bytesPerCachedCase: number }> = [];
let empty: MemoryFigures;
try {
  if (!floor) await stack.deploy(PROCESS_KEY, { all: 'PT6H' });
  const worker = await stack.startWorker({ WORKER_MAX_CACHED_WORKFLOWS: String(cacheSize), NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:0`.trim() }, floor ? 'bench/floor/worker.ts' : 'worker/main.ts');
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(await worker.waitFor(/Debugger listening on ws:/))![1]!;
  const inspector = await Inspector.connect(url);
  try {
    const thread = await inspector.worker(/workflow-worker-thread/);
    const pid = worker.child.pid!;
    empty = await measure(pid, inspector.main, thread, 0, 0, 0);
    process.stderr.write(`empty cache    ${JSON.stringify(empty)}\n`);
    const snapshotFile = path.join(projectRoot, '.cache', 'bench', 'workflow-thread.heapsnapshot');
    mkdirSync(path.dirname(snapshotFile), { recursive: true });
    const emptySummary = values.snapshot ? await snapshotSummary(thread, snapshotFile) : [];
    let open = 0;
    for (const target of steps) {
      const progress = new Progress(`memory ${target.toLocaleString('en')}`);
      const t0 = performance.now();
      await (floor ? startFloorWorkflows(open, target, progress) : startCases(stack, PROCESS_KEY, 'M', open, target, 32, progress));
      const giveUpAt = Date.now() + settleMinutes * 60_000;
      let done = 0;
      for (;;) {
        // A floor workflow has settled once it sleeps in the cache; a case once it is routed and projected.
        done = floor ? await evaluate<number>(thread, cachedWorkflowsExpression) : await settled(stack, PROCESS_KEY);
        progress.update(done, target, 'settled (routed, timers running)');
        if (done >= target) break;
        if (Date.now() > giveUpAt) {
          progress.note(`stopped waiting after ${settleMinutes} min with ${done} of ${target} settled`);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
      // Let the last projections and their activities finish before reading the heap.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const now = await measure(pid, inspector.main, thread, target, done, (performance.now() - t0) / 1000);
      const per = (mib: number, base: number): number => round(((mib - base) * 1024) / Math.max(1, now.cachedWorkflows), 1);
      results.push({
        ...now,
        rssKiBPerCachedCase: per(now.workerRssMiB, empty.workerRssMiB),
        workflowHeapKiBPerCachedCase: per(now.workflowHeapMiB, empty.workflowHeapMiB),
        heapKiBPerCachedCase: per(now.workflowHeapMiB + now.mainHeapMiB, empty.workflowHeapMiB + empty.mainHeapMiB),
      });
      progress.note(JSON.stringify(results.at(-1)));
      if (values.snapshot && breakdown.length === 0 && now.workflowHeapMiB > SNAPSHOT_LIMIT_MIB) {
        progress.note(`no heap snapshot: a ${now.workflowHeapMiB} MiB heap is too large to summarise here; make the first step smaller (--open 300,3000)`);
      } else if (values.snapshot && breakdown.length === 0) {
        const before = new Map(emptySummary.map((g) => [g.name, g]));
        breakdown = (await snapshotSummary(thread, snapshotFile))
          .map((g) => ({ ...g, count: g.count - (before.get(g.name)?.count ?? 0), selfBytes: g.selfBytes - (before.get(g.name)?.selfBytes ?? 0) }))
          .map((g) => ({ ...g, bytesPerCachedCase: Math.round(g.selfBytes / Math.max(1, now.cachedWorkflows)) }))
          .sort((a, b) => b.selfBytes - a.selfBytes)
          .slice(0, 15);
      }
      open = target;
    }
  } finally {
    inspector.close();
  }
} finally {
  await stopStack();
}

const lines = [
  `${floor ? 'Floor (a workflow that only sleeps). ' : ''}Workflow cache ${cacheSize.toLocaleString('en')} (WORKER_MAX_CACHED_WORKFLOWS); empty cache: worker RSS ${empty!.workerRssMiB} MiB (V8 heaps committed ${empty!.heapsCommittedMiB} MiB), workflow-thread heap ${empty!.workflowHeapMiB} MiB, main-thread heap ${empty!.mainHeapMiB} MiB.`,
  '',
  table(
    ['open cases', 'settled', 'cached', 'measured after s', 'worker RSS MiB', 'V8 heaps committed MiB', 'workflow heap MiB', 'main heap MiB', 'RSS KiB / cached case', 'workflow heap KiB / cached case', 'V8 heap KiB / cached case'],
    results.map((r) => [
      r.openCases.toLocaleString('en'),
      r.settledCases.toLocaleString('en'),
      r.cachedWorkflows.toLocaleString('en'),
      r.seconds,
      r.workerRssMiB,
      r.heapsCommittedMiB,
      r.workflowHeapMiB,
      r.mainHeapMiB,
      r.rssKiBPerCachedCase,
      r.workflowHeapKiBPerCachedCase,
      r.heapKiBPerCachedCase,
    ]),
  ),
  '',
];
if (breakdown.length > 0) {
  lines.push(
    `Where the workflow thread's heap grew, first step against the empty cache (heap snapshot, top 15):`,
    '',
    table(
      ['group', 'objects added', 'bytes added', 'bytes per cached case'],
      breakdown.map((g) => [g.name.slice(0, 60).replaceAll('|', '\\|'), g.count, g.selfBytes, g.bytesPerCachedCase]),
    ),
    '',
  );
}
process.stdout.write(`\n${lines.join('\n')}\n`);
const resultsFile = path.join(projectRoot, '.cache', 'bench', 'case-memory.json');
const kept = existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown>) : {};
kept[values.label] = { measuredAt: new Date().toISOString(), server, workflow: values.workflow, cacheSize, empty: empty!, steps: results, breakdown };
writeFileSync(resultsFile, JSON.stringify(kept, null, 1));
process.stderr.write(`Kept in ${resultsFile} as "${values.label}"\n`);
