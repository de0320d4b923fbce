/// <reference lib="dom" />
/**
 * The street hub and the fair-strikes work in the workbench, each step in Chromium by the role that takes it,
 * on the real stack: a street summons two departments, which find the case in their queue, report in and
 * report their parts; the street rates both and resolves, the case never leaving it. A unit disputes its
 * duty at once, the centre rules a lead with a co-department, an admin publishes the ruling. A unit appeals
 * its strike and a supervisor above it decides. Figures by dimension with their CSV, and process rules.
 * Every new page fits 375 and 1920 px, passes axe, and leaves no key or personal data in the browser.
 */
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { strikeSignal, UNIT_ACCOUNTABILITY_WORKFLOW_TYPE, unitAccountabilityWorkflowId } from '../../workflows/messages.js';
import { fileThroughApi } from '../helpers/cases.js';
import { eventually } from '../helpers/env.js';
import { act, chooseOption, expectCleanStorage, expectFits, openCase, queueRows, statusIs, type, workbenchSuite } from '../helpers/workbench.js';

const wb = workbenchSuite();
const { pageErrors, session } = wb;
const run = randomUUID().slice(0, 6);

const CITIZEN = { name: 'Zhao Lei', phone: '13900000000' };
const path = (caseNo: string, action: string) => `/v1/complaints/${caseNo}/${action}`;

/** Opens a page until it shows `selector` (pages without live updates: what the read model learns later shows on a reload). */
async function reloadUntil(page: Page, url: string, selector: string): Promise<void> {
  await eventually(async () => {
    await page.goto(`${wb.baseUrl}${url}`);
    return (await page.waitForSelector(selector, { timeout: 3000 }).catch(() => null)) ? true : undefined;
  }, { what: `${selector} on ${url}`, timeoutMs: 30_000 });
}

type View = {
  unitId: string;
  holders: string[];
  summons: Array<{ by: string; tier: string; departments: Array<{ unitId: string; reportedAt: string | null; doneAt: string | null; rated: boolean }> }>;
  timeline: Array<{ action: string; detail?: Record<string, unknown> }>;
};

