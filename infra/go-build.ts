import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from './logger.js';

/** What every Go build of ours runs with: static binaries, no VCS stamping, and Go's own build cache reused. */
export const GO_BUILD_ENV = { GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' } as const;

export interface GoCommand {
  go: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  logger: Logger;
}

/** Runs one `go` command, counting module downloads in the log; resolves with its stdout, rejects with the output's tail. */
export function runGo({ go, args, cwd, env = {}, logger }: GoCommand): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(go, args, { cwd, env: { ...process.env, ...GO_BUILD_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
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
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => chunk.toString('utf8').split('\n').forEach(onLine));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`go ${args[0]} failed with exit code ${code}:\n${tail.join('\n')}`));
    });
  });
}

export interface CachedBuild {
  /** The cache folder the build fills (one per pinned version). */
  targetDir: string;
  /** Files that must exist in `targetDir` once the build is done. */
  outputs: string[];
  /** What is built, for the log ("the Temporal CLI"). */
  what: string;
  logger: Logger;
  /** Fills `scratch` with what `targetDir` should hold. */
  build(scratch: string, logger: Logger): Promise<void>;
}

/**
 * A build that takes minutes, into the cache: it runs in a scratch folder beside `targetDir` that is
 * renamed into place once complete, so an interrupted or concurrent build never leaves half a folder
 * behind. Progress shows every 20 s even where the caller logs only warnings (bench, chaos, the test
 * setup); only 'silent' hides it.
 */
export async function buildIntoCache({ targetDir, outputs, what, logger: callerLogger, build }: CachedBuild): Promise<void> {
  const logger = callerLogger.isLevelEnabled('info') || callerLogger.level === 'silent' ? callerLogger : callerLogger.child({}, { level: 'info' });
  await mkdir(path.dirname(targetDir), { recursive: true });
  const scratch = await mkdtemp(`${targetDir}.build-`);
  const started = Date.now();
  const ticker = setInterval(() => {
    logger.info(`  … still building ${what} (${Math.round((Date.now() - started) / 1000)} s)`);
  }, 20_000);
  try {
    await build(scratch, logger);
    const missing = outputs.filter((file) => !existsSync(path.join(scratch, file)));
    if (missing.length > 0) throw new Error(`Building ${what} finished but ${missing.join(', ')} is missing`);
    await rm(targetDir, { recursive: true, force: true });
    await rename(scratch, targetDir);
    logger.info({ seconds: Math.round((Date.now() - started) / 1000), path: targetDir }, `Built ${what}`);
  } finally {
    clearInterval(ticker);
    await rm(scratch, { recursive: true, force: true });
  }
}
