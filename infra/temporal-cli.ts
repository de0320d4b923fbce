import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

/** The one place the Temporal CLI version is pinned (later tags carry `replace` directives and fail under `go install`). */
export const TEMPORAL_CLI_VERSION = '1.5.1';
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** Where the Temporal server for dev and tests comes from, in the order we look. */
export type TemporalServerSource =
  | { kind: 'external'; address: string }
  | { kind: 'executable'; path: string; origin: 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'go-build' }
  | { kind: 'sdk-download'; version: string };

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string, envPath: string | undefined): string | undefined {
  for (const dir of (envPath ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The cached CLI build for the pinned version. */
export function cachedCliPath(cacheDir: string): string {
  return path.join(cacheDir, 'temporal-cli', `v${TEMPORAL_CLI_VERSION}`, 'temporal');
}

export interface ResolveOptions {
  config: Pick<Config, 'temporal' | 'cacheDir'>;
  logger: Logger;
  /** PATH to search; defaults to this process's PATH. */
  envPath?: string;
  /** Skip the address check (tests and `dev` always want a server of their own unless told otherwise). */
  ignoreAddress?: boolean;
}

/**
 * Finds a Temporal server, never downloading one ourselves:
 * TEMPORAL_ADDRESS → TEMPORAL_CLI_PATH → `temporal` on PATH → cached build → `go install` into the cache
 * → let `@temporalio/testing` download the CLI (machines with normal internet access).
 */
export async function resolveTemporalServer({ config, logger, envPath = process.env.PATH, ignoreAddress = false }: ResolveOptions): Promise<TemporalServerSource> {
  if (!ignoreAddress && config.temporal.address !== undefined) {
    return { kind: 'external', address: config.temporal.address };
  }
  if (config.temporal.cliPath !== undefined) {
    if (!isExecutable(config.temporal.cliPath)) {
      throw new Error(`TEMPORAL_CLI_PATH=${config.temporal.cliPath} is not an executable file`);
    }
    return { kind: 'executable', path: config.temporal.cliPath, origin: 'TEMPORAL_CLI_PATH' };
  }
  const onPath = findOnPath('temporal', envPath);
  if (onPath !== undefined) return { kind: 'executable', path: onPath, origin: 'PATH' };

  const cached = cachedCliPath(config.cacheDir);
  if (isExecutable(cached)) return { kind: 'executable', path: cached, origin: 'cache' };

  const go = findOnPath('go', envPath);
  if (go !== undefined) {
    await buildTemporalCli({ go, target: cached, logger });
    return { kind: 'executable', path: cached, origin: 'go-build' };
  }
  logger.info('No Temporal CLI found and no Go toolchain: @temporalio/testing will download the CLI');
  return { kind: 'sdk-download', version: TEMPORAL_CLI_VERSION };
}

/**
 * `go install` of the pinned CLI into the cache. The build goes to a scratch folder and is renamed into
 * place, so an interrupted or concurrent build never leaves a half-written binary behind.
 */
export async function buildTemporalCli({ go, target, logger: callerLogger }: { go: string; target: string; logger: Logger }): Promise<void> {
  // The build takes minutes: its progress shows even where the caller logs only warnings (bench, chaos,
  // the test setup); only 'silent' hides it.
  const logger = callerLogger.isLevelEnabled('info') || callerLogger.level === 'silent' ? callerLogger : callerLogger.child({}, { level: 'info' });
  const targetDir = path.dirname(target);
  await mkdir(path.dirname(targetDir), { recursive: true });
  const scratch = await mkdtemp(`${targetDir}.build-`);
  const started = Date.now();
  logger.info(
    { module: `${TEMPORAL_CLI_MODULE}@v${TEMPORAL_CLI_VERSION}` },
    'Building the Temporal CLI with go install (a few minutes the first time; cached afterwards)',
  );
  const ticker = setInterval(() => {
    logger.info(`  … still building the Temporal CLI (${Math.round((Date.now() - started) / 1000)} s)`);
  }, 20_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        go,
        [
          'install',
          '-trimpath',
          `-ldflags=-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
          `${TEMPORAL_CLI_MODULE}@v${TEMPORAL_CLI_VERSION}`,
        ],
        { env: { ...process.env, GOBIN: scratch, GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let downloads = 0;
      const tail: string[] = [];
      const onLine = (line: string): void => {
        if (line.trim() === '') return;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        if (line.startsWith('go: downloading')) {
          downloads += 1;
          if (downloads % 25 === 1) logger.info(`  … downloading Go modules (${downloads} so far)`);
        }
      };
      const split = (chunk: Buffer): void => chunk.toString('utf8').split('\n').forEach(onLine);
      child.stdout.on('data', split);
      child.stderr.on('data', split);
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) resolve();
        else reject(new Error(`go install failed with exit code ${code}:\n${tail.join('\n')}`));
      });
    });
    await rm(targetDir, { recursive: true, force: true });
    await rename(scratch, targetDir);
    if (!existsSync(target)) throw new Error(`go install finished but ${target} is missing`);
    logger.info({ seconds: Math.round((Date.now() - started) / 1000), path: target }, 'Temporal CLI built');
  } finally {
    clearInterval(ticker);
    await rm(scratch, { recursive: true, force: true });
  }
}
