import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { cachedCliPath, resolveTemporalServer, TEMPORAL_CLI_VERSION } from '../../infra/temporal-cli.js';

const logger = createLogger({ level: 'silent', pretty: false });
let root: string;
let emptyCache: string;
let filledCache: string;
let binDir: string;

async function executable(file: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, '#!/bin/sh\necho temporal\n');
  await chmod(file, 0o755);
  return file;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'jiesu-cli-'));
  emptyCache = path.join(root, 'empty-cache');
  filledCache = path.join(root, 'cache');
  binDir = path.join(root, 'bin');
  await executable(cachedCliPath(filledCache));
  await executable(path.join(binDir, 'temporal'));
  await executable(path.join(root, 'explicit', 'temporal'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const configWith = (env: Record<string, string>) => loadConfig({ JIESU_CACHE_DIR: emptyCache, ...env });

describe('finding the Temporal server', () => {
  it('uses TEMPORAL_ADDRESS first', async () => {
    const config = configWith({ TEMPORAL_ADDRESS: 'temporal.example:7233', TEMPORAL_CLI_PATH: path.join(root, 'explicit', 'temporal') });
    expect(await resolveTemporalServer({ config, logger, envPath: binDir })).toEqual({ kind: 'external', address: 'temporal.example:7233' });
  });

  it('then TEMPORAL_CLI_PATH, and refuses one that is not executable', async () => {
    const explicit = path.join(root, 'explicit', 'temporal');
    expect(await resolveTemporalServer({ config: configWith({ TEMPORAL_CLI_PATH: explicit }), logger, envPath: binDir })).toEqual({
      kind: 'executable',
      path: explicit,
      origin: 'TEMPORAL_CLI_PATH',
    });
    await expect(resolveTemporalServer({ config: configWith({ TEMPORAL_CLI_PATH: path.join(root, 'nothing') }), logger, envPath: binDir })).rejects.toThrow(
      /not an executable/,
    );
  });

  it('then `temporal` on PATH', async () => {
    expect(await resolveTemporalServer({ config: configWith({}), logger, envPath: `${path.join(root, 'nope')}:${binDir}` })).toMatchObject({ origin: 'PATH' });
  });

  it('then the cached build of the pinned version', async () => {
    const result = await resolveTemporalServer({ config: configWith({ JIESU_CACHE_DIR: filledCache }), logger, envPath: path.join(root, 'nope') });
    expect(result).toEqual({ kind: 'executable', path: cachedCliPath(filledCache), origin: 'cache' });
    expect(cachedCliPath(filledCache)).toContain(`v${TEMPORAL_CLI_VERSION}`);
  });

  it('finally lets @temporalio/testing download it when there is neither a build nor Go', async () => {
    expect(await resolveTemporalServer({ config: configWith({}), logger, envPath: path.join(root, 'nope') })).toEqual({
      kind: 'sdk-download',
      version: TEMPORAL_CLI_VERSION,
    });
  });
});
