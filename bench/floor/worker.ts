/**
 * The worker of `npm run bench:memory -- --workflow floor`: the case worker's connection, data converter,
 * interceptors, bundle options (one shared, reused V8 context with `preloadModules`) and cache size, with
 * the trivial workflow of ./workflows.ts instead of the case workflows and no activities.
 */
import { createRequire } from 'node:module';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig, requireTemporalAddress } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { temporalConnectionOptions, workerDataConverter } from '../../infra/temporal.js';
import { installRuntimeLogger, workflowInterceptorModules } from '../../worker/create-worker.js';

const require = createRequire(import.meta.url);
const workflowsPath = require.resolve('./workflows.ts');
const config = loadConfig();
const logger = createLogger({ level: config.logLevel, name: 'floor-worker' });
installRuntimeLogger(logger);
const connection = await NativeConnection.connect(temporalConnectionOptions(config, requireTemporalAddress(config)));
const worker = await Worker.create({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  dataConverter: workerDataConverter({ encryptionKeys: config.encryptionKeys }),
  workflowsPath,
  interceptors: { workflowModules: workflowInterceptorModules },
  bundlerOptions: { preloadModules: [workflowsPath, ...workflowInterceptorModules] },
  maxCachedWorkflows: config.worker.maxCachedWorkflows,
});
logger.info({ taskQueue: config.temporal.taskQueue, ...config.worker }, 'Worker running');
await worker.run();
await connection.close();
