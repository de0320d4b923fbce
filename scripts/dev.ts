/**
 * `npm run dev`: the whole stack on one machine. Starts (or finds) Temporal with its Web UI and
 * PostgreSQL, applies migrations, seeds the sample district, runs the worker and the API as child
 * processes, prints where everything is, and stops all of it on Ctrl-C. Data persists in `.data/`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, projectRoot } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { startLocalStack } from '../infra/local-stack.js';
import { createDb } from '../db/client.js';
import { prepareDatabase } from '../db/prepare.js';
import { allSearchAttributeKeys } from '../workflows/search-attributes.js';
import { ensureDevKeys } from './dev-keys.js';
import { ensureWebBuilt } from './web-build.js';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel, name: 'dev' });

await mkdir(config.dataDir, { recursive: true });
await ensureWebBuilt((message) => logger.info(message));
const stack = await startLocalStack({
  config,
  logger,
  persistent: true,
  temporalPort: config.dev.temporalPort,
  temporalUiPort: config.dev.temporalUiPort,
  postgresPort: config.dev.postgresPort,
  codecEndpoint: `http://localhost:${config.api.port}/codec`,
  searchAttributes: allSearchAttributeKeys,
  prepareDatabase: (url) => prepareDatabase(url, { sampleDistrict: true }),
});
const temporalUiUrl = stack.temporalUiUrl ?? config.temporal.uiUrl;
const keysFile = path.join(config.dataDir, 'dev-keys.json');
const keysDb = createDb({ url: stack.databaseUrl, max: 1 });
const devKeys = await ensureDevKeys(keysDb.db, keysFile).finally(() => keysDb.close());

const childEnv = {
  ...process.env,
  TEMPORAL_ADDRESS: stack.temporalAddress,
  DATABASE_URL: stack.databaseUrl,
  TEMPORAL_UI_URL: temporalUiUrl,
};
const children: ChildProcess[] = [];
let stopping = false;

function runChild(name: string, entry: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, entry)], { env: childEnv, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      logger.error({ process: name, code, signal }, `The ${name} exited; stopping the stack`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

async function shutdown(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info('Stopping the API, the worker, PostgreSQL and Temporal …');
  await Promise.all(
    children.map(
      (child) =>
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
  process.stdout.write(`Stopped. Cases and data are kept in ${config.dataDir}\n`);
  process.exit(exitCode);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

runChild('worker', 'worker/main.ts');
runChild('api', 'api/server.ts');

const apiUrl = `http://localhost:${config.api.port}`;
const deadline = Date.now() + 120_000;
while (!stopping) {
  try {
    const response = await fetch(`${apiUrl}/readyz`);
    if (response.ok) break;
  } catch {
    // not listening yet
  }
  if (Date.now() > deadline) {
    logger.error('The API did not become ready within two minutes');
    await shutdown(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}

if (!stopping) {
  const lines = [
    '',
    '  Jiesu is running. Ctrl-C stops everything; data stays in .data/.',
    '',
    `  Workbench      ${apiUrl}/app/  (sign in with a key from the file below)`,
    `  API            ${apiUrl}`,
    `  OpenAPI docs   ${apiUrl}/docs`,
    `  Temporal UI    ${temporalUiUrl}`,
    `  UI codec       ${apiUrl}/codec  (supervisors sign in here to read cases in the UI)`,
    '',
    `  API keys for the sample district are in ${path.relative(process.cwd(), keysFile).startsWith('..') ? keysFile : path.relative(process.cwd(), keysFile)}; the hotline intake key:`,
    `  ${devKeys.intake}`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
