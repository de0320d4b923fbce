import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../infra/config.js';
import { cachedCliPath } from '../infra/temporal-cli.js';
import { TEMPORAL_SERVER_SETTINGS } from '../infra/temporal-postgres.js';
import { TEMPORAL_SERVER_VERSION } from '../infra/temporal-server-build.js';
import type { IntakeResult } from './intake.js';
import type { LifecycleResult } from './lifecycle.js';
import type { OpenCasesStep } from './open-cases.js';
import type { FlowableResult } from './peers/flowable.js';
import { round } from './progress.js';
import type { ReadModelRow } from './read-model.js';
import type { SimulateResult } from './simulate.js';
import type { BenchServer } from './stack.js';
import { workbenchReport, type WorkbenchResult } from './workbench.js';

export type SectionName = 'intake' | 'lifecycle' | 'open' | 'read' | 'peer' | 'workbench' | 'simulate';

/** One configuration of a section: which Temporal server, and how many worker (or, for intake, API) processes. */
export interface Variant<T> {
  server: BenchServer;
  processes: number;
  result: T;
}

/** Figures of a section, from this run or the last run that measured it. */
export interface Saved<T> {
  measuredAt: string;
  command: string;
  result: T;
}

/** What `.cache/bench/results.json` keeps between runs. */
export interface Results {
  version: 2;
  postgresVersion?: string;
  run?: { command: string; finishedAt: string; minutes: number; loadMean: number; loadMax: number };
  intake?: Saved<Array<Variant<IntakeResult>>>;
  lifecycle?: Saved<Array<Variant<LifecycleResult>>>;
  open?: Saved<Array<Variant<OpenCasesStep[]>>>;
  read?: Saved<ReadModelRow[]>;
  peer?: Saved<FlowableResult>;
  workbench?: Saved<WorkbenchResult>;
  simulate?: Saved<SimulateResult>;
}

const SERVER_NAMES: Record<BenchServer, string> = { dev: 'dev server (SQLite)', postgres: 'temporal-server on PostgreSQL' };
const table = (header: string[], rows: Array<Array<string | number>>): string =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
/** `value / baseline` as "× 1.23", or "—" without a baseline. */
const ratio = (value: number | undefined, baseline: number | undefined, digits = 2): string =>
  value === undefined || baseline === undefined || !Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0 ? '—' : `× ${round(value / baseline, digits)}`;
const measured = (section: Saved<unknown> | undefined): string => (section ? `Measured with \`${section.command}\`; the section finished ${section.measuredAt}.` : '');
const label = (v: Variant<unknown>, what: string): string => `${SERVER_NAMES[v.server]}, ${v.processes} ${what}${v.processes > 1 ? (what === 'API' ? 's' : 's') : ''}`;
const find = <T>(variants: Array<Variant<T>> | undefined, server: BenchServer, processes: number): T | undefined => variants?.find((v) => v.server === server && v.processes === processes)?.result;

