import { accessSync, constants } from 'node:fs';
import type { Config } from './config.js';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** A Chromium to run headless: CHROMIUM_PATH, else a system install. */
export function findChromium(config: Pick<Config, 'chromiumPath'>): string | undefined {
  for (const candidate of [config.chromiumPath, ...CANDIDATES]) {
    if (candidate === undefined) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/** Flags for headless Chromium on a closed network, as root in a container. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
