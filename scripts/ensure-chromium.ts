/**
 * The browser tests (OpenAPI docs, the live process diagram) run in Debian's Chromium. This installs
 * it when it is missing and the machine allows (root with apt-get), with progress; elsewhere it
 * explains how to point CHROMIUM_PATH at a browser. `npm test` runs it before the suite.
 */
import { spawnSync } from 'node:child_process';
import { loadConfig } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { findChromium } from '../infra/chromium.js';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel, name: 'chromium' });
const found = findChromium(config);
if (found) {
  logger.info(`Chromium: ${found}`);
} else if (process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).status === 0) {
  logger.info('Installing Chromium from Debian (apt-get install chromium; about a minute)');
  const started = Date.now();
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', 'chromium']]) {
    const result = spawnSync('apt-get', args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status !== 0) {
      logger.error(`apt-get ${args.join(' ')} failed (exit ${result.status})`);
      process.exit(1);
    }
  }
  logger.info({ seconds: Math.round((Date.now() - started) / 1000), path: findChromium(config) }, 'Chromium installed');
} else {
  logger.warn('No Chromium found and cannot install it here: set CHROMIUM_PATH to a Chromium or Chrome binary; the browser tests will fail without one');
}
