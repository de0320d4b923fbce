/**
 * Builds (once, into `.cache/`) the Temporal server, its SQL tool and the Web UI server at the pinned
 * versions, and prints where they are. `npm test` runs this before its PostgreSQL pass so that the long
 * first build shows its progress instead of hiding inside the test setup; `npm run topology` needs them too.
 */
import { loadConfig } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { resolveServerBinaries, TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../infra/temporal-server-build.js';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel, name: 'temporal-server' });
const binaries = await resolveServerBinaries({ config, logger });
logger.info(binaries, `Temporal server ${TEMPORAL_SERVER_VERSION} and UI ${TEMPORAL_UI_VERSION}`);
