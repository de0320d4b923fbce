/** The OpenAPI document renders as Swagger UI in a real browser and lists every route. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
let baseUrl: string;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
beforeAll(async () => {
  env = await createTestEnv({ worker: false });
  baseUrl = await env.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe('/docs', () => {
  it('renders in headless Chromium and lists every route of the OpenAPI document', async () => {
    const document = (await (await fetch(`${baseUrl}/docs/json`)).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).toMatch(/^3\./);
    const expected = Object.entries(document.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`));
    expect(expected.length).toBeGreaterThan(40);

    const page = await browser.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${baseUrl}/docs`);
    await page.waitForSelector('.opblock', { timeout: 30_000 });
    const listed = await page.$$eval('.opblock', (blocks) =>
      blocks.map((b) => `${b.querySelector('.opblock-summary-method')?.textContent?.trim()} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`),
    );
    expect(new Set(listed)).toEqual(new Set(expected));
    expect(await page.title()).toMatch(/Swagger UI/);
    expect(errors).toEqual([]);
    await page.close();
  });
});
