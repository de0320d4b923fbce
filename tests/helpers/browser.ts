import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from '../../infra/chromium.js';
import { loadConfig } from '../../infra/config.js';

/** Headless Debian Chromium (installed by `npm test`'s `chromium` step); Playwright gives it a throwaway profile. */
export async function launchBrowser(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const executablePath = findChromium(loadConfig());
  if (!executablePath) throw new Error('No Chromium: run `npm run chromium` (as root with apt-get) or set CHROMIUM_PATH');
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  return { browser, close: () => browser.close() };
}
