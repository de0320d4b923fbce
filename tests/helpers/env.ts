import { randomUUID } from 'node:crypto';
import { Connection, type Client } from '@temporalio/client';
import { createClient } from '../../infra/temporal.js';
import { NativeConnection, Runtime } from '@temporalio/worker';
import type { LightMyRequestResponse } from 'fastify';
import { inject } from 'vitest';
import { buildApp, type App } from '../../api/app.js';
import { createApiKey, type PrincipalRole } from '../../db/api-keys.js';
import { createDb, type Database } from '../../db/client.js';
import { prepareDatabase } from '../../db/prepare.js';
import { EmbeddedPostgres, throwawayDataDir } from '../../infra/postgres.js';
import { loadConfig, type Config } from '../../infra/config.js';
import { createLogger, PinoTemporalLogger, type Logger } from '../../infra/logger.js';
import { createCaseWorker } from '../../worker/create-worker.js';
import { LogNotifier, type Notifier } from '../../activities/notifier.js';
import { NotificationOutbox, type OutboxOptions } from '../../activities/outbox.js';
import { spawnService, type ServiceProcess } from '../../infra/service-process.js';

/**
 * A throwaway PostgreSQL of a test file's own (for files that stop it), migrated and seeded with the
 * sample district. The caller destroys it.
 */
export async function startSeededPostgres(): Promise<EmbeddedPostgres> {
  const postgres = await EmbeddedPostgres.start({ dataDir: await throwawayDataDir(), persistent: false, database: 'jiesu', logger: createLogger({ level: 'silent', pretty: false }) });
  await prepareDatabase(postgres.url, { sampleDistrict: true });
  return postgres;
}

let runtimeInstalled = false;

/** Routes SDK logs into the test's logger, once per test file (before anything else creates the SDK runtime). */
export function installQuietRuntime(logger: Logger): void {
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
  /** Starts an in-process worker on the env's task queue (one runs already unless `worker: false`); resolves to its stop. */
  startWorker(): Promise<() => Promise<void>>;
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
  options: {
    worker?: boolean;
    notifier?: Notifier;
    outbox?: Partial<OutboxOptions>;
    databaseUrl?: string;
    temporalAddress?: string;
    env?: Record<string, string>;
    logger?: Logger;
  } = {},
): Promise<TestEnv> {
  const databaseUrl = options.databaseUrl ?? inject('databaseUrl');
  const address = options.temporalAddress ?? inject('temporalAddress');
  const taskQueue = `test-${randomUUID()}`;
  const config = loadConfig({
    JIESU_ENV: 'test',
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: inject('namespace'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    ...options.env,
  });
  const logger = options.logger ?? createLogger({ level: 'warn', pretty: false, name: 'test' });
  installQuietRuntime(logger);
  const connection = await Connection.connect({ address });
  const client = createClient(connection, config);
  const database = createDb({ url: databaseUrl, max: 4, connectionTimeoutMillis: 2_000 });
  const nativeConnection = await NativeConnection.connect({ address });
  // Fast retries: a failing receiver is retried within the test's patience.
  const outbox = new NotificationOutbox(database.db, options.notifier ?? new LogNotifier(logger), logger, { queue: taskQueue, backoffMs: () => 200, pollMs: 200, ...options.outbox });
  const workers = new Set<() => Promise<void>>();
  const startWorker = async (): Promise<() => Promise<void>> => {
    const worker = await createCaseWorker({
      connection: nativeConnection,
      namespace: config.temporal.namespace,
      taskQueue,
      encryptionKeys: config.encryptionKeys,
      deps: { db: database.db, logger, outbox, client },
      workflowBundle: { codePath: inject('workflowBundlePath') },
    });
    const running = worker.run();
    outbox.start();
    const stop = async (): Promise<void> => {
      if (!workers.delete(stop)) return;
      worker.shutdown();
      await running;
    };
    workers.add(stop);
    return stop;
  };
  if (options.worker !== false) await startWorker();
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
    startWorker,
    app,
    ticket: (prefix = 'T') => `${prefix}-${run}-${++tickets}`,
    key,
    call: (apiKey, method, url, payload) =>
      app.inject({ method, url, headers: { authorization: `Bearer ${apiKey}` }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) }),
    async close() {
      await app.close();
      for (const stop of [...workers]) await stop();
      await outbox.stop();
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

/** A unit as `POST /v1/units` takes it. */
export interface UnitInput {
  id: string;
  name: string;
  nameEn?: string;
  level: string;
  kind: string;
  parentId?: string;
}

/** Creates units through the API as an admin, parents first (as listed); fails the test on any answer but 201. */
export async function createUnits(env: TestEnv, units: UnitInput[]): Promise<void> {
  const admin = await env.key('admin');
  for (const unit of units) {
    const response = await env.call(admin, 'POST', '/v1/units', unit);
    if (response.statusCode !== 201) throw new Error(`creating unit ${unit.id} answered ${response.statusCode}: ${response.body}`);
  }
}
