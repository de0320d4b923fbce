import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import { buildIntoCache, runGo } from './go-build.js';
import type { Logger } from './logger.js';

/** The one place the Temporal CLI version is pinned (later tags carry `replace` directives and fail under `go install`). */
export const TEMPORAL_CLI_VERSION = '1.5.1';
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** Where the Temporal server for dev and tests comes from, in the order we look. */
export type TemporalServerSource =
  | { kind: 'external'; address: string }
  | { kind: 'executable'; path: string; origin: 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'go-build' }
  | { kind: 'sdk-download'; version: string };

/** True when `file` exists and this process may run it. */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` in the folders of a PATH string. */
export function findOnPath(name: string, envPath: string | undefined): string | undefined {
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

/** `go install` of the pinned CLI into the cache (see `buildIntoCache`: atomic, with progress). */
export async function buildTemporalCli({ go, target, logger }: { go: string; target: string; logger: Logger }): Promise<void> {
  const module = `${TEMPORAL_CLI_MODULE}@v${TEMPORAL_CLI_VERSION}`;
  await buildIntoCache({
    targetDir: path.dirname(target),
    outputs: [path.basename(target)],
    what: 'the Temporal CLI',
    logger,
    async build(scratch, log) {
      log.info({ module }, 'Building the Temporal CLI with go install (a few minutes the first time; cached afterwards)');
      await runGo({
        go,
        args: ['install', '-trimpath', `-ldflags=-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`, module],
        env: { GOBIN: scratch },
        logger: log,
      });
    },
  });
}
