/**
 * The workbench's first screen with 10,000 cases in the read model: how long from opening /app until a
 * role's first screen shows its data (the queue with its counts, the dashboard's figures), in headless
 * Chromium against the API as a process of its own. Cold is a fresh browser profile (nothing cached), warm a
 * reload. The target is under 1 s; the API calls behind the screen are timed alone beside it.
 */
import os from 'node:os';
import { chromium, type Browser } from 'playwright-core';
import { ensureWebBuilt } from '../scripts/web-build.js';
import { CHROMIUM_ARGS, findChromium } from '../infra/chromium.js';
import { percentile, Progress, round } from './progress.js';
import type { BenchStack } from './stack.js';

export interface WorkbenchRow {
  screen: string;
  cases: number;
  coldP50Ms: number;
  coldP95Ms: number;
  warmP50Ms: number;
  warmP95Ms: number;
  /** The screen's API calls alone, from Node (p50). */
  apiP50Ms: number;
  /** Cold: when the app's first /v1 call started (scripts loaded and run, session checked), p50. */
  firstCallP50Ms: number;
  /** Cold: when the last answer before the screen showed came in, p50 (from here on it is drawing). Absent in runs before it was measured. */
  dataInP50Ms?: number;
  /** Cold, on the page's own clock (from navigation start): when the screen's data was in the page, p50 and p95. Absent in runs before it was measured. */
  shownP50Ms?: number;
  shownP95Ms?: number;
}

/** The 1 s target for a first screen, cold, at p95 (issue 17). */
const TARGET_MS = 1000;

/** The baseline of the same run: Swagger UI at /docs (another single-page app the same API serves) until it lists the routes. */
export interface WorkbenchResult {
  rows: WorkbenchRow[];
  docs: { coldP50Ms: number; coldP95Ms: number };
  /** The machine's 1-minute load average when the section started and ended. */
  load: [number, number];
}

const SCREENS: Array<{ screen: string; role: 'handler' | 'dispatcher' | 'admin'; unit?: string; ready: string; api: string[] }> = [
  {
    screen: "handler: my unit's queue",
    role: 'handler',
    unit: 'comm-heping-north',
    ready: '[data-test=counts]',
    api: ['/v1/complaints?open=true&sort=deadline&unitId=comm-heping-north&limit=50', '/v1/complaints/counts?open=true&unitId=comm-heping-north'],
  },
  {
    screen: 'dispatcher: cases to dispatch at the centre',
    role: 'dispatcher',
    unit: 'centre',
    ready: '[data-queue=dispatch] [data-test=counts]',
    api: ['/v1/complaints?open=true&sort=deadline&status=awaiting-dispatch,awaiting-arbitration&limit=50', '/v1/complaints/counts?open=true&status=awaiting-dispatch,awaiting-arbitration'],
  },
  { screen: 'admin: dashboard', role: 'admin', ready: '[data-figure=total]', api: [`/v1/statistics?scope=centre&period=${new Date().toISOString().slice(0, 7)}`] },
];

