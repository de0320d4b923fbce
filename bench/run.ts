/**
 * `npm run bench`: every benchmark against real servers started for the run, then BENCHMARKS.md with the
 * numbers, the machine, and the command to reproduce. Sections and sizes can be narrowed:
 * `npm run bench -- --sections intake,lifecycle --open 1000,10000 --read 100000`. Each section's figures are
 * kept in .cache/bench/results.json, so re-running one section rewrites the report with the others' last
 * figures (the report says when each was measured); `--report-only` rewrites the report from them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { projectRoot } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { cachedCliPath } from '../infra/temporal-cli.js';
import { benchIntake, type IntakeResult } from './intake.js';
import { benchLifecycle, type LifecycleResult } from './lifecycle.js';
import { benchOpenCases, type OpenCasesStep } from './open-cases.js';
import { benchReadModel, type ReadModelRow } from './read-model.js';
import { startBenchStack } from './stack.js';
import { benchWorkbench, workbenchReport, type WorkbenchResult } from './workbench.js';

const { values } = parseArgs({
  options: {
    sections: { type: 'string', default: 'intake,lifecycle,open,read,workbench' },
    open: { type: 'string', default: '1000,10000,100000' },
    read: { type: 'string', default: '100000,1000000' },
    seconds: { type: 'string', default: '10' },
    out: { type: 'string', default: path.join(projectRoot, 'BENCHMARKS.md') },
    'report-only': { type: 'boolean', default: false },
  },
});
const sections = new Set(values['report-only'] ? [] : values.sections.split(','));
const unknownSections = [...sections].filter((s) => !['intake', 'lifecycle', 'open', 'read', 'workbench'].includes(s));
if (unknownSections.length > 0) {
  process.stderr.write(`Unknown section(s): ${unknownSections.join(', ')} (choose from intake, lifecycle, open, read, workbench)\n`);
  process.exit(2);
}
const started = Date.now();
let intake: IntakeResult | undefined;
let lifecycle: LifecycleResult | undefined;
let open: OpenCasesStep[] = [];
let read: ReadModelRow[] = [];
let workbench: WorkbenchResult | undefined;
let postgresVersion = '';
const minute = (): string => new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
/** When each section of this run finished. */
const finished: Partial<Record<'intake' | 'lifecycle' | 'open' | 'read' | 'workbench', string>> = {};
if (sections.size > 0) {
  const stack = await startBenchStack(createLogger({ level: 'warn', name: 'bench' }));
  // Ctrl-C stops the servers and services this run started instead of leaving them behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping the benchmark's servers…\n`);
      void stack.stop().finally(() => process.exit(130));
    });
  }
  try {
    postgresVersion = String(((await stack.database.db.execute(sql`SHOW server_version`)).rows[0] as { server_version: string }).server_version);
    if (sections.has('intake')) {
      intake = await benchIntake(stack, { seconds: Number(values.seconds) });
      finished.intake = minute();
    }
    if (sections.has('lifecycle')) {
      lifecycle = await benchLifecycle(stack);
      finished.lifecycle = minute();
    }
    if (sections.has('open')) {
      open = await benchOpenCases(stack, { steps: values.open.split(',').map(Number) });
      finished.open = minute();
    }
    if (sections.has('read')) {
      read = await benchReadModel(stack, { sizes: values.read.split(',').map(Number) });
      finished.read = minute();
    }
    if (sections.has('workbench')) {
      workbench = await benchWorkbench(stack);
      finished.workbench = minute();
    }
  } finally {
    await stack.stop();
  }
}

/** Figures of every section, from this run or the last run that measured it. */
interface Saved<T> {
  measuredAt: string;
  command: string;
  result: T;
}
const resultsFile = path.join(projectRoot, '.cache', 'bench', 'results.json');
const saved: { postgresVersion?: string; intake?: Saved<IntakeResult>; lifecycle?: Saved<LifecycleResult>; open?: Saved<OpenCasesStep[]>; read?: Saved<ReadModelRow[]>; workbench?: Saved<WorkbenchResult> } = existsSync(resultsFile)
  ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as typeof saved)
  : {};
