/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The workbench in headless Chromium against the real stack (Temporal, PostgreSQL, a worker, the API): each
 * role signs in, sees only its cases, takes the actions of its work end to end, sees a refusal in words,
 * and signs out; nothing secret or personal is kept in the browser; pages fit 375-px and 1920-px screens and
 * axe finds no serious accessibility violation on them.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { shippedProcess } from '../../processes/shipped.js';
import { fileThroughApi } from '../helpers/cases.js';
import { eventually } from '../helpers/env.js';
import { act, chooseOption, expectAccessible, expectCleanStorage, expectFits, expectNoHorizontalOverflow, openCase, queueRows, statusIs, type, workbenchSuite } from '../helpers/workbench.js';

const wb = workbenchSuite();
const { pageErrors, session } = wb;
/** Cases the handler's test leaves for the dispatcher's and the centre's (the tests run in order). */
let handed: Record<'a' | 'b' | 'c', { caseNo: string }>;

const CITIZEN = { name: 'Wang Fang', phone: '13800000000' };
const file = (fields: Record<string, unknown> = {}) => fileThroughApi(wb.env, { citizen: CITIZEN, ...fields });
const path = (caseNo: string, action: string) => `/v1/complaints/${caseNo}/${action}`;

describe('the workbench', () => {
  it('a community handler: sees only its unit\'s queue with counts, signs for, asks for more time, comments, resolves, returns, whistles, sees a refusal in words, and signs out', async () => {
    const [a, b, c, refused] = [await file(), await file(), await file(), await file()];
    const elsewhere = await file({ location: { unitId: 'comm-heping-south' } });
    const key = await wb.env.key('handler', 'comm-heping-north');
    const page = await session(key);

    // The queue: my unit's open cases by deadline, with counts; another community's case is not there.
    await page.waitForSelector(`[data-case="${refused.caseNo}"]`, { timeout: 20_000 });
    const listed = await queueRows(page);
    expect(listed).toEqual(expect.arrayContaining([a.caseNo, b.caseNo, c.caseNo, refused.caseNo]));
    expect(listed).not.toContain(elsewhere.caseNo);
    const counts = await page.$eval('[data-test=counts]', (el) => Number(el.getAttribute('data-total')));
    expect(counts).toBe(listed.length);
    await expectFits(page);
    await expectCleanStorage(page, [key]);

    // Case A: the case page shows the citizen in the clear to the holder, and exactly the allowed actions.
    await openCase(page, a.caseNo);
    expect(await page.textContent('[data-test=citizen-phone]')).toBe(CITIZEN.phone);
    const buttons = await page.$$eval('[data-test=actions] [data-action]', (els) => els.map((e) => e.getAttribute('data-action')));
    const view = (await wb.env.call(key, 'GET', `/v1/complaints/${a.caseNo}`)).json<{ allowedActions: Record<string, string[]> }>();
    expect(buttons.sort()).toEqual([...view.allowedActions.handler!].sort());
    await expectFits(page);
    await act(page, 'signFor');
    await statusIs(page, 'handling');
    await act(page, 'requestExtension', type('reason', 'Waiting for the property company'));
    await page.waitForSelector('[data-entry="extension-requested"]');
    await act(page, 'comment', type('text', 'Called the neighbour'));
    await page.waitForSelector('[data-entry="commented"]');
    await expectCleanStorage(page, [key, CITIZEN.phone, CITIZEN.name]);

    // Case B is returned, case C whistled up to the street.
    await openCase(page, b.caseNo);
    await act(page, 'return', type('reason', 'Property matter, not ours'));
    await statusIs(page, 'awaiting-dispatch');
    await openCase(page, c.caseNo);
    await act(page, 'whistle', type('reason', 'Needs the street'));
    await page.waitForSelector('[data-entry="whistled"]');

    // A refusal in words: the case is signed for (elsewhere) while the form is open.
    await openCase(page, refused.caseNo);
    await page.click('[data-action=signFor]');
    await page.waitForSelector('[data-test=action-dialog]', { state: 'visible' });
    expect((await wb.env.call(key, 'POST', path(refused.caseNo, 'sign-for'), {})).statusCode).toBe(200);
    await page.click('[data-test=submit-action]');
    const problem = await page.waitForSelector('[data-test=action-dialog] [data-test=problem][data-reason=AlreadySigned]');
    expect(await problem.textContent()).toContain('工单已签收');
    expect(await problem.textContent()).toContain('already signed for');
    await page.click('[data-test=action-dialog] .el-dialog__footer button:not([data-test])');
    // The page followed the case (live update): now it is resolved from here.
    await statusIs(page, 'handling');
    await act(page, 'resolve', type('reply', 'Talked to both neighbours; the drilling stopped'));
    await statusIs(page, 'awaiting-evaluation');

    // Another unit's case is not readable, even by its address.
    await page.goto(`${wb.baseUrl}/app/cases/${elsewhere.caseNo}`);
    await page.waitForSelector('[data-test=problem][data-reason=forbidden]');

    // Signing out ends the session on the server, not just in the page.
    await page.goto(`${wb.baseUrl}/app/`);
    await page.click('[data-test=sign-out]');
    await page.waitForSelector('[data-test=sign-in]');
    const status = await page.evaluate(async () => (await fetch('/app/api/session')).status);
    expect(status).toBe(401);
    await page.close();
    handed = { a, b, c };
  });

  it('a street dispatcher: dispatch queue at its level, a refused dispatch, a dispatch, an extension decided, an urge, and the case\'s Temporal UI page', async () => {
    const { a, b } = handed;
    const key = await wb.env.key('dispatcher', 'street-heping');
    const page = await session(key);
    await page.waitForSelector(`[data-case="${b.caseNo}"]`, { timeout: 20_000 });
    await expectFits(page);

    await openCase(page, b.caseNo);
    expect(await page.getAttribute('[data-test=temporal-link]', 'href')).toContain(`/workflows/complaint-${b.caseNo}`);
    // A dispatcher sees the citizen masked.
    expect(await page.textContent('[data-test=citizen-phone]')).toBe('138****0000');
    await page.click('[data-action=dispatch]');
    await chooseOption(page, '[data-field=unitId]', '(dept-market)');
    await page.click('[data-test=submit-action]');
    const refusal = await page.waitForSelector('[data-test=action-dialog] [data-test=problem][data-reason=InvalidTarget]');
    expect(await refusal.textContent()).toContain('目标单位不符合要求');
    await page.click('[data-test=action-dialog] .el-dialog__footer button:not([data-test])');
    await act(page, 'dispatch', async (p) => chooseOption(p, '[data-field=unitId]', '(comm-heping-south)'));
    await statusIs(page, 'awaiting-sign');
    await act(page, 'urge', type('note', 'Please sign today'));
    await page.waitForSelector('[data-entry="urged"]');

    // The street decides the community's extension request; the handler then resolves.
    await openCase(page, a.caseNo);
    await act(page, 'decideExtension', type('note', 'One more day'));
    await page.waitForSelector('[data-entry="extension-approved"]');
    await page.close();
    const handler = await session(await wb.env.key('handler', 'comm-heping-north'));
    await openCase(handler, a.caseNo);
    await act(handler, 'resolve', type('reply', 'Talked to both neighbours; the drilling stopped'));
    await statusIs(handler, 'awaiting-evaluation');
    await handler.close();
  });

  it('the centre: dispatches a whistled case to a lead and a co-department, which report in; reassigns, urges, cancels a duplicate and arbitrates', async () => {
    const { c } = handed;
    const streetHandler = await wb.env.key('handler', 'street-heping');
    expect((await wb.env.call(streetHandler, 'POST', path(c.caseNo, 'sign-for'), {})).statusCode).toBe(200);
    expect((await wb.env.call(streetHandler, 'POST', path(c.caseNo, 'whistle'), { reason: 'Needs two departments' })).statusCode).toBe(200);

    const dispatcher = await session(await wb.env.key('dispatcher', 'centre'));
    await openCase(dispatcher, c.caseNo);
    await statusIs(dispatcher, 'awaiting-dispatch');
    await act(dispatcher, 'dispatch', async (p) => {
      await chooseOption(p, '[data-field=unitId]', '(dept-market)');
      await chooseOption(p, '[data-field=coUnitIds]', '(dept-urban)');
    });
    await statusIs(dispatcher, 'joint-handling');

    const market = await session(await wb.env.key('handler', 'dept-market'));
    await openCase(market, c.caseNo);
    await act(market, 'reportIn');
    await market.waitForSelector('[data-entry="reported-in"]');
    await act(market, 'resolve', type('reply', 'Inspected and fined the shop'));
    await statusIs(market, 'awaiting-evaluation');
    await market.close();

    // Arbitration: a case returned more often than the process allows.
    const north = await wb.env.key('handler', 'comm-heping-north');
    const streetDispatcher = await wb.env.key('dispatcher', 'street-heping');
    const disputed = await file();
    const { returnLimit } = (await shippedProcess()).settings;
    for (let i = 0; i <= returnLimit; i += 1) {
      expect((await wb.env.call(north, 'POST', path(disputed.caseNo, 'return'), { reason: `Not ours (${i + 1})` })).statusCode).toBe(200);
      if (i < returnLimit) expect((await wb.env.call(streetDispatcher, 'POST', path(disputed.caseNo, 'dispatch'), { unitId: 'comm-heping-north' })).statusCode).toBe(200);
    }
    await openCase(dispatcher, disputed.caseNo);
    await statusIs(dispatcher, 'awaiting-arbitration');
    await act(dispatcher, 'arbitrate', async (p) => {
      await chooseOption(p, '[data-field=unitId]', '(comm-heping-south)');
      await p.fill('[data-field=ruling]', 'The south community owns this estate');
    });
    await statusIs(dispatcher, 'awaiting-sign');
    await dispatcher.close();

    const supervisor = await session(await wb.env.key('supervisor', 'centre'));
    const moved = await file();
    const duplicate = await file();
    await openCase(supervisor, moved.caseNo);
    await act(supervisor, 'reassign', async (p) => {
      await chooseOption(p, '[data-field=unitId]', '(comm-heping-east)');
      await p.fill('[data-field=reason]', 'East covers this building');
    });
    await supervisor.waitForSelector('[data-entry="reassigned"]');
    await act(supervisor, 'urge');
    await supervisor.waitForSelector('[data-entry="urged"]');
    await openCase(supervisor, duplicate.caseNo);
    await act(supervisor, 'cancel', async (p) => {
      await p.fill('[data-field=originalCaseNo]', moved.caseNo);
      await p.fill('[data-field=reason]', 'Same drilling, reported twice');
    });
    await statusIs(supervisor, 'cancelled');
    await supervisor.close();
  });

  it('updates a case page live when someone else acts on it', async () => {
    const key = await wb.env.key('handler', 'comm-heping-north');
    const live = await file();
    const page = await session(key);
    await openCase(page, live.caseNo);
    await page.waitForSelector('[data-test=timeline]');
    const supervisor = await wb.env.key('supervisor', 'centre');
    expect((await wb.env.call(supervisor, 'POST', path(live.caseNo, 'urge'), { note: 'Hurry' })).statusCode).toBe(200);
    await page.waitForSelector('[data-entry="urged"]', { timeout: 20_000 });
    await page.close();
  });

  it('fits a 375-px phone: the queue as cards, the case page, no sideways scrolling', async () => {
    const key = await wb.env.key('handler', 'comm-heping-north');
    const mine = await file();
    const page = await session(key, 375);
    const card = `[data-test=case-cards] a[href="/app/cases/${mine.caseNo}"]`;
    await page.waitForSelector(card, { timeout: 20_000 });
    await expectFits(page);
    await page.click(card);
    await page.waitForSelector('[data-test=case-status]');
    await expectFits(page);
    await page.screenshot({ path: '/tmp/jiesu-workbench-375.png', fullPage: true });
    await page.close();
  });

  it('the dashboard and the live process map, for a supervisor, at 1920 and 375 px', async () => {
    const key = await wb.env.key('supervisor', 'centre');
    const waiting = await file();
    await eventually(async () => ((await wb.env.call(key, 'GET', `/v1/complaints?open=true&step=community-sign`)).json<{ items: Array<{ caseNo: string }> }>().items.some((i) => i.caseNo === waiting.caseNo) ? true : undefined));
    for (const width of [1920, 375]) {
      const page = await session(key, width);
      await page.goto(`${wb.baseUrl}/app/dashboard`);
      await page.waitForSelector('[data-figure=total]', { timeout: 20_000 });
      const total = Number((await page.textContent('[data-figure=total] .value'))?.trim());
      expect(total).toBeGreaterThan(0);
      await page.waitForSelector('[data-test=dashboard] canvas');
      // The month picker loads after the figures, showing the period they are of.
      expect(await page.inputValue('#dash-period')).toMatch(/^\d{4}-\d{2}$/);
      await expectFits(page);

      await page.goto(`${wb.baseUrl}/app/map`);
      await page.waitForSelector('[data-test=map][data-ready=true]', { timeout: 30_000 });
      await page.waitForSelector('.jb-badge');
      await expectNoHorizontalOverflow(page);
      if (width === 1920) {
        await expectAccessible(page);
        await page.screenshot({ path: '/tmp/jiesu-workbench-map.png' });
        await expectNothingOverlaps(page);
        await page.click('.jb-badge[data-step="community-sign"], .jb-badge');
        await page.waitForSelector('[data-test=map-cases] a[data-case]');
      }
      await page.close();
    }
  });

  it('an admin: units, a responsibility list proposal with its diff, published; calendar, process versions; an API key shown once, then revoked', async () => {
    const key = await wb.env.key('admin');
    const page = await session(key);
    for (const p of ['units', 'list', 'calendar', 'processes', 'keys']) {
      await page.goto(`${wb.baseUrl}/app/admin/${p}`);
      await page.waitForSelector('.el-table__body tr, [data-test=calendar][data-loaded=true]', { timeout: 20_000 });
      await expectFits(page);
    }

    // A unit added.
    const unitId = `comm-test-${Date.now().toString(36)}`;
    await page.goto(`${wb.baseUrl}/app/admin/units`);
    await page.click('[data-test=add-unit]');
    await page.fill('[data-field=id]', unitId);
    await page.fill('[data-field=name]', 'Test Community');
    await chooseOption(page, '[data-field=parentId]', '(street-binhe)');
    await page.click('[data-test=save-unit]');
    await eventually(async () => ((await wb.env.call(key, 'GET', '/v1/units')).json<Array<{ id: string }>>().some((u) => u.id === unitId) ? true : undefined));

    // A proposal: a matter of this test's own is added (the matters other tests route by stay as they are);
    // the diff says so; published as the next version.
    const before = (await wb.env.call(key, 'GET', '/v1/responsibility-list')).json<{ version: number }>();
    const matter = `balcony-plants-${Date.now().toString(36)}`;
    await page.goto(`${wb.baseUrl}/app/admin/list`);
    await page.click('[data-test=propose]');
    await page.click('[data-test=add-row]');
    const added = page.locator('[data-test=proposal] .el-table__body tr').last();
    await added.locator('input').nth(0).fill(matter);
    await added.locator('input').nth(1).fill('Balcony plants');
    await page.waitForSelector('[data-diff=added]');
    expect(await page.textContent('[data-diff=added]')).toContain(matter);
    await page.fill('[data-field=note]', 'Balcony plants for the communities');
    await page.click('[data-test=publish]');
    // Other files may publish versions meanwhile: the newest with this matter is this one.
    await eventually(async () => {
      const list = (await wb.env.call(key, 'GET', '/v1/responsibility-list')).json<{ version: number; items: Array<{ category: string; level: string; coDepartmentIds: string[] }> }>();
      const item = list.items.find((i) => i.category === matter);
      return list.version > before.version && item?.level === 'community' ? true : undefined;
    });

    // A key: created, shown once, listed without its secret, revoked.
    await page.goto(`${wb.baseUrl}/app/admin/keys`);
    await page.click('[data-test=create-key]');
    await page.fill('[data-field=name]', 'Binhe desk');
    await page.click('[data-field=role] input[value=handler]', { force: true });
    await chooseOption(page, '[data-field=unitId]', '(street-binhe)');
    await page.click('[data-test=submit-key]');
    const created = (await page.textContent('[data-test=new-key] code'))!.trim();
    expect(created).toMatch(/^jsk_/);
    expect((await wb.env.call(created, 'GET', '/v1/complaints')).statusCode).toBe(200);
    await expectCleanStorage(page, [key, created]);
    const id = created.split('_')[1]!;
    await page.click(`[data-revoke="${id}"]`);
    await page.click('.el-message-box__btns .el-button--primary');
    await eventually(async () => ((await wb.env.call(created, 'GET', '/v1/complaints')).statusCode === 401 ? true : undefined));
    await page.close();
  });

  it('threw no script error on any page', () => {
    expect(pageErrors).toEqual([]);
  });
});

