/**
 * The README's "Reading encrypted cases in the Temporal UI", step by step in Chromium, against the dev
 * server's own Temporal UI started with `--ui-codec-endpoint` (as `npm run dev` does) and a real API: a street
 * supervisor signs in, sets the UI's codec as the README says, and reads a case of their street decoded; a
 * supervisor of another street does not; the case's summary is readable with no codec session at all.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { freePort } from '../../infra/postgres.js';
import { resolveTemporalServer } from '../../infra/temporal-cli.js';
import { startTemporalDevServer, type RunningTemporalServer } from '../../infra/temporal-server.js';
import { complaintWorkflowId } from '../../workflows/messages.js';
import { allSearchAttributeKeys } from '../../workflows/search-attributes.js';
import { launchBrowser } from '../helpers/browser.js';
import { fileThroughApi } from '../helpers/cases.js';
import { createTestEnv, eventually, installQuietRuntime, type TestEnv } from '../helpers/env.js';

let server: RunningTemporalServer | undefined;
let env: TestEnv;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let api: string;
let ui: string;
let caseNo: string;
const TITLE = 'Pigeons nesting in the stairwell';

beforeAll(async () => {
  const [apiPort, uiPort] = [await freePort(), await freePort()];
  api = `http://localhost:${apiPort}`;
  ui = `http://localhost:${uiPort}`;
  const logger = createLogger({ level: 'warn', pretty: false, name: 'test' });
  // The dev server below creates the SDK runtime; route its logs first.
  installQuietRuntime(logger);
  const source = await resolveTemporalServer({ config: loadConfig({ JIESU_ENV: 'test' }), logger, ignoreAddress: true });
  if (source.kind === 'external') throw new Error('resolveTemporalServer ignored no address');
  server = await startTemporalDevServer({ source, namespace: 'default', uiPort, codecEndpoint: `${api}/codec`, fast: true, searchAttributes: allSearchAttributeKeys });
  env = await createTestEnv({ logger, temporalAddress: server.address, env: { TEMPORAL_UI_URL: ui } });
  await env.app.listen({ host: '127.0.0.1', port: apiPort });
  browser = await launchBrowser();

  ({ caseNo } = await fileThroughApi(env, { title: TITLE, description: 'Droppings on every floor of building 3' }));
  // Decoding is scoped by the read model: wait until it knows the case's unit.
  await eventually(async () => ((await env.call(await env.key('admin'), 'GET', `/v1/complaints/${caseNo}/timeline`)).statusCode === 200 ? true : undefined));
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
  await server?.stop();
});

/** A fresh browser profile with a viewport tall enough for the UI's codec settings below its sticky top bar. */
async function freshBrowser(): Promise<{ context: BrowserContext; page: Page; decodes: number[] }> {
  const context = await browser.browser.newContext({ viewport: { width: 1440, height: 1600 } });
  const page = await context.newPage();
  const decodes: number[] = [];
  page.on('response', (response) => {
    if (response.url() === `${api}/codec/decode` && response.request().method() === 'POST') decodes.push(response.status());
  });
  return { context, page, decodes };
}

/** README step 1: sign in on the API's codec page with a supervisor key. */
async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(`${api}/codec`);
  await page.getByLabel('Supervisor API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.textContent('body')).toContain('Signed in as');
}

/**
 * README step 2: in the UI's Codec Server settings, use the browser setting with the API's endpoint and
 * cross-origin credentials. (Keys, not clicks, for the switch and Apply: Playwright scrolls them under the
 * UI's sticky top bar.)
 */
async function configureCodec(page: Page): Promise<void> {
  await page.goto(`${ui}/namespaces/default/workflows`);
  await page.getByRole('button', { name: /Codec Server/ }).click();
  await page.getByRole('button', { name: /Use Cluster-level setting/ }).click();
  await page.getByText('Use my browser setting and ignore Cluster-level setting.').click();
  await page.getByLabel('Codec Server browser endpoint').fill(`${api}/codec`);
  const credentials = page.getByRole('switch', { name: 'Include cross-origin credentials' });
  await credentials.focus();
  await page.keyboard.press('Space');
  expect(await credentials.isChecked()).toBe(true);
  await page.getByRole('button', { name: 'Apply' }).focus();
  await page.keyboard.press('Enter');
}

const openCase = async (page: Page): Promise<void> => {
  await page.goto(`${ui}/namespaces/default/workflows/${complaintWorkflowId(caseNo)}`);
  await page.getByRole('heading', { name: 'Input' }).waitFor();
};

/** A fresh browser that followed the README's steps as a supervisor of `unitId`, on the case's page. */
async function caseAsSupervisorOf(unitId: string): Promise<Awaited<ReturnType<typeof freshBrowser>>> {
  const opened = await freshBrowser();
  await signIn(opened.page, await env.key('supervisor', unitId));
  await configureCodec(opened.page);
  await openCase(opened.page);
  return opened;
}

/** Opens the case with no codec session: every decode is refused as unauthenticated, the input stays ciphertext. */
async function expectCiphertextOnly(page: Page, decodes: number[]): Promise<void> {
  await openCase(page);
  await expect.poll(() => decodes.length).toBeGreaterThan(0);
  expect(decodes.every((status) => status === 401)).toBe(true);
  expect(await page.textContent('body')).not.toContain(TITLE);
}

describe('reading encrypted cases in the Temporal UI', () => {
  it('shows the summary without a codec session, and the input only as ciphertext', async () => {
    const { context, page, decodes } = await freshBrowser();
    await expectCiphertextOnly(page, decodes);
    await page.getByText(`${caseNo} · neighbour-dispute · normal`).first().waitFor();
    await context.close();
  });

  it("decodes a case of the supervisor's street after the README's steps, and stops at sign-out", { timeout: 120_000 }, async () => {
    const { context, page, decodes } = await caseAsSupervisorOf('street-heping');
    await page.getByText(TITLE).first().waitFor();
    expect(decodes).toContain(200);
    expect(decodes).not.toContain(401);

    await page.goto(`${api}/codec`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.textContent('body')).toContain('Sign in');
    decodes.length = 0;
    await expectCiphertextOnly(page, decodes);
    await context.close();
  });

  it('keeps the case encrypted for a supervisor of another street', { timeout: 120_000 }, async () => {
    const { context, page, decodes } = await caseAsSupervisorOf('street-binhe');
    await expect.poll(() => decodes).toContain(403);
    expect(decodes).not.toContain(401);
    expect(await page.textContent('body')).not.toContain(TITLE);
    await context.close();
  });
});
