import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time.js';
import pg from 'pg';
import { projectRoot } from './config.js';
import type { Logger } from './logger.js';
import { freePort } from './postgres.js';
import { ensureSearchAttributes } from './temporal.js';
import type { TemporalServerBinaries } from './temporal-server-build.js';
import type { RunningTemporalServer } from './temporal-server.js';

const run = promisify(execFile);
const GRPC_NOT_FOUND = 5;

/**
 * Settings of the Temporal server on PostgreSQL that `temporal-compose.yml` repeats for its auto-setup
 * image (tests/compose.test.ts checks they agree). The history shard count is fixed when a cluster is
 * first created: 4 is the auto-setup default and plenty for one host (docs/topology.md).
 */
export const TEMPORAL_SERVER_SETTINGS = {
  historyShards: 4,
  /** Connections of the persistence store and of the visibility store, per server process. */
  maxConns: 20,
  visibilityMaxConns: 10,
  /** How long closed workflows stay in Temporal, in hours (closed cases stay in the read model). */
  retentionHours: 168,
  /** Dynamic configuration, relative to the project root. */
  dynamicConfigFile: 'infra/temporal-dynamic-config.yaml',
  /** The SQL plugin, and the embedded schemas the SQL tool applies. */
  plugin: 'postgres12',
  schemas: { persistence: 'postgresql/v12/temporal', visibility: 'postgresql/v12/visibility' },
} as const;

/** Where a Temporal server keeps its two databases: one PostgreSQL server, two database names. */
export interface TemporalDatabases {
  host: string;
  port: number;
  user: string;
  password: string;
  persistence: string;
  visibility: string;
}

/**
 * The databases of a PostgreSQL URL: the URL's database holds persistence (`temporal` when the URL names
 * none or is the read model's), and `<name>_visibility` holds visibility.
 */
export function temporalDatabases(url: string, { ownDatabase }: { ownDatabase: boolean }): TemporalDatabases {
  const parsed = new URL(url);
  const named = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  const persistence = ownDatabase && named !== '' ? named : 'temporal';
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    persistence,
    visibility: `${persistence}_visibility`,
  };
}

/**
 * Creates both databases when missing and brings their schemas to the version this server needs with
 * `temporal-sql-tool` (setup-schema -v 0.0, then update-schema from the embedded versioned schema), as
 * Temporal's own auto-setup does. Idempotent: an up-to-date schema is left as it is.
 */
export async function prepareTemporalDatabases(sqlTool: string, db: TemporalDatabases, logger: Logger): Promise<void> {
  const admin = new pg.Client({ host: db.host, port: db.port, user: db.user, password: db.password, database: 'postgres' });
  await admin.connect();
  try {
    for (const name of [db.persistence, db.visibility]) {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount === 0) {
        logger.info({ database: name }, 'Creating a Temporal database');
        await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
      }
    }
  } finally {
    await admin.end();
  }
  const { plugin, schemas } = TEMPORAL_SERVER_SETTINGS;
  for (const [name, schema] of [
    [db.persistence, schemas.persistence],
    [db.visibility, schemas.visibility],
  ] as const) {
    // Connection settings through the tool's environment variables: the password stays out of `ps`.
    const env = { ...process.env, SQL_PLUGIN: plugin, SQL_HOST: db.host, SQL_PORT: String(db.port), SQL_USER: db.user, SQL_PASSWORD: db.password, SQL_DATABASE: name };
    try {
      await run(sqlTool, ['setup-schema', '-v', '0.0'], { env });
      await run(sqlTool, ['update-schema', '--schema-name', schema], { env });
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      throw new Error(`temporal-sql-tool could not prepare the ${name} database:\n${(stderr || stdout || String(error)).slice(-3000)}`);
    }
  }
  logger.info({ persistence: db.persistence, visibility: db.visibility }, 'Temporal schemas are up to date');
}

