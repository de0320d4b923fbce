/**
 * The simulator on its own: the shipped Gusu scenario reproduces the published direction and size of the list
 * change and shows what it costs the streets; the same seed gives the same report; a scenario the schema
 * refuses names its fields; the HTML report opens in Chromium and draws its charts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadChineseCalendar } from '../../db/calendar-source.js';
import { shippedProcessesByKey } from '../../processes/shipped.js';
import { projectRoot } from '../../infra/config.js';
import { loadEchartsSource } from '../../sim/echarts-source.js';
import { reportFiles } from '../../sim/report.js';
import { runScenario, type SimulationReport } from '../../sim/run-scenario.js';
import { parseScenario, ScenarioError, type Scenario } from '../../sim/scenario.js';
import type { ScenarioContext } from '../../sim/variants.js';
import { launchBrowser } from '../helpers/browser.js';

let context: ScenarioContext;
const load = async (name: string): Promise<Scenario> => parseScenario(parse(await readFile(path.join(projectRoot, 'scenarios', name), 'utf8')));
const withoutTiming = (report: SimulationReport) => report.variants.map(({ stats: { wallMs: _ms, ...stats }, ...v }) => ({ ...v, stats }));

beforeAll(async () => {
  const processes = await shippedProcessesByKey();
  context = { calendar: loadChineseCalendar(), process: (key) => processes.get(key)! };
});

describe('the Gusu list change', () => {
  let report: SimulationReport;
  beforeAll(async () => {
    report = runScenario(await load('gusu-list-change.yaml'), context);
  }, 120_000);

  it('moves the community share from about 44% to about 12%, as Gusu published (44.45% → 11.74%)', () => {
    const [before, after] = report.variants;
    expect(before!.cases).toBeGreaterThan(4000);
    expect(before!.figures.total.communityShare.rate).toBeGreaterThan(0.4445 - 0.02);
    expect(before!.figures.total.communityShare.rate).toBeLessThan(0.4445 + 0.02);
    expect(after!.figures.total.communityShare.rate).toBeGreaterThan(0.12 - 0.02);
    expect(after!.figures.total.communityShare.rate).toBeLessThan(0.12 + 0.02);
  });

  it('shows what the move costs the streets: more cases, longer queues, more missed deadlines', () => {
    const streets = (v: SimulationReport['variants'][number]) => v.units.filter((u) => u.kind === 'street');
    const sum = (v: SimulationReport['variants'][number], f: (u: ReturnType<typeof streets>[number]) => number) => streets(v).reduce((n, u) => n + f(u), 0);
    const [before, after] = report.variants;
    expect(streets(after!)).toHaveLength(8);
    expect(sum(after!, (u) => u.total.load)).toBeGreaterThan(1.3 * sum(before!, (u) => u.total.load));
    expect(sum(after!, (u) => u.total.queueAverage)).toBeGreaterThan(sum(before!, (u) => u.total.queueAverage));
    expect(sum(after!, (u) => u.total.deadlinesMissed)).toBeGreaterThan(sum(before!, (u) => u.total.deadlinesMissed));
  });

  it('gives every figure per week, street, unit and category, and the monthly strikes', () => {
    const v = report.variants[0]!;
    expect(v.figures.weeks).toHaveLength(4);
    expect(v.figures.by.street.filter((g) => g.key !== null)).toHaveLength(8);
    expect(v.figures.by.category.length).toBeGreaterThanOrEqual(33);
    expect(v.figures.by.unit.length).toBeGreaterThan(100);
    expect(v.evaluations[0]).toMatchObject({ period: '2026-03', partial: false });
    expect(v.evaluations[0]!.ranked).toBeGreaterThan(0);
  });

  it('opens as an HTML page in Chromium, offline, and draws its charts', async () => {
    const file = path.join(os.tmpdir(), `jiesu-sim-${process.pid}.html`);
    await writeFile(file, reportFiles(report, await loadEchartsSource())['report.html']!);
    const { browser, close } = await launchBrowser();
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) requests.push(r.url());
      });
      await page.goto(`file://${file}`);
      await page.waitForSelector('body[data-charts-ready="true"]');
      // Evaluated in the page (the test's own TypeScript has no DOM types): each chart's series and its canvas.
      const charts = await page.evaluate<Record<string, { series: number; points: number; canvas: boolean }>>(`Object.fromEntries(Object.entries(window.jiesuCharts).map(([id, chart]) =>
        [id, { series: chart.getOption().series.length, points: chart.getOption().series[0].data.length, canvas: document.querySelector('#' + id + ' canvas') !== null }]))`);
      expect(Object.keys(charts)).toEqual(['chart-figures', 'chart-weekly-share', 'chart-street-load', 'chart-street-queue', 'chart-totals']);
      for (const chart of Object.values(charts)) expect(chart).toMatchObject({ series: 2, canvas: true });
      expect(charts['chart-street-load']!.points).toBe(8);
      expect(requests).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);
});

describe('a scenario', () => {
  it('gives the same report for the same seed, and another for another seed', async () => {
    const scenario = { ...(await load('whistle-tiers.yaml')), days: 7, drainDays: 7 };
    const first = runScenario(scenario, context);
    expect(withoutTiming(runScenario(scenario, context))).toEqual(withoutTiming(first));
    expect(withoutTiming(runScenario({ ...scenario, seed: 7 }, context))).not.toEqual(withoutTiming(first));
  }, 60_000);

  it('with whistle tiers on, streets summon departments and fewer cases reach the top', async () => {
    const [on, off] = runScenario({ ...(await load('whistle-tiers.yaml')), days: 14 }, context).variants;
    expect(on!.totals.summoned).toBeGreaterThan(0);
    expect(off!.totals.summoned).toBe(0);
    expect(on!.figures.total.reachedTop.rate!).toBeLessThan(off!.figures.total.reachedTop.rate!);
  }, 60_000);

  it('is refused with every field the schema names', async () => {
    const scenario = await load('whistle-tiers.yaml');
    const bad = { ...scenario, days: 0, list: [...scenario.list, { category: 'x', level: 'district', department: 'dept-nowhere' }], arrivals: { ...scenario.arrivals, perDay: -1 } };
    expect(() => parseScenario(bad)).toThrow(ScenarioError);
    try {
      parseScenario(bad);
    } catch (error) {
      expect((error as ScenarioError).errors.map((e) => e.field)).toEqual(expect.arrayContaining(['days', 'arrivals.perDay']));
    }
    try {
      parseScenario({ ...scenario, list: [...scenario.list, { category: 'x', level: 'district', department: 'dept-nowhere' }] });
    } catch (error) {
      expect((error as ScenarioError).errors).toEqual([{ field: 'list.7.department', message: 'no department "dept-nowhere" in units.departments' }]);
    }
  });
});
