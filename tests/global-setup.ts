import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { startLocalStack } from '../infra/local-stack.js';
import { workflowBundleOptions } from '../worker/create-worker.js';
import { prepareDatabase } from '../db/prepare.js';
import { allSearchAttributeKeys } from '../workflows/search-attributes.js';
import { ensureWebBuilt } from '../scripts/web-build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
    workflowBundlePath: string;
    namespace: string;
    /** Which Temporal server the run uses: the CLI's dev server, `temporal-server` on PostgreSQL, or TEMPORAL_ADDRESS. */
    temporalServer: 'dev' | 'postgres' | 'external';
    /** Scenario tests save their workflows' histories to tests/fixtures/histories (npm run histories:record). */
    recordHistories: boolean;
  }
}

/**
 * ONE Temporal server and ONE PostgreSQL for the whole run, plus one workflow bundle shared by every test
 * worker. The server is the CLI's dev server, or with JIESU_TEMPORAL_SERVER=postgres `temporal-server` on
 * the run's PostgreSQL (`npm run test:postgres`).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const config = loadConfig({ ...process.env, JIESU_ENV: 'test' });
  const logger = createLogger({ level: 'warn', name: 'test-setup', pretty: false });
  // The browser tests drive the built workbench; `npm test` builds it before, this covers `npx vitest run <file>`.
  await ensureWebBuilt((message) => logger.warn(message));
  const stack = await startLocalStack({
    config,
    logger,
    persistent: false,
    searchAttributes: allSearchAttributeKeys,
    prepareDatabase: (url) => prepareDatabase(url, { sampleDistrict: true }),
  });
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'jiesu-test-'));
  const bundle = await bundleWorkflowCode({ ...workflowBundleOptions, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (m) => logger.error(m), log() {} } });
  const workflowBundlePath = path.join(scratch, 'workflow-bundle.js');
  await writeFile(workflowBundlePath, bundle.code);

  project.provide('temporalAddress', stack.temporalAddress);
  project.provide('databaseUrl', stack.databaseUrl);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('namespace', config.temporal.namespace);
  project.provide('temporalServer', config.temporal.address !== undefined ? 'external' : config.temporal.localServer);
  project.provide('recordHistories', process.env.JIESU_RECORD_HISTORIES === '1');
  return async () => {
    await stack.stop();
    await rm(scratch, { recursive: true, force: true });
  };
}
