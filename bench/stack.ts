import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection, type Client } from '@temporalio/client';
import { createApiKey, type PrincipalRole } from '../db/api-keys.js';
import { createDb, type Database } from '../db/client.js';
import { prepareDatabase } from '../db/prepare.js';
import { processDefinitions } from '../db/schema.js';
import type { LimitByUrgency, ProcessDefinition } from '../domain/process/definition.js';
import { loadConfig, type Config } from '../infra/config.js';
import type { Logger } from '../infra/logger.js';
import { EmbeddedPostgres, freePort } from '../infra/postgres.js';
import { descendantPids, spawnService, type ServiceProcess } from '../infra/service-process.js';
import { resolveTemporalServer } from '../infra/temporal-cli.js';
import { startTemporalPostgresServer, temporalDatabases } from '../infra/temporal-postgres.js';
import { resolveServerBinaries } from '../infra/temporal-server-build.js';
import { createClient } from '../infra/temporal.js';
import { startTemporalDevServer, type RunningTemporalServer } from '../infra/temporal-server.js';
import { allSearchAttributeKeys } from '../workflows/search-attributes.js';
import { shippedProcess } from '../processes/shipped.js';

/** Which Temporal server a benchmark runs against: the CLI's dev server (SQLite) or temporal-server on PostgreSQL. */
export type BenchServer = 'dev' | 'postgres';

