/**
 * Finds the Temporal CLI the way `dev` and the tests do, building it with Go into `.cache/` when
 * nothing else is there, and prints what will be used. `npm test` runs this first so that the long
 * first build shows its progress instead of hiding inside the test setup.
 */
import { loadConfig } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { resolveTemporalServer } from '../infra/temporal-cli.js';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel, name: 'temporal-cli' });
const source = await resolveTemporalServer({ config, logger });
switch (source.kind) {
  case 'external':
    logger.info(`Temporal server: ${source.address} (TEMPORAL_ADDRESS)`);
    break;
  case 'executable':
    logger.info(`Temporal CLI: ${source.path} (${source.origin})`);
    break;
  case 'sdk-download':
    logger.info(`Temporal CLI: v${source.version}, downloaded by @temporalio/testing on first use`);
    break;
}