/** Cases of the sample district: a year of them, a tenth open, over its communities, streets and departments. */
async function seed(stack: BenchStack, count: number): Promise<void> {
  await stack.database.pool.query(
    `WITH u AS (SELECT array_agg(id ORDER BY id) AS ids FROM units WHERE kind IN ('community', 'department'))
     INSERT INTO cases (case_no, workflow_id, source, ticket_id, title, category, urgency, status, district_id, routed_level, level, unit_id, step,
                        deadline, warning, overdue, escalations, holders, seq, received_at, step_since, closed_at, location_unit_id, rating)
     SELECT 'wb-' || i, 'complaint-wb-' || i, 'wb', i::text, 'Case ' || i || ' ' || md5(i::text), 'neighbour-dispute', 'normal', s.status, 'centre', 'community', 'community',
            u.ids[1 + i % array_length(u.ids, 1)], CASE WHEN s.status = 'awaiting-dispatch' THEN 'district-dispatch' ELSE 'community-sign' END,
            CASE WHEN s.status LIKE 'closed%' THEN NULL ELSE now() + ((i % 500 - 100) || ' minutes')::interval END, i % 11 = 0, i % 13 = 0, 0,
            ARRAY[u.ids[1 + i % array_length(u.ids, 1)], 'centre'], 5, now() - ((i % 525600) || ' minutes')::interval, now() - ((i % 9000) || ' minutes')::interval,
            CASE WHEN s.status LIKE 'closed%' THEN now() - ((i % 525000) || ' minutes')::interval + interval '1 hour' END, u.ids[1 + i % array_length(u.ids, 1)],
            CASE WHEN s.status = 'closed' THEN 'satisfied' END
     FROM generate_series(1, $1::int) AS i, u
     CROSS JOIN LATERAL (SELECT (ARRAY['closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'awaiting-sign', 'awaiting-dispatch'])[1 + i % 10] AS status) s`,
    [count],
  );
  await stack.database.pool.query('ANALYZE cases');
}

/** The page's own clock when `selector` first matched (a mutation observer the page's scripts cannot delay). */
function markReady(selector: string): void {
  const w = window as unknown as { jiesuReady?: number };
  new MutationObserver((_, observer) => {
    if (w.jiesuReady === undefined && document.querySelector(selector)) {
      w.jiesuReady = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true, attributes: true });
}

/** From the page's resource timings: when its first /v1 call started, and when the last answer that came before the screen was ready came. */
function callTimes(): { firstCall: number; dataIn: number; shown: number } {
  const ready = (window as unknown as { jiesuReady?: number }).jiesuReady ?? Number.POSITIVE_INFINITY;
  const calls = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => /\/(v1|app\/api)\//.test(new URL(e.name).pathname));
  const v1 = calls.filter((e) => new URL(e.name).pathname.startsWith('/v1/'));
  const answered = calls.filter((e) => e.responseEnd <= ready);
  return { firstCall: v1.length ? Math.min(...v1.map((e) => e.startTime)) : Number.NaN, dataIn: answered.length ? Math.max(...answered.map((e) => e.responseEnd)) : Number.NaN, shown: ready };
}

/** Swagger UI's first screen, cold, `rounds` times. */
async function timeDocs(browser: Browser, apiUrl: string, rounds: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    const t0 = performance.now();
    await page.goto(`${apiUrl}/docs`);
    await page.waitForSelector('.opblock', { timeout: 30_000 });
    times.push(performance.now() - t0);
    await context.close();
  }
  return times;
}

