/** The live process map renders the model in headless Chromium with the counts the API reports. */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processDefinitions } from '../../db/schema.js';
import { shippedProcess, shippedProcessXml } from '../../processes/shipped.js';
import { act, both, startCase, testLimits, waitForCase } from '../helpers/cases.js';
import { launchBrowser } from '../helpers/browser.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { withLimits } from '../helpers/limits.js';

let env: TestEnv;
let baseUrl: string;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
const key = `map-${randomUUID().slice(0, 6)}`;

beforeAll(async () => {
  env = await createTestEnv();
  // The shipped model under a key of its own; the district dispatch limit is short, so one case is overdue there.
  const definition = { ...withLimits(await shippedProcess(), testLimits({ signFor: { community: both('PT5M'), street: both('PT5M'), district: both('PT2S') } })), key };
  const source = (await shippedProcessXml()).replace('<bpmn:process id="complaint"', `<bpmn:process id="${key}"`).replace('bpmnElement="complaint"', `bpmnElement="${key}"`);
  await env.database.db.insert(processDefinitions).values({ key, version: 1, name: definition.name, format: 'bpmn', source, definition });
  baseUrl = await env.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe('/ops/processes/:key', () => {
  it('shows on each step the open, warning and overdue counts of the heatmap API, and lists a step\'s cases on click', async () => {
    const waiting = await Promise.all([startCase(env, key), startCase(env, key), startCase(env, key, { category: 'property-management' }), startCase(env, key, { category: 'not-listed' })]);
    for (const c of waiting) await waitForCase(c.handle, (v) => v.deadline !== null);
    await act(waiting[0]!.handle, 'signFor', { actor: { role: 'handler', id: 'h', unitId: 'comm-heping-north' } });
    await waitForCase(waiting[3]!.handle, (v) => v.overdueAtTop, 'the overdue dispatch');
    const admin = await env.key('admin');
    const heat = await (async () => {
      for (;;) {
        const h = (await env.call(admin, 'GET', `/v1/process-definitions/${key}/heatmap`)).json<{ steps: Array<{ step: string; open: number; warning: number; overdue: number }> }>();
        if (h.steps.reduce((n, s) => n + s.open, 0) === 4 && h.steps.some((s) => s.step === 'district-dispatch' && s.overdue === 1)) return h;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    expect(heat.steps.map((s) => s.step).sort()).toEqual(['community-handle', 'community-sign', 'district-dispatch', 'street-sign']);

    const page = await browser.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${baseUrl}/ops/processes/${key}`);
    await page.fill('#api-key', admin);
    await page.click('#connect');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    const badges = await page.$$eval('.jiesu-count', (nodes) =>
      nodes.map((n) => ({ step: n.getAttribute('data-step'), open: Number(n.getAttribute('data-open')), warning: Number(n.getAttribute('data-warning')), overdue: Number(n.getAttribute('data-overdue')) })),
    );
    expect(badges.sort((a, b) => a.step!.localeCompare(b.step!))).toEqual(heat.steps);
    expect(await page.$$eval('.djs-element.djs-shape', (shapes) => shapes.length)).toBeGreaterThan(40);

    await page.click('.jiesu-count[data-step="community-sign"]');
    await page.waitForSelector('#case-rows tr');
    const listed = await page.$$eval('#case-rows tr', (rows) => rows.map((r) => r.getAttribute('data-case')));
    expect(listed.sort()).toEqual([waiting[1]!.caseNo].sort());
    const temporalLink = await page.$eval('#case-rows tr a[target="_blank"]', (a) => a.getAttribute('href'));
    expect(temporalLink).toContain(`/workflows/complaint-${waiting[1]!.caseNo}`);
    await page.screenshot({ path: path.join(os.tmpdir(), 'jiesu-process-map.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
