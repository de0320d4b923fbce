import { randomUUID } from 'node:crypto';
import { Connection, type Client } from '@temporalio/client';
import { createClient, dataConverter } from '../../infra/temporal.js';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { LightMyRequestResponse } from 'fastify';
import { inject } from 'vitest';
import { buildApp, type App } from '../../api/app.js';
import { createApiKey, type PrincipalRole } from '../../db/api-keys.js';
import { createDb, type Database } from '../../db/client.js';
import { migrateDatabase } from '../../db/migrate.js';
import { seedSampleDistrict } from '../../db/seed.js';
import { EmbeddedPostgres, throwawayDataDir } from '../../infra/postgres.js';
import { loadConfig, type Config } from '../../infra/config.js';
import { createLogger, PinoTemporalLogger, type Logger } from '../../infra/logger.js';
import { createCaseWorker } from '../../worker/create-worker.js';
import { LogNotifier, type Notifier } from '../../activities/notifier.js';
import { spawnService, type ServiceProcess } from '../../infra/service-process.js';

/**
 * A throwaway PostgreSQL of a test file's own (for files that stop it), migrated and seeded with the
 * sample district. The caller destroys it.
 */
export async function startSeededPostgres(): Promise<EmbeddedPostgres> {
  const postgres = await EmbeddedPostgres.start({ dataDir: await throwawayDataDir(), persistent: false, database: 'jiesu', logger: createLogger({ level: 'silent', pretty: false }) });
  const setup = createDb({ url: postgres.url, max: 1 });
  await migrateDatabase(setup.pool);
  await seedSampleDistrict(setup.db);
  await setup.close();
  return postgres;
}

let runtimeInstalled = false;

/** Quiet SDK logs in tests: warnings and errors only. */
function installQuietRuntime(logger: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new PinoTemporalLogger(logger) });
}

export interface TestEnv {
  config: Config;
  logger: Logger;
  client: Client;
  database: Database;
  taskQueue: string;
  /** The in-process worker (absent when a test runs worker processes of its own). */
  worker: Worker | undefined;
  app: App;
  /** A fresh ticket id, unique across the run. */
  ticket(prefix?: string): string;
  /** An API key for a role (created once per role and binding). */
  key(role: PrincipalRole, binding?: string): Promise<string>;
  /** `app.inject` with a key's Authorization header. */
  call(key: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * Everything one test file needs, against the run's real Temporal server and PostgreSQL: a client, a
 * database pool, a worker on a task queue of its own, and the API wired to them (driven with `inject`).
 */
export async function createTestEnv(
  options: { worker?: boolean; notifier?: Notifier; databaseUrl?: string; env?: Record<string, string>; logger?: Logger } = {},
): Promise<TestEnv> {
  const databaseUrl = options.databaseUrl ?? inject('databaseUrl');
  const taskQueue = `test-${randomUUID()}`;
  const config = loadConfig({
    JIESU_ENV: 'test',
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('namespace'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    ...options.env,
  });
  const logger = options.logger ?? createLogger({ level: 'warn', pretty: false, name: 'test' });
  installQuietRuntime(logger);
  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  const client = createClient(connection, config);
  const database = createDb({ url: databaseUrl, max: 4, connectionTimeoutMillis: 2_000 });
  const nativeConnection = await NativeConnection.connect({ address });
  const worker =
    options.worker === false
      ? undefined
      : await createCaseWorker({
          connection: nativeConnection,
          namespace: config.temporal.namespace,
          taskQueue,
          dataConverter: dataConverter(config),
          deps: { db: database.db, logger, notifier: options.notifier ?? new LogNotifier(logger), client },
          workflowBundle: { codePath: inject('workflowBundlePath') },
        });
  const running = worker?.run();
  const app = await buildApp({ config, logger, temporal: { client, taskQueue }, database });
  const run = randomUUID().slice(0, 8);
  let tickets = 0;
  const keys = new Map<string, Promise<string>>();
  const key = (role: PrincipalRole, binding?: string): Promise<string> => {
    const id = `${role}:${binding ?? ''}`;
    let created = keys.get(id);
    if (!created) {
      const bound = role === 'intake' ? { source: binding ?? 'hotline' } : binding ? { unitId: binding } : {};
      created = createApiKey(database.db, { name: `test ${id}`, role, ...bound }).then((k) => k.key);
      keys.set(id, created);
    }
    return created;
  };
  return {
    config,
    logger,
    client,
    database,
    taskQueue,
    worker,
    app,
    ticket: (prefix = 'T') => `${prefix}-${run}-${++tickets}`,
    key,
    call: (apiKey, method, url, payload) =>
      app.inject({ method, url, headers: { authorization: `Bearer ${apiKey}` }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) }),
    async close() {
      await app.close();
      if (worker) {
        worker.shutdown();
        await running;
      }
      await nativeConnection.close();
      await connection.close();
      await database.close();
    },
  };
}

/**
 * A real worker process (worker/main.ts) on a test's task queue, for tests that SIGKILL workers; resolves
 * once it polls. The caller stops it.
 */
export async function startWorkerProcess(env: TestEnv): Promise<ServiceProcess> {
  const worker = spawnService('worker/main.ts', {
    JIESU_ENV: 'test',
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('namespace'),
    TEMPORAL_TASK_QUEUE: env.taskQueue,
    DATABASE_URL: inject('databaseUrl'),
  });
  await worker.waitFor(/Worker running/);
  return worker;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, { timeoutMs = 20_000, intervalMs = 100, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`, { cause: lastError });
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Files the sample street-light complaint through a running API over HTTP (the dev and topology tests) and
 * returns the answer; routed, it waits at Xinhua Street.
 */
export async function fileStreetLightComplaint(apiUrl: string, intakeKey: string, ticketId: string): Promise<Response> {
  return fetch(`${apiUrl}/v1/complaints`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${intakeKey}` },
    body: JSON.stringify({
      ticketId,
      title: 'Broken street light',
      description: 'The light at the corner is out',
      category: 'urban-construction',
      location: { unitId: 'comm-xinhua-garden' },
      citizen: { name: 'Zhao Lei', phone: '13900000000' },
    }),
  });
}