/** Everything a benchmark runs against, on this machine: servers, keys, and workers and APIs as processes. */
export interface BenchStack {
  server: BenchServer;
  config: Config;
  client: Client;
  database: Database;
  taskQueue: string;
  /** The first API process's URL; `apiUrls[i]` is where `startApi(env, i)` listens. */
  apiUrl: string;
  apiUrls: string[];
  /** Size of Temporal's store: the SQLite file, or its two PostgreSQL databases. */
  temporalDbMiB(): Promise<number>;
  key(role: PrincipalRole, binding?: string): Promise<{ key: string; id: string }>;
  /** Deploys the shipped model under a key of its own with every limit set to `limit` (sign-for to `signFor`). */
  deploy(key: string, limits: { all: string; signFor?: string }): Promise<void>;
  /** A worker process: `worker/main.ts`, or another entry that prints "Worker running" when it is ready. */
  startWorker(env?: Record<string, string>, entry?: string): Promise<ServiceProcess>;
  /** `count` worker processes, started together. */
  startWorkers(count: number): Promise<ServiceProcess[]>;
  startApi(env?: Record<string, string>, index?: number): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

const both = (limit: string): LimitByUrgency => ({ urgent: limit, normal: limit });

export async function startBenchStack(logger: Logger, server: BenchServer): Promise<BenchStack> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'jiesu-bench-'));
  const base = loadConfig({});
  const postgres = await EmbeddedPostgres.start({ dataDir: path.join(dir, 'pg'), persistent: false, database: 'jiesu', logger });
  let temporal: RunningTemporalServer;
  let temporalDbMiB: () => Promise<number>;
  if (server === 'postgres') {
    // Temporal's databases on the same PostgreSQL server as the read model, as `npm run topology` runs them.
    const databases = temporalDatabases(postgres.url, { ownDatabase: false });
    temporal = await startTemporalPostgresServer({
      binaries: await resolveServerBinaries({ config: base, logger }),
      databases,
      namespace: 'default',
      searchAttributes: allSearchAttributeKeys,
      dir: path.join(dir, 'temporal'),
      logger,
    });
    temporalDbMiB = async () => {
      const { rows } = await database.pool.query<{ bytes: string }>('SELECT sum(pg_database_size(datname))::text AS bytes FROM pg_database WHERE datname = ANY($1)', [[databases.persistence, databases.visibility]]);
      return Number(rows[0]?.bytes ?? 0) / 1024 / 1024;
    };
  } else {
    const source = await resolveTemporalServer({ config: base, logger, ignoreAddress: true });
    if (source.kind === 'external') throw new Error('unreachable');
    const temporalDbFile = path.join(dir, 'temporal.sqlite');
    temporal = await startTemporalDevServer({ source, namespace: 'default', dbFilename: temporalDbFile, fast: true, searchAttributes: allSearchAttributeKeys });
    temporalDbMiB = () => Promise.resolve(sqliteMiB(temporalDbFile));
  }
  const taskQueue = `bench-${randomUUID().slice(0, 8)}`;
  const apiPorts = [await freePort(), await freePort()];
  const apiPort = apiPorts[0]!;
  const config = loadConfig({ TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: postgres.url, TEMPORAL_TASK_QUEUE: taskQueue, PORT: String(apiPort), LOG_LEVEL: 'warn' });
  await prepareDatabase(postgres.url, { sampleDistrict: true });
  const database = createDb({ url: postgres.url, max: 8 });
  const connection = await Connection.connect({ address: temporal.address });
  const client = createClient(connection, config);
  const services: ServiceProcess[] = [];
  const keys = new Map<string, { key: string; id: string }>();
  const env = {
    JIESU_ENV: 'test',
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: postgres.url,
    PORT: String(apiPort),
    LOG_LEVEL: 'warn',
    INTAKE_RATE_LIMIT: '10000000',
    ACTION_RATE_LIMIT: '10000000',
  };
  const shipped: ProcessDefinition = await shippedProcess();
  const startWorker = async (extra: Record<string, string> = {}, entry = 'worker/main.ts'): Promise<ServiceProcess> => {
    const worker = spawnService(entry, { ...env, LOG_LEVEL: 'info', ...extra });
    services.push(worker);
    await worker.waitFor(/Worker running/, 120_000);
    return worker;
  };
  return {
    server,
    config,
    client,
    database,
    taskQueue,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    apiUrls: apiPorts.map((port) => `http://127.0.0.1:${port}`),
    temporalDbMiB,
    async key(role, binding) {
      const name = `${role}:${binding ?? ''}`;
      if (!keys.has(name)) {
        const bound = role === 'intake' ? { source: binding ?? 'bench' } : binding ? { unitId: binding } : {};
        const { key, row } = await createApiKey(database.db, { name, role, ...bound });
        keys.set(name, { key, id: row.id });
      }
      return keys.get(name)!;
    },
    async deploy(key, { all, signFor }) {
      const nodes = Object.fromEntries(
        Object.entries(shipped.nodes).map(([id, node]) => {
          if (node.type !== 'userTask') return [id, node];
          const limit = both(node.task === 'signFor' && signFor ? signFor : all);
          return [id, { ...node, limit, ...(node.reopenLimit ? { reopenLimit: both(all) } : {}), ...(node.reportInLimit ? { reportInLimit: both(all) } : {}) }];
        }),
      );
      await database.db.insert(processDefinitions).values({ key, version: 1, name: key, format: 'bpmn', definition: { ...shipped, key, nodes } });
    },
    startWorker,
    startWorkers: (count) => Promise.all(Array.from({ length: count }, () => startWorker())),
    async startApi(extra = {}, index = 0) {
      const api = spawnService('api/server.ts', { ...env, LOG_LEVEL: 'info', PORT: String(apiPorts[index]), ...extra });
      services.push(api);
      await api.waitFor(/Server listening/, 120_000);
      return api;
    },
    async stop() {
      await Promise.all(services.map((s) => s.kill('SIGTERM')));
      await database.close();
      await connection.close();
      await temporal.stop();
      await postgres.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resident memory of a process and its descendants, in MiB. Linux /proc. */
export function treeRssMiB(pid: number): number {
  let kib = 0;
  for (const p of [pid, ...descendantPids(pid)]) {
    try {
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kib / 1024;
}

/** Size of a file and its SQLite companions (-wal, -shm), in MiB. */
export function sqliteMiB(file: string): number {
  let bytes = 0;
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      bytes += statSync(`${file}${suffix}`).size;
    } catch {
      // not there
    }
  }
  return bytes / 1024 / 1024;
}
