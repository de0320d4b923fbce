import path from 'node:path';
import type { SearchAttributeType } from '@temporalio/common';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { EmbeddedPostgres, throwawayDataDir } from './postgres.js';
import { resolveTemporalServer } from './temporal-cli.js';
import { startTemporalDevServer } from './temporal-server.js';

export interface LocalStack {
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  databaseUrl: string;
  /** The embedded PostgreSQL, when we started one (tests stop and restart it). */
  postgres: EmbeddedPostgres | undefined;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  config: Config;
  logger: Logger;
  /** `dev` keeps Temporal's and PostgreSQL's data in `config.dataDir` and serves the Temporal UI; tests use throwaway servers. */
  persistent: boolean;
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
 * Brings up the servers around the application: a Temporal server (external, or a dev server found or
 * built locally) and PostgreSQL (external, or embedded), readied by the caller's `prepareDatabase`. Used
 * by `npm run dev` and by the test suite's global setup.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { config, logger, persistent, temporalPort, temporalUiPort, postgresPort, codecEndpoint, searchAttributes, prepareDatabase } = options;
  const stops: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    for (const s of stops.reverse()) await s().catch((error: unknown) => logger.warn({ err: error }, 'Stopping a local service failed'));
  };
  try {
    const source = await resolveTemporalServer({ config, logger });
    let temporalAddress: string;
    let temporalUiUrl: string | undefined;
    if (source.kind === 'external') {
      temporalAddress = source.address;
      temporalUiUrl = config.temporal.uiUrl;
      logger.info({ address: temporalAddress }, 'Using the Temporal server at TEMPORAL_ADDRESS');
    } else {
      logger.info({ source: source.kind === 'executable' ? `${source.origin}: ${source.path}` : 'SDK download' }, 'Starting the Temporal dev server');
      const server = await startTemporalDevServer({
        source,
        namespace: config.temporal.namespace,
        searchAttributes,
        ...(persistent ? { dbFilename: path.join(config.dataDir, 'temporal.sqlite') } : { fast: true }),
        ...(temporalPort !== undefined ? { port: temporalPort } : {}),
        ...(temporalUiPort !== undefined ? { uiPort: temporalUiPort } : {}),
        ...(codecEndpoint !== undefined ? { codecEndpoint } : {}),
      });
      stops.push(() => server.stop());
      temporalAddress = server.address;
      temporalUiUrl = server.uiUrl;
    }

    let postgres: EmbeddedPostgres | undefined;
    let databaseUrl = config.databaseUrl;
    if (databaseUrl === undefined) {
      postgres = await EmbeddedPostgres.start({
        dataDir: persistent ? path.join(config.dataDir, 'postgres') : await throwawayDataDir(),
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

    await prepareDatabase(databaseUrl);
    return { temporalAddress, temporalUiUrl, databaseUrl, postgres, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