export interface TemporalPostgresOptions {
  binaries: TemporalServerBinaries;
  databases: TemporalDatabases;
  namespace: string;
  /** Custom search attributes to register in the namespace. */
  searchAttributes: ReadonlyArray<{ name: string; type: SearchAttributeType }>;
  /** Folder for the generated configuration and the server's log. */
  dir: string;
  logger: Logger;
  /** Frontend gRPC port; a free one when unset. */
  port?: number;
  /** Web UI port; no UI when unset. */
  uiPort?: number;
  /** The codec server the Web UI decodes payloads with. */
  codecEndpoint?: string;
  /** The server's own log level (its log goes to `<dir>/temporal-server.log`). */
  serverLogLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** The server's configuration: what `config/development-postgres12.yaml` holds, on our ports and databases (YAML is a superset of JSON). */
function serverConfig(databases: TemporalDatabases, ports: Record<'frontend' | 'http' | 'history' | 'matching' | 'worker', number> & { membership: number[] }, logLevel: string): unknown {
  const store = (database: string, maxConns: number) => ({
    sql: {
      pluginName: TEMPORAL_SERVER_SETTINGS.plugin,
      databaseName: database,
      connectAddr: `${databases.host}:${databases.port}`,
      connectProtocol: 'tcp',
      user: databases.user,
      password: databases.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, httpPort?: number) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...(httpPort ? { httpPort } : {}) },
  });
  const [frontendMembership, historyMembership, matchingMembership, workerMembership] = ports.membership as [number, number, number, number];
  const frontend = `127.0.0.1:${ports.frontend}`;
  return {
    log: { stdout: true, level: logLevel, format: 'json' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: TEMPORAL_SERVER_SETTINGS.historyShards,
      datastores: {
        'postgres-default': store(databases.persistence, TEMPORAL_SERVER_SETTINGS.maxConns),
        'postgres-visibility': store(databases.visibility, TEMPORAL_SERVER_SETTINGS.visibilityMaxConns),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: service(ports.frontend, frontendMembership, ports.http),
      history: service(ports.history, historyMembership),
      matching: service(ports.matching, matchingMembership),
      worker: service(ports.worker, workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontend, httpAddress: `127.0.0.1:${ports.http}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    publicClient: { hostPort: frontend },
    dynamicConfigClient: { filepath: path.join(projectRoot, TEMPORAL_SERVER_SETTINGS.dynamicConfigFile), pollInterval: '10s' },
  };
}

/** A child process whose output goes to a log file; the tail is kept for error messages. */
function spawnLogged(binary: string, args: string[], logFile: string): { child: ChildProcess; tail(): string; exited: Promise<number | null> } {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const onData = (chunk: Buffer): void => {
    log.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-6000);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    log.end();
    resolve(code);
  }));
  return { child, tail: () => tail, exited };
}

async function stopProcess(child: ChildProcess, exited: Promise<unknown>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  child.kill('SIGTERM');
  await exited;
  clearTimeout(timer);
}

/** Retries `attempt` until it resolves or `timeoutMs` passes; the failure names what was awaited and the last error. */
async function until<T>(what: string, timeoutMs: number, attempt: () => Promise<T>, failed: () => string | undefined = () => undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const fatal = failed();
      if (fatal !== undefined) throw new Error(fatal, { cause: error });
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}: ${(error as Error).message}`, { cause: error });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Starts `temporal-server` (frontend, history, matching and worker services in one process) on prepared
 * PostgreSQL databases, registers the namespace and Jiesu's search attributes, and, when asked, the Web
 * UI in front of it. Resolves once a client can use the namespace.
 */
export async function startTemporalPostgresServer(options: TemporalPostgresOptions): Promise<RunningTemporalServer> {
  const { binaries, databases, namespace, searchAttributes, dir, logger, uiPort, codecEndpoint, serverLogLevel = 'warn' } = options;
  await prepareTemporalDatabases(binaries.sqlTool, databases, logger);
  const [frontend, http, history, matching, worker] = await Promise.all([options.port ?? freePort(), ...Array.from({ length: 4 }, () => freePort())]);
  // Membership ports are stored in a smallint column (cluster_membership.rpc_port): below 32768.
  const membership = await Promise.all(Array.from({ length: 4 }, () => freePort({ from: 20_000, to: 32_767 })));
  const configDir = path.join(dir, 'config');
  await mkdir(configDir, { recursive: true });
  // It holds the database password: readable by us only.
  await writeFile(
    path.join(configDir, 'development.yaml'),
    JSON.stringify(serverConfig(databases, { frontend: frontend!, http: http!, history: history!, matching: matching!, worker: worker!, membership }, serverLogLevel), null, 2),
    { mode: 0o600 },
  );
  const logFile = path.join(dir, 'temporal-server.log');
  const address = `127.0.0.1:${frontend}`;
  const server = spawnLogged(binaries.server, ['--root', dir, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'], logFile);
  const stops: Array<() => Promise<void>> = [() => stopProcess(server.child, server.exited, 30_000)];
  const stop = async (): Promise<void> => {
    for (const s of stops.reverse()) await s();
  };
  const died = (): string | undefined =>
    server.child.exitCode !== null ? `temporal-server exited with code ${server.child.exitCode} while starting (log: ${logFile}):\n${server.tail()}` : undefined;
  try {
    const connection = await until('the Temporal frontend', 120_000, () => Connection.connect({ address, connectTimeout: 2_000 }), died);
    try {
      await until('the Temporal frontend to serve', 120_000, () => connection.workflowService.getSystemInfo({}), died);
      await until(`the ${namespace} namespace`, 60_000, async () => {
        try {
          await connection.workflowService.describeNamespace({ namespace });
        } catch {
          await connection.workflowService.registerNamespace({
            namespace,
            workflowExecutionRetentionPeriod: msToTs(`${TEMPORAL_SERVER_SETTINGS.retentionHours}h`),
          });
          logger.info({ namespace }, 'Registered the Temporal namespace');
        }
      }, died);
      await until('the search attributes', 60_000, () => ensureSearchAttributes(connection, namespace, searchAttributes, logger), died);
      // The frontend answers a query on the attributes once its namespace cache has them; the history
      // service refreshes its own cache on the same interval (system.namespaceCacheRefreshInterval, 2 s).
      const probe = searchAttributes.find((key) => key.type === 'KEYWORD');
      if (probe) await until('the search attributes to be usable', 60_000, () => connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1, query: `${probe.name} = 'ready'` }), died);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      // The frontend answers before every service has joined the membership ring; history and matching
      // answer "Not enough hosts" until then. Ready: history says an unknown workflow is not found, and
      // matching describes a task queue.
      await until('the history and matching services', 120_000, async () => {
        const history = await connection.workflowService.describeWorkflowExecution({ namespace, execution: { workflowId: 'readiness-probe' } }).then(
          () => undefined,
          (error: { code?: number }) => error,
        );
        if (history?.code !== GRPC_NOT_FOUND) throw new Error(`history is not serving yet: ${String(history)}`);
        await connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: 'readiness-probe' } });
      }, died);
    } finally {
      await connection.close();
    }
    let uiUrl: string | undefined;
    if (uiPort !== undefined) {
      uiUrl = await startUi({ binary: binaries.uiServer, dir: path.join(dir, 'ui'), address, namespace, port: uiPort, codecEndpoint, stops });
    }
    logger.info({ address, log: logFile }, 'Temporal server on PostgreSQL running');
    return { address, namespace, uiUrl, logFile, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The Web UI server, configured like the CLI's dev server configures its own, but read-only like the
 * compose stack's (docs/compose.md, "Temporal is the trust boundary"): cases change only through the API.
 */
async function startUi({ binary, dir, address, namespace, port, codecEndpoint, stops }: { binary: string; dir: string; address: string; namespace: string; port: number; codecEndpoint: string | undefined; stops: Array<() => Promise<void>> }): Promise<string> {
  await mkdir(path.join(dir, 'config'), { recursive: true });
  const config = {
    host: '127.0.0.1',
    port,
    temporalGrpcAddress: address,
    enableUi: true,
    defaultNamespace: namespace,
    hideLogs: true,
    disableWriteActions: true,
    cors: { cookieInsecure: true },
    codec: codecEndpoint ? { endpoint: codecEndpoint, includeCredentials: true } : {},
  };
  await writeFile(path.join(dir, 'config', 'development.yaml'), JSON.stringify(config, null, 2));
  const ui = spawnLogged(binary, ['--root', dir, '--config', 'config', '--env', 'development', 'start'], path.join(dir, 'ui-server.log'));
  stops.push(() => stopProcess(ui.child, ui.exited, 5_000));
  const url = `http://localhost:${port}`;
  await until('the Temporal UI', 60_000, async () => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  }, () => (ui.child.exitCode !== null ? `temporal-ui-server exited with code ${ui.child.exitCode}:\n${ui.tail()}` : undefined));
  return url;
}
