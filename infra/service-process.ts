import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './config.js';

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** Resolves when a line of output matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * What a worker process starts with unless its environment says otherwise (docs/worker-tuning.md): glibc
 * keeps at most two malloc arenas instead of eight per core. The SDK's native side allocates from many
 * threads, and each arena keeps what was freed in it, so without the cap a worker holds about a quarter more
 * resident memory for the same cached cases. The C library reads it as the process starts, so whatever starts
 * a worker sets it: `npm run worker`, the dev runner, temporal-compose.yml, and {@link spawnService}.
 */
export const WORKER_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** The entries of {@link WORKER_PROCESS_ENV} that `env` does not set itself. */
export function workerEnvDefaults(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(WORKER_PROCESS_ENV).filter(([name]) => env[name] === undefined));
}

/** Entries that run a Temporal worker: `worker/main.ts`, and the benchmarks' own workers (`…/worker.ts`). */
const WORKER_ENTRY = /^worker\/|(^|\/)worker\.ts$/;

/** Runs one of the project's entry points (worker/main.ts, api/server.ts, scripts/dev.ts) as a real process. */
export function spawnService(entry: string, env: Record<string, string>, args: string[] = [], { logFile }: { logFile?: string } = {}): ServiceProcess {
  // Node itself with tsx as a loader, not the tsx CLI: the CLI runs the entry in a child process of its own,
  // so a SIGKILL (crash tests, chaos) would kill the wrapper and leave the real worker running as an orphan.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, entry), ...args], {
    cwd: projectRoot,
    env: { ...process.env, ...(WORKER_ENTRY.test(entry) ? workerEnvDefaults(process.env) : {}), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  const onData = (chunk: Buffer): void => {
    // Keep the tail only: long-running services (the chaos suite's) log a lot.
    output = (output + chunk.toString('utf8')).slice(-200_000);
    for (const waiter of waiters) {
      const match = output.split('\n').find((line) => waiter.pattern.test(line));
      if (match !== undefined) {
        waiters.delete(waiter);
        waiter.resolve(match);
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  // The whole output, appended (a restarted service adds to its file), for reading after a long run.
  if (logFile) {
    const file = createWriteStream(logFile, { flags: 'a' });
    child.stdout.pipe(file, { end: false });
    child.stderr.pipe(file, { end: false });
    child.once('exit', () => file.end());
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const existing = output.split('\n').find((line) => pattern.test(line));
        if (existing !== undefined) return resolve(existing);
        const waiter = { pattern, resolve };
        waiters.add(waiter);
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`${entry} did not print ${pattern} within ${timeoutMs} ms. Output:\n${output.slice(-3000)}`));
        }, timeoutMs);
        void exited.then(() => {
          if (!waiters.has(waiter)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          reject(new Error(`${entry} exited (code ${child.exitCode}) before printing ${pattern}. Output:\n${output.slice(-3000)}`));
        });
        const original = waiter.resolve;
        waiter.resolve = (line) => {
          clearTimeout(timer);
          original(line);
        };
      });
    },
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

/** The pids of a process's children, grandchildren and so on (Linux /proc). */
export function descendantPids(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i += 1) for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  return tree.slice(1);
}