/** No count badge overlaps another badge, a label, or a shape; no label overlaps another label or a boundary event. */
async function expectNothingOverlaps(page: Page): Promise<void> {
  const boxes = await page.evaluate(() => {
    const rect = (el: Element) => {
      const r = el.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    };
    const badges = [...document.querySelectorAll('.jb-badge')].map((el) => ({ id: `badge:${(el as HTMLElement).dataset.step}`, ...rect(el) }));
    const labels = [...document.querySelectorAll('.djs-element .djs-label')].filter((el) => (el.textContent ?? '').trim() !== '').map((el, i) => ({ id: `label:${i}:${el.textContent}`, ...rect(el) }));
    const events = [...document.querySelectorAll('.djs-element.djs-shape')]
      .filter((el) => el.querySelector('.djs-visual > circle'))
      .map((el) => ({ id: `event:${el.getAttribute('data-element-id')}`, ...rect(el.querySelector('.djs-visual > circle')!) }));
    const tasks = [...document.querySelectorAll('.djs-element.djs-shape')]
      .filter((el) => el.querySelector('.djs-visual > rect'))
      .map((el) => ({ id: `task:${el.getAttribute('data-element-id')}`, ...rect(el.querySelector('.djs-visual > rect')!) }));
    return { badges, labels, events, tasks };
  });
  const overlap = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
    a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;
  const clashes: string[] = [];
  const check = (group: Array<{ id: string }>, against: Array<{ id: string }>) => {
    for (const a of group as Array<{ id: string; x: number; y: number; width: number; height: number }>)
      for (const b of against as typeof group & Array<{ x: number; y: number; width: number; height: number }>)
        if (a.id !== b.id && overlap(a, b as never)) clashes.push(`${a.id} × ${b.id}`);
  };
  expect(boxes.badges.length).toBeGreaterThan(0);
  check(boxes.badges, [...boxes.badges, ...boxes.labels, ...boxes.events, ...boxes.tasks]);
  check(boxes.labels, boxes.events);
  // Labels against labels: a task's own name is inside its task, which is fine; distinct labels must not meet.
  check(boxes.labels, boxes.labels);
  expect(clashes).toEqual([]);
}
