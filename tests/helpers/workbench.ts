/// <reference lib="dom" />
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchBrowser } from './browser.js';
import { createTestEnv, type TestEnv } from './env.js';

const require = createRequire(import.meta.url);
const axeSource = require('node:fs').readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8') as string;

/** A fresh browser context (its own cookies) at a viewport width, with page errors collected. */
export async function openPage(browser: Browser, width = 1920): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width, height: width < 800 ? 800 : 1080 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, errors };
}

/** Signs in through the sign-in form; resolves on the role's home page. */
export async function signIn(page: Page, baseUrl: string, key: string): Promise<void> {
  await page.goto(`${baseUrl}/app/`);
  await page.fill('#key', key);
  await page.click('[data-test=sign-in]');
  await page.waitForSelector('[data-test=who]');
}

/** What a workbench test file shares: the real stack serving the app on a port, headless Chromium, and the errors of the pages it opened. */
export interface WorkbenchSuite {
  env: TestEnv;
  baseUrl: string;
  /** Uncaught errors of every page closed so far (a file's last test expects none). */
  pageErrors: string[];
  /** Signs `key` in through the sign-in form in a fresh browser context `width` px wide; resolves on the role's home page. */
  session(key: string, width?: number): Promise<Page>;
}

/** Starts the stack and the browser before the file's tests and stops them after; `env` and `baseUrl` are set once they have started. */
export function workbenchSuite(): WorkbenchSuite {
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  const suite: WorkbenchSuite = {
    env: undefined as unknown as TestEnv,
    baseUrl: '',
    pageErrors: [],
    async session(key, width = 1920) {
      const { page, errors } = await openPage(browser!.browser, width);
      page.on('close', () => suite.pageErrors.push(...errors));
      await signIn(page, suite.baseUrl, key);
      return page;
    },
  };
  beforeAll(async () => {
    suite.env = await createTestEnv();
    suite.baseUrl = await suite.env.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await suite.env?.close();
  });
  return suite;
}

/** What the app keeps in the browser's storage: a language preference and scroll positions, never a key or personal data. */
export async function expectCleanStorage(page: Page, secrets: string[]): Promise<void> {
  const stored = await page.evaluate(() => {
    const dump = (s: Storage) => Object.fromEntries(Array.from({ length: s.length }, (_, i) => s.key(i)!).map((k) => [k, s.getItem(k)]));
    return { local: dump(localStorage), session: dump(sessionStorage) };
  });
  // Allowed: the language chosen, and the router's scroll positions (numbers).
  expect(Object.keys(stored.session).filter((k) => k !== 'vue-router:scroll')).toEqual([]);
  expect(Object.keys(stored.local).filter((k) => k !== 'jiesu.locale')).toEqual([]);
  const text = JSON.stringify(stored);
  for (const secret of secrets) expect(text).not.toContain(secret);
  // The session cookie is HttpOnly: scripts cannot read it.
  expect(await page.evaluate(() => document.cookie)).not.toContain('jiesu_workbench');
}

/** The page is no wider than the viewport (nothing scrolls sideways). */
export async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
  expect(scroll, `page is ${scroll}px wide in a ${width}px viewport`).toBeLessThanOrEqual(width);
}

/** Axe finds no serious or critical accessibility violation on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  // Evaluated through the DevTools protocol, which the page's Content Security Policy (script-src 'self') does not govern.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  // Colours as they end up: a button still fading into its checked colours after a click has too little contrast midway.
  await page.evaluate(() => Promise.all(document.getAnimations().filter((a) => a.effect?.getComputedTiming().endTime !== Infinity).map((a) => a.finished.catch(() => {}))));
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, options: object): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  expect(violations).toEqual([]);
}

/** Chooses an option of an Element Plus select by part of its label; a multiple select is closed again afterwards. */
export async function chooseOption(page: Page, selectLocator: string, text: string): Promise<void> {
  const openDropdown = () => page.locator('.el-select__popper:visible');
  // Each select has its own dropdown: wait until the last one has closed, so the one that opens is this one's.
  await openDropdown().first().waitFor({ state: 'hidden' }).catch(() => {});
  await page.click(selectLocator);
  await openDropdown().locator('.el-select-dropdown__item', { hasText: text }).first().click();
  const closed = await openDropdown().first().waitFor({ state: 'hidden', timeout: 1500 }).then(() => true, () => false);
  if (!closed) {
    // A multiple select stays open: click somewhere neutral (the dialog's title, else the page's).
    const dialog = page.locator('.el-dialog__header:visible');
    await ((await dialog.count()) > 0 ? dialog.first() : page.locator('h1').first()).click({ position: { x: 5, y: 5 } });
    await openDropdown().first().waitFor({ state: 'hidden' });
  }
}

/** Opens a case's page on the app the page is signed in to. */
export async function openCase(page: Page, caseNo: string): Promise<void> {
  await page.goto(`${new URL(page.url()).origin}/app/cases/${caseNo}`);
  await page.waitForSelector('[data-test=case-status]');
}

/** Takes an action through its button and form; `fill` fills the form. Resolves once the dialog closed (the case took it). */
export async function act(page: Page, action: string, fill: (page: Page) => Promise<void> = async () => {}): Promise<void> {
  await page.click(`[data-action=${action}]`);
  await page.waitForSelector('[data-test=action-dialog]', { state: 'visible' });
  await fill(page);
  await page.click('[data-test=submit-action]');
  await page.waitForSelector('[data-test=action-dialog]', { state: 'hidden' });
}

/** Waits until the case page shows a status. */
export const statusIs = (page: Page, status: string) => page.waitForSelector(`[data-test=case-status][data-status="${status}"]`, { timeout: 20_000 });
/** A form filler that types text into one field. */
export const type = (field: string, text: string) => (page: Page) => page.fill(`[data-field=${field}]`, text);
/** The case numbers a queue's table lists. */
export const queueRows = (page: Page) => page.$$eval('[data-test=case-table] a[data-case]', (links) => links.map((a) => a.getAttribute('data-case')));

/** The page fits its viewport and axe finds no serious violation on it. */
export async function expectFits(page: Page): Promise<void> {
  await expectNoHorizontalOverflow(page);
  await expectAccessible(page);
}
