import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { projectRoot } from '../../infra/config.js';
import { findOnPath } from '../../infra/temporal-cli.js';
import { Progress } from '../progress.js';

/** The Flowable version the peer runs (bench/peers/flowable/pom.xml says the same). */
export const FLOWABLE_VERSION = '7.1.0';
const HARNESS = path.join(projectRoot, 'bench', 'peers', 'flowable');

export interface FlowableLifecycle {
  cases: number;
  concurrency: number;
  casesPerMinute: number;
  p50Seconds: number;
  p99Seconds: number;
}

export interface FlowableOpenStep {
  openCases: number;
  startSeconds: number;
  startsPerSecond: number;
  settleSeconds: number;
  casesPerSecondSettled: number;
  rssMiB: number;
  heapUsedMiB: number;
  dbMiB: number;
  probes: number;
  timerLatenessP50Ms: number;
  timerLatenessP99Ms: number;
}

export interface FlowableResult {
  version: string;
  java: string;
  lifecycle: FlowableLifecycle | undefined;
  open: FlowableOpenStep[];
}

/** Newest modification time under a folder. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(file) : statSync(file).mtimeMs);
  }
  return latest;
}

function run(command: string, args: string[], cwd: string, onStdout?: (line: string) => void, onStderr?: (line: string) => void, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let tail = '';
    const lines = (handler: ((line: string) => void) | undefined) => {
      let buffered = '';
      return (chunk: Buffer): void => {
        const text = chunk.toString('utf8');
        tail = (tail + text).slice(-4000);
        buffered += text;
        const parts = buffered.split('\n');
        buffered = parts.pop()!;
        for (const line of parts) if (line.trim() !== '') handler?.(line);
      };
    };
    child.stdout.on('data', lines(onStdout));
    child.stderr.on('data', lines(onStderr));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(tail) : reject(new Error(`${command} ${args.join(' ')} failed with exit code ${code}:\n${tail}`))));
  });
}

/** `mvn package` of the harness when its build is missing or older than its sources; Maven downloads Flowable the first time. */
async function buildHarness(): Promise<void> {
  const built = path.join(HARNESS, 'target', 'lib');
  if (existsSync(built) && statSync(built).mtimeMs > Math.max(newest(path.join(HARNESS, 'src')), statSync(path.join(HARNESS, 'pom.xml')).mtimeMs)) return;
  const mvn = findOnPath('mvn', process.env.PATH);
  if (!findOnPath('java', process.env.PATH) || !mvn) throw new Error('The Flowable peer needs Java 17+ and Maven on PATH (apt-get install openjdk-17-jdk-headless maven), or leave the peer section out');
  const progress = new Progress('flowable build');
  progress.note(`mvn package of bench/peers/flowable (Flowable ${FLOWABLE_VERSION}; Maven downloads it the first time)`);
  await run(mvn, ['-B', '-q', 'package', '-DskipTests'], HARNESS);
}

/**
 * The peer: the same process on Flowable embedded with PostgreSQL, in a database of its own on the bench's
 * PostgreSQL server, run by the Java harness in bench/peers/flowable. The JVM gets the worker's memory
 * budget (1 GiB heap).
 */
export async function benchFlowable(databaseUrl: string, { steps, lifecycleCases = 200, probes = 100 }: { steps: number[]; lifecycleCases?: number; probes?: number }): Promise<FlowableResult> {
  await buildHarness();
  const url = new URL(databaseUrl);
  const database = `flowable_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const java = (await run('java', ['-version'], HARNESS)).split('\n')[0]?.trim() ?? 'java';
  const result: FlowableResult = { version: FLOWABLE_VERSION, java, lifecycle: undefined, open: [] };
  const progress = new Progress('flowable');
  try {
    const classpath = `${path.join(HARNESS, 'target', 'classes')}:${path.join(HARNESS, 'target', 'lib', '*')}`;
    await run(
      'java',
      ['-Xmx1g', '-cp', classpath, 'jiesu.bench.Harness', '--jdbc', `jdbc:postgresql://${url.hostname}:${url.port || 5432}/${database}`, '--user', decodeURIComponent(url.username),
        '--lifecycle', String(lifecycleCases), '--steps', steps.join(','), '--probes', String(probes)],
      HARNESS,
      (line) => {
        const parsed = JSON.parse(line) as { kind: string } & Record<string, number>;
        if (parsed.kind === 'lifecycle') result.lifecycle = parsed as unknown as FlowableLifecycle;
        else result.open.push(parsed as unknown as FlowableOpenStep);
        progress.note(line);
      },
      (line) => process.stderr.write(`${line}\n`),
      { FLOWABLE_JDBC_PASSWORD: decodeURIComponent(url.password) },
    );
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
  return result;
}