describe('the street hub in the workbench', () => {
  it('a street summons two departments; each reports in and reports its part from its own queue; the street rates both and resolves, keeping the case', async () => {
    // A property matter: the list gives it to the street of the compound.
    const { caseNo } = await fileThroughApi(wb.env, { category: 'property-management', title: 'The refuse station overflows', citizen: CITIZEN });
    const streetKey = await wb.env.key('handler', 'street-heping');
    const street = await session(streetKey);
    await street.waitForSelector(`[data-case="${caseNo}"]`, { timeout: 20_000 });
    await openCase(street, caseNo);
    // Names, not ids, where people read: the category and the holding street.
    expect(await street.textContent('[data-test=case-category]')).toContain('物业管理');
    expect(await street.textContent('[data-test=case-unit]')).toBe('和平街道');
    await act(street, 'signFor');
    await statusIs(street, 'handling');

    // The summons form: departments from the unit picker, the tier from those the street's level may blow.
    await street.click('[data-action=summon]');
    await street.waitForSelector('[data-test=action-dialog]', { state: 'visible' });
    const tiers = await street.$$eval('[data-field=tier] input[type=radio]', (inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    expect(tiers.sort()).toEqual(['joint', 'tough']);
    await chooseOption(street, '[data-field=departmentIds]', '(dept-urban)');
    await chooseOption(street, '[data-field=departmentIds]', '(dept-sanitation)');
    await street.click('[data-field=tier] input[value=tough]', { force: true });
    await street.fill('[data-field=note]', 'The refuse station overflows onto three compounds');
    await street.click('[data-test=submit-action]');
    await street.waitForSelector('[data-test=action-dialog]', { state: 'hidden' });
    await street.waitForSelector('[data-entry="summoned"]');
    expect(await street.textContent('[data-test=summons]')).toContain('区环境卫生管理局');
    await expectFits(street);

    for (const department of ['dept-urban', 'dept-sanitation']) {
      const key = await wb.env.key('handler', department);
      const page = await session(key, department === 'dept-urban' ? 1920 : 375);
      // Its queue of cases it was summoned to: the case is there though the street holds it.
      await page.goto(`${wb.baseUrl}/app/queue/summoned`);
      await page.waitForSelector(department === 'dept-urban' ? `[data-test=case-table] [data-case="${caseNo}"]` : `[data-test=case-cards] a[href="/app/cases/${caseNo}"]`, { timeout: 20_000 });
      if (department === 'dept-urban') expect(await queueRows(page)).toContain(caseNo);
      await expectFits(page);
      await openCase(page, caseNo);
      // A summoned department acts for its part, not for the citizen: the contact is masked.
      expect(await page.textContent('[data-test=citizen-phone]')).not.toBe(CITIZEN.phone);
      if (department === 'dept-sanitation') {
        // A refusal in words: it reported in elsewhere while the form was open (the last one asked to, so now nobody is).
        await page.click('[data-action=reportIn]');
        await page.waitForSelector('[data-test=action-dialog]', { state: 'visible' });
        expect((await wb.env.call(key, 'POST', path(caseNo, 'report-in'), {})).statusCode).toBe(200);
        await page.click('[data-test=submit-action]');
        const problem = await page.waitForSelector('[data-test=action-dialog] [data-test=problem][data-reason=NotAllowedNow]');
        expect(await problem.textContent()).toContain('工单当前环节不允许此操作');
        expect(await problem.textContent()).toContain('No department is asked to report in');
        await page.click('[data-test=action-dialog] .el-dialog__footer button:not([data-test])');
      } else {
        await act(page, 'reportIn');
      }
      await page.waitForSelector('[data-entry="reported-in"]');
      await act(page, 'reportPart', type('text', `${department}: our part is done`));
      await page.waitForSelector('[data-entry="part-done"]');
      await expectFits(page);
      await expectCleanStorage(page, [key, CITIZEN.phone, CITIZEN.name]);
      await page.close();
    }

    // The street rates each department (only those summoned and not yet rated are offered) and resolves.
    await openCase(street, caseNo);
    for (const [department, cooperation] of [['dept-urban', '4'], ['dept-sanitation', '5']] as const) {
      await street.click('[data-action=rateDepartment]');
      await street.waitForSelector('[data-test=action-dialog]', { state: 'visible' });
      await street.click('[data-field=unitId]');
      const options = street.locator('.el-select__popper:visible .el-select-dropdown__item');
      await options.first().waitFor();
      const offered = (await options.allTextContents()).join('|');
      expect(offered).toContain(department);
      // Only the summoned departments not yet rated are offered.
      expect(offered).not.toContain('dept-police');
      if (department === 'dept-sanitation') expect(offered).not.toContain('dept-urban');
      await options.filter({ hasText: `(${department})` }).first().click();
      await street.fill('[data-field=cooperation] input', cooperation);
      await street.click('[data-test=submit-action]');
      await street.waitForSelector('[data-test=action-dialog]', { state: 'hidden' });
    }
    await street.waitForSelector('[data-entry="department-rated"]');
    await act(street, 'resolve', type('reply', 'Cleared; the station is emptied daily now'));
    await statusIs(street, 'awaiting-evaluation');
    await expectCleanStorage(street, [streetKey, CITIZEN.phone]);
    await street.close();

    const view = (await wb.env.call(streetKey, 'GET', `/v1/complaints/${caseNo}`)).json<View>();
    expect(view.unitId).toBe('street-heping');
    expect(view.holders).toEqual(['street-heping']);
    expect(view.summons).toMatchObject([{ by: 'street-heping', tier: 'tough' }]);
    for (const d of view.summons[0]!.departments) expect(d).toMatchObject({ reportedAt: expect.any(String), doneAt: expect.any(String), rated: true });
    const timeline = (await wb.env.call(streetKey, 'GET', `/v1/complaints/${caseNo}/timeline`)).json<{ entries: View['timeline'] }>().entries;
    expect(timeline.filter((e) => e.action === 'department-rated').map((e) => [e.detail?.unitId, e.detail?.cooperation])).toEqual([['dept-urban', 4], ['dept-sanitation', 5]]);
  });

  it('a unit disputes its duty at once; the centre rules a lead with a co-department; an admin publishes the ruling from the rulings page', async () => {
    // A matter the list does not know: the centre dispatches it to a department, which disputes it at once.
    const category = `gym-noise-${run}`;
    const { caseNo } = await fileThroughApi(wb.env, { category, title: 'A gym plays music all night', citizen: CITIZEN });
    await eventually(async () => ((await wb.env.call(await wb.env.key('admin'), 'GET', `/v1/complaints/${caseNo}`)).json<{ status: string }>().status === 'awaiting-dispatch' ? true : undefined));
    expect((await wb.env.call(await wb.env.key('dispatcher', 'centre'), 'POST', path(caseNo, 'dispatch'), { unitId: 'dept-env' })).statusCode).toBe(200);

    const disputing = await session(await wb.env.key('handler', 'dept-env'));
    await openCase(disputing, caseNo);
    await act(disputing, 'dispute', type('reason', 'Music in a business is a market matter, not an emission'));
    await statusIs(disputing, 'awaiting-arbitration');
    await disputing.close();

    const centre = await session(await wb.env.key('supervisor', 'centre'));
    await openCase(centre, caseNo);
    await act(centre, 'arbitrate', async (p) => {
      await chooseOption(p, '[data-field=unitId]', '(dept-market)');
      await chooseOption(p, '[data-field=coUnitIds]', '(dept-police)');
      await p.fill('[data-field=ruling]', 'Business premises: market supervision leads, the police join at night');
    });
    await centre.waitForSelector('[data-entry="arbitrated"]');
    // The supervisor sees the proposal on the rulings page but may not publish it.
    const card = `[data-ruling][data-status=proposed]:has([data-case="${caseNo}"])`;
    await reloadUntil(centre, '/app/rulings', card);
    expect(await centre.$(`${card} [data-test=publish-ruling]`)).toBeNull();
    await centre.close();

    const adminKey = await wb.env.key('admin');
    const admin = await session(adminKey);
    await reloadUntil(admin, '/app/rulings', card);
    const text = (await admin.textContent(card))!;
    expect(text).toContain('区市场监督管理局');
    expect(text).toContain('公安分局');
    await expectFits(admin);
    await admin.fill(`${card} input`, 'Gym noise goes to market supervision');
    await admin.click(`${card} [data-test=publish-ruling]`);
    await admin.waitForSelector(`[data-ruling][data-status=proposed]:has([data-case="${caseNo}"])`, { state: 'detached' });
    const published = await eventually(async () => {
      const list = (await wb.env.call(adminKey, 'GET', '/v1/responsibility-list')).json<{ note: string; items: Array<{ category: string; departmentId: string | null; coDepartmentIds: string[] }> }>();
      return list.items.find((i) => i.category === category) ? list : undefined;
    });
    expect(published.items.find((i) => i.category === category)).toMatchObject({ departmentId: 'dept-market', coDepartmentIds: ['dept-police'] });
    expect(published.note).toBe('Gym noise goes to market supervision');
    await admin.goto(`${wb.baseUrl}/app/rulings`);
    await admin.click('[data-test=rulings] .el-radio-button:has-text("已发布")');
    await admin.waitForSelector(`[data-ruling][data-status=published]:has([data-case="${caseNo}"])`, { timeout: 20_000 });
    await admin.close();
  });

  it('a unit appeals its strike; a supervisor above it upholds the appeal and the strike is void', async () => {
    const adminKey = await wb.env.key('admin');
    const unitId = `dept-wb-${run}`;
    expect((await wb.env.call(adminKey, 'POST', '/v1/units', { id: unitId, name: `测试局${run}`, level: 'district', kind: 'department', parentId: 'centre' })).statusCode).toBe(201);
    // What the monthly evaluation delivers: a strike with its appeal window.
    const strikeId = `ranking:2026-04:${unitId}`;
    await wb.env.client.workflow.signalWithStart(UNIT_ACCOUNTABILITY_WORKFLOW_TYPE, {
      workflowId: unitAccountabilityWorkflowId(unitId),
      taskQueue: wb.env.taskQueue,
      args: [{ unitId, ancestors: ['centre'] }],
      signal: strikeSignal,
      signalArgs: [{ id: strikeId, unitId, source: 'ranking', period: '2026-04', reasons: ['bottom'], at: '2026-04-01T00:00:00.000+08:00', appealWindow: 'PT1H' }],
    });
    const ownKey = await wb.env.key('handler', unitId);
    const card = `[data-strike="${strikeId}"]`;

    for (const width of [375, 1920]) {
      const own = await session(ownKey, width);
      await reloadUntil(own, '/app/strikes', `${card}[data-status=pending]`);
      expect(await own.textContent(card)).toContain(`测试局${run}`);
      await expectFits(own);
      if (width === 1920) {
        await own.fill(`${card} [data-field=reason]`, 'The overdue cases were duplicates of one report');
        await own.click(`${card} [data-test=appeal]`);
        await own.waitForSelector(`${card}[data-status=appealed]`);
        expect(await own.textContent(`${card} [data-test=appeal-reason]`)).toContain('duplicates');
        // Its own unit may not decide its appeal: no decision form here.
        expect(await own.$(`${card} [data-test=decide]`)).toBeNull();
        await expectCleanStorage(own, [ownKey]);
      }
      await own.close();
    }

    const supervisorKey = await wb.env.key('supervisor', 'centre');
    const supervisor = await session(supervisorKey);
    await supervisor.goto(`${wb.baseUrl}/app/strikes`);
    await supervisor.click('[data-test=strikes] .el-radio-button:has-text("已申诉待决定")');
    await supervisor.waitForSelector(`${card}[data-status=appealed]`, { timeout: 20_000 });
    await expectFits(supervisor);
    await supervisor.click(`${card} [data-field=upheld]`);
    await supervisor.fill(`${card} [data-field=note]`, 'The cases were one report filed three times');
    await supervisor.click(`${card} [data-test=decide]`);
    await supervisor.waitForSelector('.el-message--success');
    await supervisor.click('[data-test=strikes] .el-radio-button:has-text("全部")');
    await supervisor.waitForSelector(`${card}[data-status=voided]`, { timeout: 20_000 });
    expect(await supervisor.textContent(`${card} [data-test=decision]`)).toContain('申诉成立');
    await supervisor.close();
    const strikes = (await wb.env.call(ownKey, 'GET', '/v1/strikes')).json<{ strikes: Array<{ id: string; status: string; decision: { upheld: boolean } | null }> }>().strikes;
    expect(strikes).toEqual([expect.objectContaining({ id: strikeId, status: 'voided', decision: expect.objectContaining({ upheld: true }) })]);
  });

  it('the dashboard\'s figures by dimension with their CSV, and the process rules, which refuse a duplicate rule and a save over another admin\'s change in words', async () => {
    const adminKey = await wb.env.key('admin');
    await fileThroughApi(wb.env, { citizen: CITIZEN });
    for (const width of [1920, 375]) {
      const page = await session(adminKey, width);
      await page.goto(`${wb.baseUrl}/app/dashboard`);
      await page.waitForSelector('[data-test=figures-table] .el-table__body tr', { timeout: 30_000 });
      await chooseOption(page, '[data-test=figures-by]', '按事项');
      await page.waitForSelector('[data-test=figures-table] [data-group="neighbour-dispute"]', { timeout: 20_000 });
      expect(await page.textContent('[data-test=figures-table] [data-group="neighbour-dispute"]')).toBe('邻里纠纷');
      const href = (await page.getAttribute('[data-test=figures-csv]', 'href'))!;
      expect(href).toContain('by=category');
      const csv = await page.evaluate(async (url) => (await fetch(url)).text(), href);
      expect(csv.split('\n')[0]).toMatch(/^group,key,name,received,/);
      expect(csv).toContain('neighbour-dispute,邻里纠纷');
      await expectFits(page);

      await page.goto(`${wb.baseUrl}/app/admin/process-rules`);
      await page.waitForSelector('[data-test=process-rules] .el-table');
      await expectFits(page);
      if (width === 1920) {
        // Two rules for the same portal: refused with the reason, nothing saved.
        const before = (await wb.env.call(adminKey, 'GET', '/v1/process-rules')).json<{ rules: unknown[] }>();
        for (let i = 0; i < 2; i += 1) {
          await page.click('[data-test=add-rule]');
          await page.locator('[data-test=rules] .el-table__body tr').last().locator('input').first().fill(`wb${run}`);
        }
        await page.click('[data-test=save-rules]');
        const problem = await page.waitForSelector('[data-test=problem][data-reason=invalid-rules]');
        expect(await problem.textContent()).toContain('has the same source and category as an earlier rule');
        expect((await wb.env.call(adminKey, 'GET', '/v1/process-rules')).json<{ rules: unknown[] }>().rules).toEqual(before.rules);

        // Another admin adds a rule meanwhile (for a portal of this test's own): this page's save is refused, not applied over it.
        const read = await wb.env.app.inject({ method: 'GET', url: '/v1/process-rules', headers: { authorization: `Bearer ${adminKey}` } });
        const theirs = { source: `wb${run}`, processKey: 'complaint' };
        const put = (rules: unknown[], etag: string) => wb.env.app.inject({ method: 'PUT', url: '/v1/process-rules', headers: { authorization: `Bearer ${adminKey}`, 'if-match': etag }, payload: { rules } });
        expect((await put([...read.json<{ rules: unknown[] }>().rules, theirs], String(read.headers.etag))).statusCode).toBe(200);
        const rows = page.locator('[data-test=rules] .el-table__body tr');
        await rows.last().locator('input').first().fill(`wc${run}`);
        await page.click('[data-test=save-rules]');
        await page.waitForSelector('[data-test=problem][data-reason=rules-changed]');
        expect(await page.textContent('[data-test=problem]')).toContain('规则已被他人修改');
        // Read again, the other admin's rule is there; removing it saves (with the new tag).
        await page.reload();
        await page.waitForSelector('[data-test=process-rules] .el-table');
        const sources = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('input')?.value ?? ''));
        expect(sources).toContain(`wb${run}`);
        await rows.nth(sources.indexOf(`wb${run}`)).locator('button').last().click();
        await page.click('[data-test=save-rules]');
        await page.waitForSelector('.el-message--success');
        expect((await wb.env.call(adminKey, 'GET', '/v1/process-rules')).json<{ rules: Array<{ source: string | null }> }>().rules.map((r) => r.source)).not.toContain(`wb${run}`);
      }
      await page.close();
    }
  });

  it('threw no script error on any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
