import { createRequire } from 'node:module';
import { NativeConnection, Runtime, Worker, makeTelemetryFilterString, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { PinoTemporalLogger, type Logger } from '../infra/logger.js';

const require = createRequire(import.meta.url);

/** Path of the workflow entry module, bundled by the worker. */
export const workflowsPath = require.resolve('../workflows/index.ts');

/** Routes SDK, workflow and activity logs, including core's, into the process's pino logger. Once per process. */
export function installRuntimeLogger(logger: Logger): void {
  Runtime.install({
    logger: new PinoTemporalLogger(logger.child({ component: 'temporal' })),
    telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }) } },
  });
}

export interface CaseWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** The encryption codec (see infra/temporal.ts `dataConverter`). */
  dataConverter: WorkerOptions['dataConverter'];
  /** A prebuilt bundle (tests build one per run); otherwise the worker bundles `workflows/`. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  tuning?: Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentActivityTaskExecutions'>;
}

/** The case worker: complaint workflows plus their activities. */
export function createCaseWorker({ connection, namespace, taskQueue, deps, dataConverter, workflowBundle, tuning }: CaseWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    dataConverter,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
    activities: createActivities(deps),
    ...tuning,
  });
}
