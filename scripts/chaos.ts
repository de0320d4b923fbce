/**
 * `npm run chaos -- --cases 200 --worker-kills 20 --api-restarts 5 --db-outages 2`: the chaos suite on a
 * Temporal server of its own (or TEMPORAL_ADDRESS) and a throwaway PostgreSQL. Prints progress, then the
 * report; exits 1 if any invariant is violated. The worker's and the API's output go to `--logs <dir>`
 * (default `.data/chaos/seed-<seed>-<time>/`).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runChaos } from '../chaos/harness.js';
import { loadConfig } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { resolveTemporalServer } from '../infra/temporal-cli.js';
import { startTemporalDevServer } from '../infra/temporal-server.js';
import { allSearchAttributeKeys } from '../workflows/search-attributes.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '200' },
    'worker-kills': { type: 'string', default: '20' },
    'api-restarts': { type: 'string', default: '5' },
    'db-outages': { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '8' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    logs: { type: 'string' },
  },
});
const config = loadConfig();
const logger = createLogger({ level: 'warn', name: 'chaos' });
const source = await resolveTemporalServer({ config, logger });
const server = source.kind === 'external' ? undefined : await startTemporalDevServer({ source, namespace: config.temporal.namespace, fast: true, searchAttributes: allSearchAttributeKeys });
const started = Date.now();
// The worker's and the API's output of the run, kept for reading after a violation or a crash.
const logsDir = path.resolve(values.logs ?? path.join('.data', 'chaos', `seed-${values.seed}-${new Date().toISOString().replace(/[:.]/g, '-')}`));
await mkdir(logsDir, { recursive: true });
process.stdout.write(`Service logs: ${logsDir}\n`);
try {
  const report = await runChaos({
    temporalAddress: source.kind === 'external' ? source.address : server!.address,
    namespace: config.temporal.namespace,
    cases: Number(values.cases),
    workerKills: Number(values['worker-kills']),
    apiRestarts: Number(values['api-restarts']),
    dbOutages: Number(values['db-outages']),
    concurrency: Number(values.concurrency),
    seed: Number(values.seed),
    logger,
    logsDir,
    progress: (line) => process.stdout.write(`[${Math.round((Date.now() - started) / 1000)} s] ${line}\n`),
  });
  process.stdout.write(`\n${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.violations.length === 0 ? 0 : 1;
} finally {
  await server?.stop();
}
