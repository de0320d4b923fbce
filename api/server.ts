import { Connection } from '@temporalio/client';
import { createClient, temporalConnectionOptions } from '../infra/temporal.js';
import { createDb } from '../db/client.js';
import { requireCurrentSchema } from '../db/prepare.js';
import { loadConfig, requireDatabaseUrl, requireTemporalAddress } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { buildApp } from './app.js';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel, name: 'api' });

const connection = await Connection.connect(temporalConnectionOptions(config, requireTemporalAddress(config)));
const client = createClient(connection, config);
const database = createDb({ url: requireDatabaseUrl(config) });
// Intake works without the read model, so a database that is down does not stop the API starting; one
// that nobody migrated is said loudly (`npm run db:migrate` is a deploy step).
await requireCurrentSchema(database.pool).catch((error: unknown) => logger.error({ err: error }, 'Read-model database not ready'));

const app = await buildApp({ config, logger, temporal: { client, taskQueue: config.temporal.taskQueue }, database });
await app.listen({ host: config.api.host, port: config.api.port });

let stopping = false;
const shutdown = async (signal: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'Shutting down: finishing in-flight requests');
  await app.close();
  await connection.close();
  await database.close();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
