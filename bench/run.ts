/**
 * `npm run bench`: every benchmark against real servers started for the run, on both Temporal servers side
 * by side (the CLI's dev server on SQLite, temporal-server on PostgreSQL), with one and two worker (or API)
 * processes, and the same process on Flowable as the peer; then BENCHMARKS.md with the numbers, their
 * ratios, the machine and its load, and the command to reproduce. Sections and sizes can be narrowed:
 * `npm run bench -- --sections intake,lifecycle --servers postgres --open 1000,10000 --read 100000`. Each
 * section's figures are kept in .cache/bench/results.json, so re-running one section rewrites the report with
 * the others' last figures (the report says when each was measured); `--report-only` rewrites the report.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { projectRoot } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { EmbeddedPostgres, throwawayDataDir } from '../infra/postgres.js';
import { benchIntake } from './intake.js';
import { benchLifecycle } from './lifecycle.js';
import { benchOpenCases } from './open-cases.js';
import { benchFlowable } from './peers/flowable.js';
import { benchReadModel } from './read-model.js';
import { benchSimulate } from './simulate.js';
import { writeReport, type Results, type SectionName } from './report.js';
import { startBenchStack, type BenchServer, type BenchStack } from './stack.js';
import { benchWorkbench } from './workbench.js';

const { values } = parseArgs({
  options: {
    sections: { type: 'string', default: 'intake,lifecycle,open,read,peer,workbench,simulate' },
    servers: { type: 'string', default: 'dev,postgres' },
    open: { type: 'string', default: '1000,10000,100000' },
    'open-two-workers': { type: 'string', default: '1000,10000' },
    'peer-open': { type: 'string' },
    read: { type: 'string', default: '100000,1000000' },
    seconds: { type: 'string', default: '10' },
    out: { type: 'string', default: path.join(projectRoot, 'BENCHMARKS.md') },
    'report-only': { type: 'boolean', default: false },
    'city-days': { type: 'string', default: '365' },
    'city-threads': { type: 'string' },
  },
});
const SECTIONS: readonly SectionName[] = ['intake', 'lifecycle', 'open', 'read', 'peer', 'workbench', 'simulate'];
const sections = new Set(values['report-only'] ? [] : values.sections.split(','));
const servers = values.servers.split(',') as BenchServer[];
const problems = [
  ...[...sections].filter((s) => !(SECTIONS as readonly string[]).includes(s)).map((s) => `unknown section ${s} (choose from ${SECTIONS.join(', ')})`),
  ...servers.filter((s) => s !== 'dev' && s !== 'postgres').map((s) => `unknown server ${s} (choose from dev, postgres)`),
];
if (problems.length > 0) {
  process.stderr.write(`${problems.join('\n')}\n`);
  process.exit(2);
}
const steps = (list: string | undefined): number[] => (list ? list.split(',').filter(Boolean).map(Number) : []);

const resultsFile = path.join(projectRoot, '.cache', 'bench', 'results.json');
const loaded = existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Results & { version?: number }) : undefined;
// Figures kept by an earlier layout of this file (one server, one worker) are not comparable: start afresh.
const saved: Results = loaded?.version === 2 ? loaded : { version: 2 };
const args = process.argv.slice(2).join(' ');
const command = args ? `npm run bench -- ${args}` : 'npm run bench';
const minute = (): string => new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
const save = (): void => {
  mkdirSync(path.dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, JSON.stringify(saved, null, 1));
};
const started = Date.now();
// How loaded the shared machine was: the 1-minute load average, sampled through the run.
const load: number[] = [];
const sampler = setInterval(() => load.push(os.loadavg()[0]!), 30_000);
sampler.unref();
load.push(os.loadavg()[0]!);

const logger = createLogger({ level: 'warn', name: 'bench' });
let current: { stop(): Promise<void> } | undefined;
// Ctrl-C stops the servers and services this run started instead of leaving them behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping the benchmark's servers…\n`);
    void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}
async function withStack<T>(server: BenchServer, body: (stack: BenchStack) => Promise<T>): Promise<T> {
  const stack = await startBenchStack(logger, server);
  current = stack;
  try {
    if (!saved.postgresVersion) saved.postgresVersion = String(((await stack.database.db.execute(sql`SHOW server_version`)).rows[0] as { server_version: string }).server_version);
    return await body(stack);
  } finally {
    await stack.stop();
    current = undefined;
  }
}
const record = <K extends SectionName>(name: K, result: NonNullable<Results[K]>['result']): void => {
  (saved as unknown as Record<string, unknown>)[name] = { measuredAt: minute(), command, result };
  save();
};

const intake: NonNullable<Results['intake']>['result'] = [];
const lifecycle: NonNullable<Results['lifecycle']>['result'] = [];
const open: NonNullable<Results['open']>['result'] = [];
for (const server of servers) {
  if (!['intake', 'lifecycle', 'open', 'read', 'workbench'].some((s) => sections.has(s))) break;
  await withStack(server, async (stack) => {
    if (sections.has('intake')) for (const apis of [1, 2]) intake.push({ server, processes: apis, result: await benchIntake(stack, { seconds: Number(values.seconds), apis }) });
    if (sections.has('lifecycle')) for (const workers of [1, 2]) lifecycle.push({ server, processes: workers, result: await benchLifecycle(stack, { workers }) });
    if (sections.has('open')) open.push({ server, processes: 1, result: await benchOpenCases(stack, { steps: steps(values.open) }) });
    // The read model does not involve Temporal: measured once, on the first server's PostgreSQL.
    if (sections.has('read') && server === servers[0]) record('read', await benchReadModel(stack, { sizes: steps(values.read) }));
    // So is the workbench's first screen (the API and the read model).
    if (sections.has('workbench') && server === servers[0]) record('workbench', await benchWorkbench(stack));
  });
  // Kept after each server, so a failure later in the run loses nothing measured.
  if (intake.length > 0) record('intake', intake);
  if (lifecycle.length > 0) record('lifecycle', lifecycle);
  if (open.length > 0) record('open', open);
}
if (sections.has('open') && steps(values['open-two-workers']).length > 0) {
  for (const server of servers) {
    await withStack(server, async (stack) => open.push({ server, processes: 2, result: await benchOpenCases(stack, { steps: steps(values['open-two-workers']), workers: 2 }) }));
  }
}
if (open.length > 0) record('open', open);
if (sections.has('peer')) {
  const postgres = await EmbeddedPostgres.start({ dataDir: await throwawayDataDir(), persistent: false, database: 'jiesu', logger });
  current = { stop: () => postgres.destroy() };
  try {
    record('peer', await benchFlowable(postgres.url, { steps: steps(values['peer-open'] ?? values.open) }));
  } finally {
    await postgres.destroy();
  }
}
// The simulator needs no servers.
if (sections.has('simulate')) record('simulate', await benchSimulate({ cityDays: Number(values['city-days']), ...(values['city-threads'] ? { cityThreads: Number(values['city-threads']) } : {}) }));
clearInterval(sampler);
load.push(os.loadavg()[0]!);
if (sections.size > 0) {
  saved.run = { command, finishedAt: minute(), minutes: Math.round((Date.now() - started) / 60_000), loadMean: Math.round((load.reduce((a, b) => a + b, 0) / load.length) * 10) / 10, loadMax: Math.round(Math.max(...load) * 10) / 10 };
  save();
}
writeReport(saved, { out: values.out, reportOnly: values['report-only'] });
process.stderr.write(`\nWrote ${values.out}\n`);
