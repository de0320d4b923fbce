import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig, projectRoot } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { resolveTemporalServer } from '../../infra/temporal-cli.js';
import { prepareTemporalDatabases, temporalDatabases } from '../../infra/temporal-postgres.js';
import { resolveServerBinaries, TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../../infra/temporal-server-build.js';

const run = promisify(execFile);
const logger = createLogger({ level: 'silent', pretty: false });
const config = loadConfig({ JIESU_ENV: 'test' });

describe('the Temporal server of this run', () => {
  it('is the one JIESU_TEMPORAL_SERVER asked for, at the pinned server version', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const info = await connection.workflowService.getClusterInfo({});
      const stores = { dev: 'sqlite', postgres: 'postgres12' } as const;
      const server = inject('temporalServer');
      if (server !== 'external') expect([info.persistenceStore, info.visibilityStore]).toEqual([stores[server], stores[server]]);
      expect(info.serverVersion).toBe(TEMPORAL_SERVER_VERSION);
    } finally {
      await connection.close();
    }
  });

  it('is pinned to the server and UI inside the pinned CLI, so the dev server and the PostgreSQL server run the same code', async () => {
    const source = await resolveTemporalServer({ config, logger, ignoreAddress: true });
    if (source.kind !== 'executable') throw new Error(`expected a Temporal CLI on this machine, found ${source.kind}`);
    const { stdout } = await run(source.path, ['--version']);
    expect(stdout).toContain(`Server ${TEMPORAL_SERVER_VERSION}, UI ${TEMPORAL_UI_VERSION}`);
  });

  it('npm test runs the workflow suites and the topology against temporal-server on PostgreSQL', async () => {
    const { scripts } = JSON.parse(await readFile(path.join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.test).toMatch(/vitest run && npm run test:postgres$/);
    expect(scripts['test:postgres']).toMatch(/^JIESU_TEMPORAL_SERVER=postgres vitest run tests\/workflows tests\/topology\.test\.ts /);
    expect(scripts.topology).toBe('tsx scripts/dev.ts --server postgres --workers 2 --apis 2');
  });
});

describe('Temporal databases on PostgreSQL', () => {
  it('are the URL’s database and <name>_visibility, or temporal and temporal_visibility beside the read model', () => {
    expect(temporalDatabases('postgres://t%40x:p%3Aw@db.example:6543/temporal_main', { ownDatabase: true })).toEqual({
      host: 'db.example',
      port: 6543,
      user: 't@x',
      password: 'p:w',
      persistence: 'temporal_main',
      visibility: 'temporal_main_visibility',
    });
    expect(temporalDatabases('postgres://u:p@localhost/jiesu', { ownDatabase: false })).toMatchObject({ port: 5432, persistence: 'temporal', visibility: 'temporal_visibility' });
    expect(temporalDatabases('postgres://u:p@localhost', { ownDatabase: true })).toMatchObject({ persistence: 'temporal' });
  });

  // Two databases, each set up with about a hundred schema statements run by the tool, twice: minutes on a busy 2-core machine.
  it('are created and migrated by temporal-sql-tool, and preparing them again changes nothing', { timeout: 240_000 }, async () => {
    const binaries = await resolveServerBinaries({ config, logger });
    const name = `temporal_probe_${randomUUID().slice(0, 8)}`;
    const url = new URL(inject('databaseUrl'));
    url.pathname = `/${name}`;
    const databases = temporalDatabases(url.toString(), { ownDatabase: true });
    const admin = new pg.Client({ connectionString: inject('databaseUrl') });
    await admin.connect();
    const versions = async (): Promise<string[]> => {
      const found: string[] = [];
      for (const database of [databases.persistence, databases.visibility]) {
        url.pathname = `/${database}`;
        const client = new pg.Client({ connectionString: url.toString() });
        await client.connect();
        const { rows } = await client.query<{ curr_version: string }>('SELECT curr_version FROM schema_version');
        found.push(...rows.map((r) => `${database}=${r.curr_version}`));
        await client.end();
      }
      return found;
    };
    try {
      await prepareTemporalDatabases(binaries.sqlTool, databases, logger);
      const first = await versions();
      expect(first).toHaveLength(2);
      expect(first.every((v) => /=1\.\d+$/.test(v))).toBe(true);
      await prepareTemporalDatabases(binaries.sqlTool, databases, logger);
      expect(await versions()).toEqual(first);
      await expect(prepareTemporalDatabases(binaries.sqlTool, { ...databases, password: 'wrong' }, logger)).rejects.toThrow(/password authentication failed/);
    } finally {
      for (const database of [databases.persistence, databases.visibility]) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  });
});