function temporalVersion(): string {
  try {
    const cached = cachedCliPath(path.join(projectRoot, '.cache'));
    return execFileSync(existsSync(cached) ? cached : 'temporal', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function intakeSection(saved: Results['intake']): string[] {
  const variants = saved?.result ?? [];
  if (variants.length === 0) return [];
  const base = find(variants, 'dev', 1);
  const first = variants[0]!.result;
  return [
    '## Intake: API against raw workflow starts',
    '',
    measured(saved),
    `${first.connections} concurrent connections (split across the API processes), ${first.rounds} alternating rounds of ${first.seconds} s each; no worker running (intake only).`,
    'The baseline is `client.workflow.start` of the same workflow with the same options and payload encryption, from the same number of concurrent loops.',
    'Ratios in the last two columns are against the dev server with one API process.',
    '',
    table(
      ['server, API processes', 'raw starts/s', 'API complaints/s', 'API p50 ms', 'API p99 ms', 'errors', 'API / raw', 'raw vs dev', 'API vs dev'],
      variants.map((v) => [label(v, 'API'), v.result.raw.perSecond, v.result.api.perSecond, v.result.api.p50Ms, v.result.api.p99Ms, v.result.raw.errors + v.result.api.errors, v.result.ratio, ratio(v.result.raw.perSecond, base?.raw.perSecond), ratio(v.result.api.perSecond, base?.api.perSecond)]),
    ),
    '',
  ];
}

function lifecycleSection(saved: Results['lifecycle']): string[] {
  const variants = saved?.result ?? [];
  if (variants.length === 0) return [];
  const base = find(variants, 'dev', 1);
  const first = variants[0]!.result;
  return [
    '## Lifecycle: whole cases through the API',
    '',
    measured(saved),
    `${first.cases} cases, ${first.concurrency} at a time: file → routed → sign for → resolve → rate satisfied → closed. Ratios against the dev server with one worker.`,
    '',
    table(
      ['server, workers', 'complete cases/min', 'vs dev', 'p50 s per case', 'p99 s per case', 'history events per case', 'history bytes per case', 'payload bytes per case'],
      variants.map((v) => [label(v, 'worker'), v.result.casesPerMinute, ratio(v.result.casesPerMinute, base?.casesPerMinute), v.result.p50Seconds, v.result.p99Seconds, v.result.historyEvents, v.result.historyBytes, v.result.payloadBytes]),
    ),
    '',
  ];
}

/** KiB of a store per open case added between the first and the last step. */
const kibPerCase = (steps: Array<{ openCases: number }>, mib: (s: never) => number): number | undefined => {
  if (steps.length < 2) return undefined;
  const first = steps[0]!;
  const last = steps.at(-1)!;
  return round(((mib(last as never) - mib(first as never)) * 1024) / (last.openCases - first.openCases), 1);
};

function openSection(saved: Results['open']): string[] {
  const variants = saved?.result ?? [];
  if (variants.length === 0) return [];
  const baseSteps = find(variants, 'dev', 1) ?? [];
  const lines = [
    '## Open cases with live timers',
    '',
    measured(saved),
    'Cases started with raw starts and left waiting to be signed for (two live timers each: the warning and the limit). "Settled" means routed,',
    'deadline computed, timers running and projected to PostgreSQL. Timer lateness: probe cases whose 20 s limit passes while the open cases',
    'sit on the server; lateness is when the engine saw the limit missed minus the deadline. Worker RSS is the sum over the worker processes.',
    '"vs dev" compares the settle rate with the dev server and one worker at the same number of open cases.',
    '',
    table(
      ['server, workers', 'open cases', 'starts/s', 'cases/s settled', 'vs dev', 'worker RSS MiB', 'Temporal DB MiB', 'read model MiB', 'timer lateness p50 ms', 'p99 ms'],
      variants.flatMap((v) =>
        v.result.map((s) => {
          const base = baseSteps.find((b) => b.openCases === s.openCases);
          return [label(v, 'worker'), s.openCases.toLocaleString('en'), s.startsPerSecond, s.casesPerSecondSettled, ratio(s.casesPerSecondSettled, base?.casesPerSecondSettled), s.workerRssMiB, s.temporalDbMiB, s.readModelMiB, s.timerLatenessP50Ms, s.timerLatenessP99Ms];
        }),
      ),
    ),
    '',
  ];
  const dev = find(variants, 'dev', 1);
  const pg = find(variants, 'postgres', 1);
  if (dev && pg) {
    const last = Math.min(dev.at(-1)!.openCases, pg.at(-1)!.openCases);
    const d = dev.find((s) => s.openCases === last)!;
    const p = pg.find((s) => s.openCases === last)!;
    lines.push(
      `### Dev server against temporal-server on PostgreSQL at ${last.toLocaleString('en')} open cases (one worker)`,
      '',
      table(
        ['figure', 'dev server', 'PostgreSQL server', 'PostgreSQL / dev'],
        [
          ['starts/s', d.startsPerSecond, p.startsPerSecond, ratio(p.startsPerSecond, d.startsPerSecond)],
          ['cases/s settled', d.casesPerSecondSettled, p.casesPerSecondSettled, ratio(p.casesPerSecondSettled, d.casesPerSecondSettled)],
          ['worker RSS MiB', d.workerRssMiB, p.workerRssMiB, ratio(p.workerRssMiB, d.workerRssMiB)],
          ['Temporal store KiB per open case', kibPerCase(dev, (s: OpenCasesStep) => s.temporalDbMiB) ?? '—', kibPerCase(pg, (s: OpenCasesStep) => s.temporalDbMiB) ?? '—', ratio(kibPerCase(pg, (s: OpenCasesStep) => s.temporalDbMiB), kibPerCase(dev, (s: OpenCasesStep) => s.temporalDbMiB))],
          ['timer lateness p50 ms', d.timerLatenessP50Ms, p.timerLatenessP50Ms, ratio(p.timerLatenessP50Ms, d.timerLatenessP50Ms)],
          ['timer lateness p99 ms', d.timerLatenessP99Ms, p.timerLatenessP99Ms, ratio(p.timerLatenessP99Ms, d.timerLatenessP99Ms)],
        ],
      ),
      '',
      `At ${last.toLocaleString('en')} open cases temporal-server on PostgreSQL settled ${p.casesPerSecondSettled} cases/s against the dev server's ${d.casesPerSecondSettled} (${ratio(p.casesPerSecondSettled, d.casesPerSecondSettled)}), ` +
        `with timer lateness p99 ${p.timerLatenessP99Ms} ms against ${d.timerLatenessP99Ms} ms. Why: the next section.`,
      '',
    );
  }
  if (pg && pg.length > 0) {
    const top = pg.at(-1)!;
    const rssOk = top.workerRssMiB < 1024;
    const latenessOk = top.timerLatenessP99Ms < 1000;
    lines.push(
      `**Budget on the PostgreSQL server at ${top.openCases.toLocaleString('en')} open cases:** worker RSS ${top.workerRssMiB} MiB (budget 1 GiB: ${rssOk ? 'within' : '**over**'}), ` +
        `timer lateness p99 ${top.timerLatenessP99Ms} ms (target under 1 s: ${latenessOk ? 'met' : '**missed**'}).`,
      '',
    );
  }
  for (const server of ['dev', 'postgres'] as const) {
    const one = find(variants, server, 1);
    const two = find(variants, server, 2);
    if (!one || !two) continue;
    const common = two.filter((s) => one.some((o) => o.openCases === s.openCases));
    if (common.length === 0) continue;
    lines.push(
      `### One worker against two, ${SERVER_NAMES[server]}`,
      '',
      table(
        ['open cases', 'cases/s settled, 1 worker', '2 workers', '2 / 1', 'worker RSS MiB, 1 worker', '2 workers', '2 / 1', 'timer lateness p99 ms, 1 worker', '2 workers'],
        common.map((t) => {
          const o = one.find((s) => s.openCases === t.openCases)!;
          return [t.openCases.toLocaleString('en'), o.casesPerSecondSettled, t.casesPerSecondSettled, ratio(t.casesPerSecondSettled, o.casesPerSecondSettled), o.workerRssMiB, t.workerRssMiB, ratio(t.workerRssMiB, o.workerRssMiB), o.timerLatenessP99Ms, t.timerLatenessP99Ms];
        }),
      ),
      '',
    );
  }
  return lines;
}

function peerSection(saved: Results['peer'], open: Results['open'], intake: Results['intake'], lifecycle: Results['lifecycle']): string[] {
  const peer = saved?.result;
  if (!peer) return [];
  const jiesu = find(open?.result, 'postgres', 1) ?? [];
  const jiesuIntake = find(intake?.result, 'postgres', 1);
  const jiesuLifecycle = find(lifecycle?.result, 'postgres', 1);
  const last = Math.min(jiesu.at(-1)?.openCases ?? Infinity, peer.open.at(-1)?.openCases ?? Infinity);
  const j = jiesu.find((s) => s.openCases === last);
  const f = peer.open.find((s) => s.openCases === last);
  const jiesuDb = kibPerCase(jiesu, (s: OpenCasesStep) => s.temporalDbMiB + s.readModelMiB);
  const flowableDb = kibPerCase(peer.open, (s: FlowableResult['open'][number]) => s.dbMiB);
  const winner = (jiesuValue: number | undefined, flowableValue: number | undefined, higherIsBetter: boolean): string => {
    if (jiesuValue === undefined || flowableValue === undefined || !Number.isFinite(jiesuValue) || !Number.isFinite(flowableValue)) return '—';
    if (jiesuValue === flowableValue) return 'even';
    return (flowableValue > jiesuValue) === higherIsBetter ? '**Flowable**' : 'Jiesu';
  };
  const rows: Array<[string, number | undefined, number | undefined, boolean]> = [
    ['intake: cases started per second (Jiesu: raw workflow starts, 32 loops, intake section; Flowable: process starts, 32 threads, last open step)', jiesuIntake?.raw.perSecond, f?.startsPerSecond, true],
    ['intake through Jiesu\'s API (HTTP, validation, auth) against Flowable\'s in-process start', jiesuIntake?.api.perSecond, f?.startsPerSecond, true],
    [`cases settled per second at ${last.toLocaleString('en')} open`, j?.casesPerSecondSettled, f?.casesPerSecondSettled, true],
    ['whole cases per minute (Jiesu through its API, Flowable in process)', jiesuLifecycle?.casesPerMinute, peer.lifecycle?.casesPerMinute, true],
    [`memory MiB at ${last.toLocaleString('en')} open (Jiesu: worker RSS; Flowable: JVM RSS, 1 GiB heap)`, j?.workerRssMiB, f?.rssMiB, false],
    ['timer lateness p50 ms', j?.timerLatenessP50Ms, f?.timerLatenessP50Ms, false],
    ['timer lateness p99 ms', j?.timerLatenessP99Ms, f?.timerLatenessP99Ms, false],
    ['database KiB per open case (Jiesu: Temporal\'s two databases + the read model)', jiesuDb, flowableDb, false],
  ];
  return [
    `## The peer: Flowable ${peer.version} on the same workload`,
    '',
    measured(saved),
    `Flowable ${peer.version} embedded (${peer.java}) with PostgreSQL ${'(a database of its own on the same embedded server)'}; Jiesu on temporal-server ${TEMPORAL_SERVER_VERSION} on PostgreSQL with one worker, from the sections above.`,
    'The harness and what it does and does not do are described in `bench/peers/README.md`.',
    '',
    table(
      ['figure', 'Jiesu', 'Flowable', 'Flowable / Jiesu', 'better'],
      rows.map(([what, jv, fv, higher]) => [what, jv ?? '—', fv ?? '—', ratio(fv, jv), winner(jv, fv, higher)]),
    ),
    '',
    ...[
      ['**Flowable wins** on', '**Flowable**'],
      ['Jiesu wins on', 'Jiesu'],
    ].flatMap(([lead, who]) => {
      const won = rows.filter(([, jv, fv, higher]) => winner(jv, fv, higher) === who).map(([what]) => what.replace(/ \(.*\)$/, ''));
      return won.length > 0 ? [`${lead}: ${won.join('; ')}.`, ''] : [];
    }),
    table(
      ['Flowable open cases', 'starts/s (= settled)', 'JVM RSS MiB', 'heap in use MiB', 'database MiB', 'timer lateness p50 ms', 'p99 ms'],
      peer.open.map((s) => [s.openCases.toLocaleString('en'), s.startsPerSecond, s.rssMiB, s.heapUsedMiB, s.dbMiB, s.timerLatenessP50Ms, s.timerLatenessP99Ms]),
    ),
    '',
  ];
}

function simulateSection(saved: Results['simulate']): string[] {
  const runs = saved?.result.runs ?? [];
  if (runs.length === 0) return [];
  const base = runs[0]!;
  const city = runs.find((r) => (r.districts ?? 1) > 1);
  return [
    '## Simulator: the case engine on a virtual clock',
    '',
    measured(saved),
    'One variant of `scenarios/gusu-list-change.yaml` (`after`), no servers: every case runs through the same case engine and process',
    'definition as the workflow (`sim/`, docs/simulation.md), with the working-day calendar, unit queues, the figures and the monthly evaluations.',
    'The district month runs on one core.',
    ...(city
      ? [
          `The city is ${city.districts} independent districts of the same shape (8 streets of 20 communities, 5 departments each; ${city.units.toLocaleString('en')} units), 1,000,000 cases a year between them, staffed so their queues stay level over the year (\`bench/simulate.ts\`),`,
          `run on ${city.threads} worker thread${city.threads === 1 ? '' : 's'} and merged (\`sim/city.ts\`: the same seed gives the same city whatever the number of threads). \`--city-days 365\` is the default; fewer days give a shorter run, with the limit scaled alike. Its speed is against the district month of the same run.`,
        ]
      : []),
    '"Open at end": cases still open when the run stopped, its drain days after the last arrival (the district month runs Gusu\'s own staff, who fall behind after the list change).',
    'Seconds are wall-clock on the shared machine; CPU seconds are what the run itself used (all its threads); load is the 1-minute load average sampled during the run (2 cores, shared).',
    '',
    table(
      ['run', 'cases', 'open at end', 'simulated days', 'units', 'threads', 'seconds', 'CPU seconds', 'limit s', 'cases/s', 'vs district month', 'peak RSS MiB', 'load (mean, max)'],
      runs.map((r) => [
        r.name,
        r.cases.toLocaleString('en'),
        r.openAtEnd?.toLocaleString('en') ?? 'unknown',
        r.simulatedDays,
        r.units,
        r.threads ?? 1,
        r.seconds,
        r.cpuSeconds,
        r.limitSeconds,
        r.casesPerSecond.toLocaleString('en'),
        ratio(r.casesPerSecond, base.casesPerSecond),
        r.peakRssMiB,
        r.loadMean === undefined ? 'unknown' : `${r.loadMean}, ${r.loadMax}`,
      ]),
    ),
    '',
  ];
}

function readSection(saved: Results['read']): string[] {
  const read = saved?.result ?? [];
  if (read.length === 0) return [];
  return [
    '## Read model',
    '',
    measured(saved),
    'List and statistics queries through `db/case-queries.ts` (what the API runs) on seeded read models; 30 runs each after one warm-up.',
    'The read model is plain PostgreSQL and never touches Temporal, so it is measured once, not per Temporal server.',
    '',
    table(
      ['query', ...[...new Set(read.map((r) => r.rows))].flatMap((n) => [`p50 ms @ ${n / 1000}k`, `p95 ms @ ${n / 1000}k`])],
      [...new Set(read.map((r) => r.query))].map((q) => [q, ...read.filter((r) => r.query === q).flatMap((r) => [r.p50Ms, r.p95Ms])]),
    ),
    '',
  ];
}

/** Writes BENCHMARKS.md from the kept figures, with the explanations in bench/SERVERS.md and bench/TUNING.md. */
export function writeReport(saved: Results, { out, reportOnly }: { out: string; reportOnly: boolean }): void {
  const { run } = saved;
  const lines = [
    '# Benchmarks',
    '',
    !run
      ? 'Written from the kept figures; each section says when and how it was measured.'
      : `${reportOnly ? 'Rewritten from the kept figures of' : 'Written after'} a ${run.minutes} min run of \`${run.command}\` that finished ${run.finishedAt}; each section says when and how it was measured.`,
    'Every comparison is between runs in this same session on this same machine: absolute numbers drift on a shared 2-core machine, ratios much less.',
    '',
    '## Machine',
    '',
    table(
      ['what', 'value'],
      [
        ['CPU', `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`],
        ['memory', `${Math.round(os.totalmem() / 1024 ** 3)} GiB`],
        ['load during the run', run ? `1-minute load average ${run.loadMean} on average, ${run.loadMax} at most (2 cores; the machine is shared)` : 'unknown'],
        ['OS', `${os.type()} ${os.release()}`],
        ['Node.js', process.version],
        ['Temporal dev server', `${temporalVersion()}: one SQLite file, WAL, synchronous=OFF`],
        ['Temporal server', `temporal-server ${TEMPORAL_SERVER_VERSION}, ${TEMPORAL_SERVER_SETTINGS.historyShards} history shards, persistence and visibility in PostgreSQL (the same server as the read model)`],
        ['PostgreSQL', `${saved.postgresVersion ?? 'unknown'} (embedded, fsync off)`],
      ],
    ),
    '',
    ...intakeSection(saved.intake),
    ...lifecycleSection(saved.lifecycle),
    ...openSection(saved.open),
    ...peerSection(saved.peer, saved.open, saved.intake, saved.lifecycle),
    ...readSection(saved.read),
    ...(saved.workbench ? workbenchReport(saved.workbench.result, measured(saved.workbench), table) : []),
    ...simulateSection(saved.simulate),
  ];
  for (const file of ['SERVERS.md', 'TUNING.md']) {
    const explanation = path.join(projectRoot, 'bench', file);
    if (existsSync(explanation)) lines.push(readFileSync(explanation, 'utf8').trim(), '');
  }
  lines.push('## Reproduce', '', '```sh', 'npm ci && npm run bench', '```', '');
  writeFileSync(out, lines.join('\n'));
}
