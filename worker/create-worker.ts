import { createRequire } from 'node:module';
import { NativeConnection, Runtime, Worker, makeTelemetryFilterString, type WorkerOptions } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/deps.js';
import { createActivities } from '../activities/index.js';
import type { EncryptionKey } from '../infra/config.js';
import { PinoTemporalLogger, type Logger } from '../infra/logger.js';
import { workerDataConverter } from '../infra/temporal.js';

const require = createRequire(import.meta.url);

/** Path of the workflow entry module, bundled by the worker. */
export const workflowsPath = require.resolve('../workflows/index.ts');
/**
 * Workflow interceptor modules every bundle of `workflows/` must carry (a prebuilt bundle ignores the
 * worker's own list): they refuse messages the worker's codec did not trust (workflows/interceptors.ts).
 */
export const workflowInterceptorModules = [require.resolve('../workflows/interceptors.ts')];
/**
 * Modules the worker evaluates once and shares, deep-frozen, between all the workflows it runs (the SDK's
 * `preloadModules`, with its reusable V8 context); a module left out is evaluated again for each cached
 * workflow, and its copy lives as long as the workflow stays cached. The workflows and their interceptors
 * are shared, and with them everything they import (the case engine, the action catalogue and its TypeBox
 * schemas, the message contract, the SDK's workflow API): pure rules, constants and functions, with no
 * module-level state, so sharing them changes nothing a workflow does while a cached case costs a fraction
 * of the memory (BENCHMARKS.md). tests/worker/shared-modules.test.ts checks that the bundle shares them and
 * that none holds state; a module that needs state must not be reachable from these.
 */
export const sharedWorkflowModules = [workflowsPath, ...workflowInterceptorModules];
/** How every bundle of `workflows/` is built: the worker's own, the tests' prebuilt one, the benchmarks'. */
export const workflowBundleOptions = { workflowsPath, workflowInterceptorModules, preloadModules: sharedWorkflowModules };

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
  /** Payload encryption keys (the worker decodes with infra/temporal.ts `workerDataConverter`). */
  encryptionKeys: EncryptionKey[];
  /** A prebuilt bundle (tests build one per run, with `workflowBundleOptions`); otherwise the worker bundles `workflows/`. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  tuning?: Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentActivityTaskExecutions'>;
}

/** The case worker: complaint workflows plus their activities. */
export function createCaseWorker({ connection, namespace, taskQueue, deps, encryptionKeys, workflowBundle, tuning }: CaseWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    dataConverter: workerDataConverter({ encryptionKeys }),
    ...(workflowBundle
      ? { workflowBundle }
      : { workflowsPath, interceptors: { workflowModules: workflowInterceptorModules }, bundlerOptions: { preloadModules: sharedWorkflowModules } }),
    activities: createActivities(deps),
    ...tuning,
  });
}
