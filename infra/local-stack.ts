import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SearchAttributeType } from '@temporalio/common';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { EmbeddedPostgres, throwawayDataDir } from './postgres.js';
import { resolveTemporalServer } from './temporal-cli.js';
import { startTemporalPostgresServer, temporalDatabases } from './temporal-postgres.js';
import { resolveServerBinaries } from './temporal-server-build.js';
import { startTemporalDevServer, type RunningTemporalServer } from './temporal-server.js';

export interface LocalStack {
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  /** The log of a `temporal-server` this stack runs. */
  temporalLogFile: string | undefined;
  databaseUrl: string;
  /** The embedded PostgreSQL, when we started one (tests stop and restart it). */
  postgres: EmbeddedPostgres | undefined;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  config: Config;
  logger: Logger;
  /** `dev` keeps Temporal's and PostgreSQL's data in `dataDir` and serves the Temporal UI; tests use throwaway servers. */
  persistent: boolean;
  /** Where persistent data lives; `config.dataDir` by default. */
  dataDir?: string;
  temporalPort?: number;
  temporalUiPort?: number;
  postgresPort?: number;
  /** Codec server for the dev server's Web UI. */
  codecEndpoint?: string;
  /** Custom search attributes the dev server registers. */
  searchAttributes: ReadonlyArray<{ name: string; type: SearchAttributeType }>;
  /** Readies the database once it runs (the caller migrates and seeds it). */
  prepareDatabase(databaseUrl: string): Promise<void>;
}

/**
 * Brings up the servers around the application: PostgreSQL (external, or embedded), readied by the
 * caller's `prepareDatabase`, and a Temporal server: external, the CLI's dev server found or built locally,
 * or (`JIESU_TEMPORAL_SERVER=postgres`) `temporal-server` built locally and run on PostgreSQL. Used by
 * `npm run dev`, `npm run topology` and by the test suite's global setup.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { config, logger, persistent, postgresPort, prepareDatabase } = options;
  const dataDir = options.dataDir ?? config.dataDir;
  const stops: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    for (const s of stops.reverse()) await s().catch((error: unknown) => logger.warn({ err: error }, 'Stopping a local service failed'));
  };
  try {
    let postgres: EmbeddedPostgres | undefined;
    let databaseUrl = config.databaseUrl;
    if (databaseUrl === undefined) {
      postgres = await EmbeddedPostgres.start({
        dataDir: persistent ? path.join(dataDir, 'postgres') : await throwawayDataDir(),
        persistent,
        database: 'jiesu',
        logger,
        ...(postgresPort !== undefined ? { port: postgresPort } : {}),
      });
      const pg = postgres;
      stops.push(() => pg.destroy());
      databaseUrl = pg.url;
      logger.info({ port: pg.port }, 'Embedded PostgreSQL running');
    }

    const temporal = await startTemporal({ ...options, dataDir, databaseUrl });
    if (temporal.server) stops.push(temporal.server.stop);

    await prepareDatabase(databaseUrl);
    return { temporalAddress: temporal.address, temporalUiUrl: temporal.uiUrl, temporalLogFile: temporal.server?.logFile, databaseUrl, postgres, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The Temporal server of the stack: an external one, or one this process starts (and the stack stops). */
async function startTemporal({
  config,
  logger,
  persistent,
  dataDir,
  databaseUrl,
  temporalPort,
  temporalUiPort,
  codecEndpoint,
  searchAttributes,
}: LocalStackOptions & { dataDir: string; databaseUrl: string }): Promise<{ address: string; uiUrl: string | undefined; server?: RunningTemporalServer }> {
  if (config.temporal.address !== undefined) {
    logger.info({ address: config.temporal.address }, 'Using the Temporal server at TEMPORAL_ADDRESS');
    return { address: config.temporal.address, uiUrl: config.temporal.uiUrl };
  }
  const ports = {
    ...(temporalPort !== undefined ? { port: temporalPort } : {}),
    ...(temporalUiPort !== undefined ? { uiPort: temporalUiPort } : {}),
    ...(codecEndpoint !== undefined ? { codecEndpoint } : {}),
  };
  if (config.temporal.localServer === 'postgres') {
    const binaries = await resolveServerBinaries({ config, logger });
    const scratch = persistent ? undefined : await mkdtemp(path.join(os.tmpdir(), 'jiesu-temporal-'));
    const databases = temporalDatabases(config.temporalDatabaseUrl ?? databaseUrl, { ownDatabase: config.temporalDatabaseUrl !== undefined });
    logger.info({ databases: `${databases.persistence}, ${databases.visibility} on ${databases.host}:${databases.port}` }, 'Starting temporal-server on PostgreSQL');
    const server = await startTemporalPostgresServer({
      binaries,
      databases,
      namespace: config.temporal.namespace,
      searchAttributes,
      dir: scratch ?? path.join(dataDir, 'temporal-server'),
      logger,
      ...ports,
    });
    const stop = async (): Promise<void> => {
      await server.stop();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    };
    return { address: server.address, uiUrl: server.uiUrl, server: { ...server, stop } };
  }
  const source = await resolveTemporalServer({ config, logger, ignoreAddress: true });
  if (source.kind === 'external') throw new Error('unreachable: the address was checked above');
  logger.info({ source: source.kind === 'executable' ? `${source.origin}: ${source.path}` : 'SDK download' }, 'Starting the Temporal dev server');
  const server = await startTemporalDevServer({
    source,
    namespace: config.temporal.namespace,
    searchAttributes,
    ...(persistent ? { dbFilename: path.join(dataDir, 'temporal.sqlite') } : { fast: true }),
    ...ports,
    onRetry: (attempt, error) => logger.warn({ attempt, err: error }, 'The Temporal dev server did not start in time; starting it again'),
  });
  return { address: server.address, uiUrl: server.uiUrl, server };
}
