import { NativeConnection } from '@temporalio/worker';
import { createDb } from '../db/client.js';
import { requireCurrentSchema } from '../db/prepare.js';
import { loadConfig, requireDatabaseUrl, requireTemporalAddress } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { createClient, ensureSearchAttributes, temporalConnectionOptions } from '../infra/temporal.js';
import { allSearchAttributeKeys } from '../workflows/search-attributes.js';
import { Connection } from '@temporalio/client';
import { LogNotifier, WebhookNotifier } from '../activities/notifier.js';
import { NotificationOutbox } from '../activities/outbox.js';
import { createCaseWorker, installRuntimeLogger } from './create-worker.js';
import { watchCalendar } from './calendar-watch.js';
import { ensureEvaluationSchedule } from './schedules.js';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel, name: 'worker' });
installRuntimeLogger(logger);

const address = requireTemporalAddress(config);
const connectionOptions = temporalConnectionOptions(config, address);
const database = createDb({ url: requireDatabaseUrl(config) });
// Migrations and reference data are a deploy step (`npm run db:migrate`); the worker only works.
await requireCurrentSchema(database.pool);

const clientConnection = await Connection.connect(connectionOptions);
await ensureSearchAttributes(clientConnection, config.temporal.namespace, allSearchAttributeKeys, logger);
const client = createClient(clientConnection, config);
await ensureEvaluationSchedule(client, { taskQueue: config.temporal.taskQueue, ...config.evaluation }, logger);

const notifier =
  config.notify.webhookUrl && config.notify.webhookSecret ? new WebhookNotifier(config.notify.webhookUrl, config.notify.webhookSecret) : new LogNotifier(logger);
const outbox = new NotificationOutbox(database.db, notifier, logger, { queue: config.temporal.taskQueue, maxAttempts: config.notify.maxAttempts });

const connection = await NativeConnection.connect(connectionOptions);
const worker = await createCaseWorker({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  encryptionKeys: config.encryptionKeys,
  tuning: { maxCachedWorkflows: config.worker.maxCachedWorkflows },
  deps: {
    db: database.db,
    logger,
    client,
    outbox,
  },
});
outbox.start();
const stopCalendarWatch = watchCalendar(database.db, logger);
logger.info({ address, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, ...config.worker }, 'Worker running');
// Runtime shuts the worker down on SIGINT/SIGTERM; run() resolves once in-flight tasks are done.
await worker.run();
stopCalendarWatch();
await outbox.stop();
await connection.close();
await clientConnection.close();
await database.close();
logger.info('Worker stopped');