/** Times each role's first screen, cold and warm, `rounds` times, and Swagger UI's as the baseline. */
export async function benchWorkbench(stack: BenchStack, { cases = 10_000, rounds = 10 } = {}): Promise<WorkbenchResult> {
  const loadBefore = os.loadavg()[0]!;
  const progress = new Progress('workbench');
  await ensureWebBuilt((m) => progress.note(m));
  await seed(stack, cases);
  progress.note(`seeded ${cases.toLocaleString('en')} cases`);
  const api = await stack.startApi();
  const executablePath = findChromium(stack.config);
  if (!executablePath) throw new Error('No Chromium: run `npm run chromium` or set CHROMIUM_PATH');
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  const rows: WorkbenchRow[] = [];
  try {
    for (const [index, spec] of SCREENS.entries()) {
      const { key } = await stack.key(spec.role, spec.unit);
      const cold: number[] = [];
      const warm: number[] = [];
      const calls: number[] = [];
      const firstCall: number[] = [];
      const dataIn: number[] = [];
      const shown: number[] = [];
      for (let round_ = 0; round_ < rounds; round_ += 1) {
        const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
        const signed = await context.request.post(`${stack.apiUrl}/app/api/session`, { data: { key } });
        if (signed.status() !== 201) throw new Error(`Sign-in failed: ${signed.status()} ${await signed.text()}`);
        const page = await context.newPage();
        await page.addInitScript(markReady, spec.ready);
        for (const sample of [cold, warm]) {
          const t0 = performance.now();
          await page.goto(`${stack.apiUrl}/app/`);
          await page.waitForSelector(spec.ready, { timeout: 30_000 });
          sample.push(performance.now() - t0);
          if (sample === cold) {
            const times = await page.evaluate(callTimes);
            firstCall.push(times.firstCall);
            dataIn.push(times.dataIn);
            shown.push(times.shown);
          }
        }
        await context.close();
        const t0 = performance.now();
        await Promise.all(spec.api.map(async (path) => {
          const response = await fetch(`${stack.apiUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
          if (!response.ok) throw new Error(`${path}: ${response.status}`);
          await response.arrayBuffer();
        }));
        calls.push(performance.now() - t0);
      }
      rows.push({
        screen: spec.screen,
        cases,
        coldP50Ms: round(percentile(cold, 50)),
        coldP95Ms: round(percentile(cold, 95)),
        warmP50Ms: round(percentile(warm, 50)),
        warmP95Ms: round(percentile(warm, 95)),
        apiP50Ms: round(percentile(calls, 50)),
        firstCallP50Ms: round(percentile(firstCall, 50)),
        dataInP50Ms: round(percentile(dataIn, 50)),
        shownP50Ms: round(percentile(shown, 50)),
        shownP95Ms: round(percentile(shown, 95)),
      });
      progress.update(index + 1, SCREENS.length, spec.screen);
    }
    const docs = await timeDocs(browser, stack.apiUrl, rounds);
    return { rows, docs: { coldP50Ms: round(percentile(docs, 50)), coldP95Ms: round(percentile(docs, 95)) }, load: [round(loadBefore, 2), round(os.loadavg()[0]!, 2)] };
  } finally {
    await browser.close();
    await api.kill('SIGTERM');
  }
}

/** The section of BENCHMARKS.md. */
export function workbenchReport({ rows, docs, load }: WorkbenchResult, measured: string, table: (header: string[], rows: Array<Array<string | number>>) => string): string[] {
  const slowestP50 = Math.max(...rows.map((r) => r.coldP50Ms));
  const shownMeasured = rows.every((r) => r.shownP95Ms !== undefined);
  // The verdict: the page's own clock where it was measured (what the user sees), else what the driver saw.
  const verdictMs = (r: WorkbenchRow) => (shownMeasured ? r.shownP95Ms! : r.coldP95Ms);
  const worst = Math.max(...rows.map(verdictMs));
  const missed = rows.filter((r) => verdictMs(r) > TARGET_MS);
  const within = (ms: number | undefined) => (ms === undefined ? '—' : ms <= TARGET_MS ? 'yes' : 'no');
  const verdictBasis = shownMeasured ? 'shown p95, on the page\'s clock' : 'cold p95';
  return [
    '## Workbench: the first screen',
    '',
    measured,
    `From opening \`/app/\` (signed in) until the role's first screen shows its data, in headless Chromium at 1920 × 1080, with ${rows[0]?.cases.toLocaleString('en')} cases in the read model`,
    'and the API as a process of its own. Cold: a fresh browser profile, nothing cached; warm: the same page loaded again. "Cold" and "warm" are',
    'timed by the test driver (Playwright, from Node: from asking for the page until it has seen the data on the screen, its own round trips',
    'included). On the page\'s own clock (from navigation start, cold): "first call" is when the app\'s first `/v1` request started (its scripts',
    'loaded and run, the session checked), "data in" when the last answer before the screen showed came, and "shown" when the screen\'s data was',
    'in the page. "API" is the screen\'s calls alone, from Node. The target is under 1 s cold at p95, judged on the page\'s clock where it was',
    'measured (what a user sees; the driver\'s figure adds its own messaging). The baseline, in the same run: Swagger UI at `/docs` (another',
    'single-page app this API serves), cold, timed by the driver until it lists the routes.',
    `The machine's load average was ${load[0]} at the start of the section and ${load[1]} at its end (${os.availableParallelism()} cores).`,
    '',
    table(
      ['screen', 'cold p50 ms', 'cold p95 ms', 'warm p50 ms', 'warm p95 ms', 'first call p50 ms', 'data in p50 ms', 'shown p50 ms', 'shown p95 ms', 'API p50 ms', `under 1 s (${verdictBasis})`],
      [
        ...rows.map((r) => [r.screen, r.coldP50Ms, r.coldP95Ms, r.warmP50Ms, r.warmP95Ms, r.firstCallP50Ms, r.dataInP50Ms ?? '—', r.shownP50Ms ?? '—', r.shownP95Ms ?? '—', r.apiP50Ms, within(verdictMs(r))]),
        ['baseline: Swagger UI `/docs`', docs.coldP50Ms, docs.coldP95Ms, '—', '—', '—', '—', '—', '—', '—', shownMeasured ? '—' : within(docs.coldP95Ms)],
      ],
    ),
    '',
    `**Slowest cold p50 / Swagger UI cold p50 = ${round(slowestP50 / docs.coldP50Ms, 2)}** (both timed by the driver); slowest ${verdictBasis} / the 1 s target = ${round(worst / TARGET_MS, 2)} (${
      missed.length === 0 ? 'every screen within it' : `over it: ${missed.map((r) => r.screen).join('; ')}`
    }, on this machine at this load).`,
    '',
    ...whereTimeGoes(rows),
    ...loadNote(load),
  ];
}

/** Of the cold time (p50s), how much is the scripts, the requests and the drawing. */
function whereTimeGoes(rows: WorkbenchRow[]): string[] {
  const measured = rows.filter((r) => r.dataInP50Ms !== undefined);
  if (measured.length === 0) return [];
  const share = (part: (r: WorkbenchRow) => number) => Math.round((100 * measured.reduce((sum, r) => sum + part(r) / r.coldP50Ms, 0)) / measured.length);
  const api = rows.map((r) => r.apiP50Ms);
  return [
    `Where the cold time goes (p50s, on average over the screens): until the first call, the page and its scripts (${share((r) => r.firstCallP50Ms)} %); until the data is in,`,
    `the requests (${share((r) => r.dataInP50Ms! - r.firstCallP50Ms)} %, the calls alone take ${Math.round(Math.min(...api))}–${Math.round(Math.max(...api))} ms from Node); the rest is drawing and the harness noticing it (${share((r) => r.coldP50Ms - r.dataInP50Ms!)} %).`,
    '',
  ];
}

/**
 * On a machine busier than its cores, what the absolute times mean. "Several times" only when the load stayed
 * at twice the cores or more throughout; when it was over the cores only part of the time, it says so.
 */
function loadNote(load: [number, number]): string[] {
  const cores = os.availableParallelism();
  const [low, high] = [Math.min(...load), Math.max(...load)];
  if (high <= cores) return [];
  if (load[0] <= cores) {
    return [
      `The machine was idle when the section started (load average ${load[0]}) and busier than its cores for part of the section (${load[1]} at its end, ${cores} cores):`,
      'the section\'s own processes (PostgreSQL seeding the cases, the Temporal server, the API and Chromium) and whatever else ran, so the figures are',
      'somewhat slower than a quiet machine\'s; the ratio to Swagger UI, measured in the same run, is the comparable figure.',
      '',
    ];
  }
  const how =
    low >= 2 * cores
      ? 'so every figure here, the baseline\'s too, is several times what an idle machine shows'
      : `busier than its cores for part of the section, so the figures are slower than an idle machine's by an amount that varied with the load`;
  return [
    `The machine was shared with other engineers' test runs (load average ${low} to ${high} on ${cores} cores), ${how}; the ratio to Swagger UI,`,
    'measured in the same run, is the comparable figure. Re-measure on an idle machine before reading the absolute times against the 1 s target.',
    '',
  ];
}
