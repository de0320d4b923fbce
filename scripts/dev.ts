/**
 * `npm run dev`: the whole stack on one machine. Starts (or finds) Temporal with its Web UI and
 * PostgreSQL, applies migrations, seeds the sample district, runs the worker and the API as child
 * processes, prints where everything is, and stops all of it on Ctrl-C. Data persists in `.data/`.
 *
 * `npm run topology` is the same command with `--server postgres --workers 2 --apis 2`: Temporal's own
 * server on PostgreSQL (built from source the first time), N worker and M API processes (the APIs on
 * consecutive ports from PORT), data in `.data/topology/` (docs/topology.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { loadConfig, projectRoot } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { startLocalStack } from '../infra/local-stack.js';
import { temporalConnectionOptions } from '../infra/temporal.js';
import { isPortFree } from '../infra/postgres.js';
import { workerEnvDefaults } from '../infra/service-process.js';
import { TEMPORAL_SERVER_VERSION } from '../infra/temporal-server-build.js';
import { createDb } from '../db/client.js';
import { prepareDatabase } from '../db/prepare.js';
import { allSearchAttributeKeys } from '../workflows/search-attributes.js';
import { ensureDevKeys } from './dev-keys.js';
import { ensureWebBuilt } from './web-build.js';

const usage = 'usage: tsx scripts/dev.ts [--server dev|postgres] [--workers N] [--apis M]';
const { values } = parseArgs({
  options: { server: { type: 'string' }, workers: { type: 'string', default: '1' }, apis: { type: 'string', default: '1' }, help: { type: 'boolean', default: false } },
});
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const count = (name: 'workers' | 'apis'): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1 || n > 16) {
    process.stderr.write(`--${name} must be a whole number from 1 to 16 (got "${values[name]}")\n${usage}\n`);
    process.exit(2);
  }
  return n;
};
const workers = count('workers');
const apis = count('apis');
const config = loadConfig(values.server === undefined ? process.env : { ...process.env, JIESU_TEMPORAL_SERVER: values.server });
const logger = createLogger({ level: config.logLevel, name: 'dev' });
const onPostgres = config.temporal.localServer === 'postgres' && config.temporal.address === undefined;
// The topology keeps its own data: its Temporal histories live in PostgreSQL, the dev server's in SQLite,
// and one read model cannot describe both.
const dataDir = onPostgres ? path.join(config.dataDir, 'topology') : config.dataDir;
const shown = (file: string): string => (path.relative(process.cwd(), file).startsWith('..') ? file : path.relative(process.cwd(), file));

const apiPorts = Array.from({ length: apis }, (_, i) => config.api.port + i);
for (const [i, port] of apiPorts.entries()) {
  if (!(await isPortFree(port))) {
    process.stderr.write(`Port ${port} (API ${i + 1} of ${apis}) is in use: set PORT to the first of ${apis} free ports.\n`);
    process.exit(1);
  }
}

await mkdir(dataDir, { recursive: true });
await ensureWebBuilt((message) => logger.info(message));
const stack = await startLocalStack({
  config,
  logger,
  persistent: true,
  dataDir,
  temporalPort: config.dev.temporalPort,
  temporalUiPort: config.dev.temporalUiPort,
  postgresPort: config.dev.postgresPort,
  codecEndpoint: `http://localhost:${config.api.port}/codec`,
  searchAttributes: allSearchAttributeKeys,
  prepareDatabase: (url) => prepareDatabase(url, { sampleDistrict: true }),
});
const temporalUiUrl = stack.temporalUiUrl ?? config.temporal.uiUrl;
const keysFile = path.join(dataDir, 'dev-keys.json');
const keysDb = createDb({ url: stack.databaseUrl, max: 1 });
const devKeys = await ensureDevKeys(keysDb.db, keysFile).finally(() => keysDb.close());

const childEnv = {
  ...process.env,
  TEMPORAL_ADDRESS: stack.temporalAddress,
  DATABASE_URL: stack.databaseUrl,
  TEMPORAL_UI_URL: temporalUiUrl,
};
const children: Array<{ name: string; child: ChildProcess }> = [];
let stopping = false;

function runChild(name: string, entry: string, env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, entry)], { env: { ...childEnv, ...env }, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      logger.error({ process: name, code, signal }, `The ${name} exited; stopping the stack`);
      void shutdown(1);
    }
  });
  children.push({ name, child });
  return child;
}

async function shutdown(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info(`Stopping ${workers > 1 || apis > 1 ? 'the API and worker processes' : 'the API, the worker'}, PostgreSQL and Temporal …`);
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  await stack.stop();
  process.stdout.write(`Stopped. Cases and data are kept in ${shown(dataDir)}\n`);
  process.exit(exitCode);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

const numbered = (name: string, i: number, of: number): string => (of > 1 ? `${name} ${i + 1}` : name);
const workerPids = Array.from({ length: workers }, (_, i) => runChild(numbered('worker', i, workers), 'worker/main.ts', workerEnvDefaults(process.env)).pid);
const apiUrls = apiPorts.map((port, i) => {
  runChild(numbered('API', i, apis), 'api/server.ts', { PORT: String(port) });
  return `http://localhost:${port}`;
});

/** Waits until `ready` answers true, or stops the stack after three minutes. */
const deadline = Date.now() + 180_000;
async function waitUntil(what: string, ready: () => Promise<boolean>): Promise<void> {
  while (!stopping) {
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      logger.error(`${what} did not become ready within three minutes`);
      await shutdown(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
for (const apiUrl of apiUrls) await waitUntil(`The API at ${apiUrl}`, async () => (await fetch(`${apiUrl}/readyz`)).ok);
// A worker is running once it polls the task queue (its identity is `<pid>@<host>`).
const connection = await Connection.connect(temporalConnectionOptions(config, stack.temporalAddress));
await waitUntil('The workers', async () => {
  const { pollers } = await connection.workflowService.describeTaskQueue({
    namespace: config.temporal.namespace,
    taskQueue: { name: config.temporal.taskQueue },
    taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  const polling = new Set(pollers.map((p) => Number(p.identity?.split('@')[0])));
  return workerPids.every((pid) => polling.has(pid!));
});
await connection.close();

if (!stopping) {
  const column = (label: string, value: string): string => `  ${label.padEnd(15)}${value}`;
  const lines = [
    '',
    onPostgres
      ? `  Jiesu is running on temporal-server ${TEMPORAL_SERVER_VERSION} with PostgreSQL: ${workers} worker${workers > 1 ? 's' : ''} and ${apis} API process${apis > 1 ? 'es' : ''}. Ctrl-C stops everything; data stays in ${shown(dataDir)}/.`
      : `  Jiesu is running. Ctrl-C stops everything; data stays in ${shown(dataDir)}/.`,
    '',
    column('Workbench', `${apiUrls[0]}/app/  (sign in with a key from the file below)`),
    ...apiUrls.map((url, i) => column(numbered('API', i, apis), url)),
    column('OpenAPI docs', `${apiUrls[0]}/docs`),
    column('Temporal UI', temporalUiUrl),
    column('UI codec', `${apiUrls[0]}/codec  (supervisors sign in here to read cases in the UI)`),
    ...(onPostgres
      ? [
          column('Temporal', `${stack.temporalAddress} (namespace ${config.temporal.namespace})`),
          column('Workers', `${workers} on task queue ${config.temporal.taskQueue} (pids ${workerPids.join(', ')})`),
          ...(stack.temporalLogFile ? [column('Server log', shown(stack.temporalLogFile))] : []),
        ]
      : []),
    '',
    `  API keys for the sample district are in ${shown(keysFile)}; the hotline intake key:`,
    `  ${devKeys.intake}`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