const args = process.argv.slice(2).join(' ');
const thisRun = { measuredAt: minute(), command: args ? `npm run bench -- ${args}` : 'npm run bench' };
const section = <T>(name: keyof typeof finished, result: T): Saved<T> => ({ measuredAt: finished[name] ?? thisRun.measuredAt, command: thisRun.command, result });
if (postgresVersion) saved.postgresVersion = postgresVersion;
if (intake) saved.intake = section('intake', intake);
if (lifecycle) saved.lifecycle = section('lifecycle', lifecycle);
if (open.length > 0) saved.open = section('open', open);
if (read.length > 0) saved.read = section('read', read);
if (workbench) saved.workbench = section('workbench', workbench);
mkdirSync(path.dirname(resultsFile), { recursive: true });
writeFileSync(resultsFile, JSON.stringify(saved, null, 1));
intake = saved.intake?.result;
lifecycle = saved.lifecycle?.result;
open = saved.open?.result ?? [];
read = saved.read?.result ?? [];
workbench = saved.workbench?.result;
const measured = (section: Saved<unknown> | undefined): string => (section ? `Measured with \`${section.command}\`; the section finished ${section.measuredAt}.` : '');

const temporalVersion = (() => {
  try {
    const cli = existsSync(cachedCliPath(path.join(projectRoot, '.cache'))) ? cachedCliPath(path.join(projectRoot, '.cache')) : 'temporal';
    return execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const table = (header: string[], rows: Array<Array<string | number>>) => [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const tuningFile = path.join(projectRoot, 'bench', 'TUNING.md');
const lines = [
  '# Benchmarks',
  '',
  values['report-only']
    ? `Written ${thisRun.measuredAt} from the kept figures; each section says when and how it was measured.`
    : `Written ${thisRun.measuredAt} after a ${Math.round((Date.now() - started) / 60_000)} min run of \`${thisRun.command}\`; each section says when and how it was measured.`,
  'Every comparison is between runs in this same session on this same machine: absolute numbers drift on a shared 2-core machine, ratios much less.',
  '',
  '## Machine',
  '',
  table(
    ['what', 'value'],
    [
      ['CPU', `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`],
      ['memory', `${Math.round(os.totalmem() / 1024 ** 3)} GiB`],
      ['OS', `${os.type()} ${os.release()}`],
      ['Node.js', process.version],
      ['Temporal', `${temporalVersion} (dev server, SQLite file, WAL, synchronous=OFF)`],
      ['PostgreSQL', `${saved.postgresVersion ?? 'unknown'} (embedded, fsync off)`],
    ],
  ),
  '',
];
if (intake) {
  lines.push(
    '## Intake: API against raw workflow starts',
    '',
    measured(saved.intake),
    `${intake.connections} concurrent connections, ${intake.rounds} alternating rounds of ${intake.seconds} s each; no worker running (intake only).`,
    'The baseline is `client.workflow.start` of the same workflow with the same options and payload encryption, from the same number of concurrent loops.',
    '',
    table(
      ['path', 'complaints/s', 'p50 ms', 'p99 ms', 'requests', 'errors'],
      [
        ['raw `workflow.start`', intake.raw.perSecond, intake.raw.p50Ms, intake.raw.p99Ms, intake.raw.requests, intake.raw.errors],
        ['`POST /v1/complaints`', intake.api.perSecond, intake.api.p50Ms, intake.api.p99Ms, intake.api.requests, intake.api.errors],
      ],
    ),
    '',
    `**API / raw = ${intake.ratio}** (target ≥ 0.8).`,
    '',
  );
}
if (lifecycle) {
  lines.push(
    '## Lifecycle: whole cases through the API',
    '',
    measured(saved.lifecycle),
    `${lifecycle.cases} cases, ${lifecycle.concurrency} at a time: file → routed → sign for → resolve → rate satisfied → closed.`,
    '',
    table(
      ['complete cases/min', 'p50 s per case', 'p99 s per case', 'history events per case', 'history bytes per case', 'payload bytes per case'],
      [[lifecycle.casesPerMinute, lifecycle.p50Seconds, lifecycle.p99Seconds, lifecycle.historyEvents, lifecycle.historyBytes, lifecycle.payloadBytes]],
    ),
    '',
  );
}
if (open.length > 0) {
  lines.push(
    '## Open cases with live timers',
    '',
    measured(saved.open),
    'Cases started with raw starts and left waiting to be signed for (two live timers each: the warning and the limit). "Settled" means routed,',
    'deadline computed, timers running and projected to PostgreSQL. Timer lateness: probe cases whose 20 s limit passes while the open cases',
    'sit on the server; lateness is when the engine saw the limit missed minus the deadline.',
    '',
    table(
      ['open cases', 'start s', 'starts/s', 'settled after s', 'cases/s settled', 'worker RSS MiB', 'Temporal DB MiB', 'timer lateness p50 ms', 'p99 ms'],
      open.map((s) => [s.openCases.toLocaleString('en'), s.startSeconds, s.startsPerSecond, s.settleSeconds, s.casesPerSecondSettled, s.workerRssMiB, s.temporalDbMiB, s.timerLatenessP50Ms, s.timerLatenessP99Ms]),
    ),
    '',
  );
  if (open.length > 1) {
    const first = open[0]!;
    const last = open.at(-1)!;
    const factor = last.openCases / first.openCases;
    const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
    // Each step starts only the cases it adds (1,000, then 9,000 more, …): its settle time follows those.
    const added = open.map((s, i) => s.openCases - (i > 0 ? open[i - 1]!.openCases : 0));
    const addedFactor = added.at(-1)! / added[0]!;
    const settleGrowth = last.settleSeconds / first.settleSeconds;
    const perAddedCase = settleGrowth / addedFactor;
    // The first step's file also holds whatever ran before it on the same server (intake, lifecycle).
    const dbKiBPerCase = ((last.temporalDbMiB - first.temporalDbMiB) * 1024) / (last.openCases - first.openCases);
    lines.push(
      '### Cost growth',
      '',
      table(
        ['figure', first.openCases.toLocaleString('en'), last.openCases.toLocaleString('en'), `growth (cases × ${factor})`],
        [
          ['seconds to settle the step', first.settleSeconds, last.settleSeconds, `× ${round(settleGrowth)}`],
          ['cases settled per second', first.casesPerSecondSettled, last.casesPerSecondSettled, `× ${round(last.casesPerSecondSettled / first.casesPerSecondSettled, 2)}`],
          ['worker RSS MiB', first.workerRssMiB, last.workerRssMiB, `× ${round(last.workerRssMiB / first.workerRssMiB)}`],
          ['Temporal DB MiB', first.temporalDbMiB, last.temporalDbMiB, `× ${round(last.temporalDbMiB / first.temporalDbMiB)}`],
          ['timer lateness p99 ms', first.timerLatenessP99Ms, last.timerLatenessP99Ms, '—'],
        ],
      ),
      '',
      `### Reading the cost growth (${first.openCases.toLocaleString('en')} → ${last.openCases.toLocaleString('en')} open cases)`,
      '',
      `The settle time of a step follows the cases *started in that step* (${added.map((n) => n.toLocaleString('en')).join(', ')}): × ${round(settleGrowth)} for × ${round(addedFactor)} new cases, ` +
        (perAddedCase <= 1.2
          ? `so the cost per case did not grow (× ${round(perAddedCase, 2)}; settle rate ${first.casesPerSecondSettled} → ${last.casesPerSecondSettled} cases/s).`
          : `so **the cost per case grew × ${round(perAddedCase, 2)}** (settle rate ${first.casesPerSecondSettled} → ${last.casesPerSecondSettled} cases/s): a super-linear step to explain.`),
      `Worker memory goes ${first.workerRssMiB} → ${last.workerRssMiB} MiB because the workflow cache (\`WORKER_MAX_CACHED_WORKFLOWS\`) bounds it: a case outside the`,
      'cache costs the worker nothing until its next event, when it replays its short history.',
      `Temporal's SQLite file grows by about ${Math.round(dbKiBPerCase)} KiB per open case added (history, mutable state, timers, visibility rows); the first`,
      "step's file also holds the cases of the sections that ran before it on the same server, so the file-size ratio in the table understates the per-case growth.",
      `Timer lateness p99 goes ${first.timerLatenessP99Ms} → ${last.timerLatenessP99Ms} ms: the server's timer queue finds due timers by fire time, not by scanning open`,
      'workflows, so lateness comes from CPU contention when the probes fire rather than from the number of open cases.',
      '',
    );
  }
}
if (read.length > 0) {
  lines.push(
    '## Read model',
    '',
    measured(saved.read),
    'List and statistics queries through `db/case-queries.ts` (what the API runs) on seeded read models; 30 runs each after one warm-up.',
    '',
    table(
      ['query', ...[...new Set(read.map((r) => r.rows))].flatMap((n) => [`p50 ms @ ${n / 1000}k`, `p95 ms @ ${n / 1000}k`])],
      [...new Set(read.map((r) => r.query))].map((q) => [q, ...read.filter((r) => r.query === q).flatMap((r) => [r.p50Ms, r.p95Ms])]),
    ),
    '',
  );
}
if (workbench) lines.push(...workbenchReport(workbench, measured(saved.workbench), table));
if (existsSync(tuningFile)) lines.push(readFileSync(tuningFile, 'utf8').trim(), '');
lines.push('## Reproduce', '', '```sh', 'npm ci && npm run bench', '```', '');
writeFileSync(values.out, lines.join('\n'));
process.stderr.write(`\nWrote ${values.out}\n`);
