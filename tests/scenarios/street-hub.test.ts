/**
 * The street hub as its users meet it (issue 14's acceptance), through the HTTP API only, on the real stack:
 * intake keys file cases, handler, dispatcher, supervisor, evaluator and admin keys act, and what the
 * API answers is checked. Each portal of this file runs a short-limit process version chosen by process
 * rules (tests/helpers/process-rules.ts); the scenarios that read scores, figures and rankings run in
 * districts of their own, so other test files' cases cannot change what they count.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseOutcomes, notifications } from '../../db/schema.js';
import { periodOf } from '../../domain/accountability.js';
import type { TimelineEntry } from '../../domain/case.js';
import type { Figures, FigureReport } from '../../db/figures.js';
import { shippedProcess, STREET_FIRST_MODEL } from '../../processes/shipped.js';
import { complaintWorkflowId, MONTHLY_EVALUATION_WORKFLOW_TYPE, type CaseView, type MonthlyEvaluationInput, type MonthlyEvaluationResult } from '../../workflows/messages.js';
import { both, deployTestProcess, recordHistories, testLimits } from '../helpers/cases.js';
import { createTestEnv, createUnits, eventually, type TestEnv } from '../helpers/env.js';
import { addProcessRules, removeProcessRules, type Rule } from '../helpers/process-rules.js';

let env: TestEnv;
const t = randomUUID().slice(0, 6).replace(/-/g, '');
/** Portals of this file (a source is lowercase letters and digits). */
const portal = { relaxed: `hubrelaxed${t}`, tight: `hubtight${t}`, sitting: `hubsitting${t}`, streetFirst: `hubstreet${t}` };
let rules: Rule[] = [];

type Role = 'handler' | 'dispatcher' | 'supervisor' | 'evaluator' | 'admin';
type Answer = Record<string, unknown>;

beforeAll(async () => {
  env = await createTestEnv();
  const [relaxed, tight, sitting, streetFirst] = await Promise.all([
    deployTestProcess(env, testLimits()),
    // Departments summoned must report in within 12 s.
    deployTestProcess(env, testLimits({ reportIn: both('PT12S') })),
    // A street that sits on its case for 3 s has let it go overdue; the centre takes it over.
    deployTestProcess(env, testLimits({ resolve: { community: both('PT10M'), street: both('PT3S'), district: both('PT10M') } })),
    deployTestProcess(env, testLimits(), await shippedProcess(STREET_FIRST_MODEL)),
  ]);
  rules = [
    { source: portal.relaxed, category: null, processKey: relaxed },
    { source: portal.tight, category: null, processKey: tight },
    { source: portal.sitting, category: null, processKey: sitting },
    { source: portal.streetFirst, category: null, processKey: streetFirst },
  ];
  await addProcessRules(env, rules);
});
afterAll(async () => {
  // The street hub's paths as replay fixtures (`npm run histories:record`); the generated month adds nothing new.
  if (env) await recordHistories(env, 'street-hub', { cases: false, extra: recorded.map(complaintWorkflowId) });
  if (env && rules.length > 0) await removeProcessRules(env, rules);
  await env?.close();
});
/** Cases of the scenarios above the generated month. */
const recorded: string[] = [];

// ------------------------------------------------------------------ the API as its users call it

async function call(role: Role | 'intake', binding: string | undefined, method: 'GET' | 'POST', url: string, body?: unknown) {
  return env.call(await env.key(role, binding), method, url, body);
}

/** An action or request that must succeed. */
async function ok(role: Role, binding: string | undefined, method: 'GET' | 'POST', url: string, body?: unknown): Promise<Answer> {
  const response = await call(role, binding, method, url, body ?? (method === 'POST' ? {} : undefined));
  expect(response.statusCode, `${method} ${url} as ${role}${binding ? ` of ${binding}` : ''}: ${response.body}`).toBeLessThan(300);
  return response.json<Answer>();
}

const act = (role: Role, unit: string | undefined, caseNo: string, path: string, body: unknown = {}) => ok(role, unit, 'POST', `/v1/complaints/${caseNo}/${path}`, body);
const caseView = async (caseNo: string) => (await ok('admin', undefined, 'GET', `/v1/complaints/${caseNo}`)) as unknown as CaseView;

/** Waits until the case, as the API shows it, is as `predicate` wants. */
async function waitFor(caseNo: string, predicate: (v: CaseView) => boolean, what: string): Promise<CaseView> {
  let last: CaseView | undefined;
  try {
    return await eventually(async () => ((v) => (predicate(v) ? v : undefined))((last = await caseView(caseNo))), { what: `${caseNo}: ${what}`, timeoutMs: 60_000 });
  } catch (error) {
    const seen = last ? { status: last.status, unitId: last.unitId, closedAt: last.closedAt, timeline: last.timeline.map((e) => e.action) } : null;
    throw new Error(`${(error as Error).message}; last seen ${JSON.stringify(seen)}`, { cause: error });
  }
}

/** Files a complaint through a portal of this file. */
async function file(source: string, category: string, unitId: string, title = 'A matter for the street'): Promise<string> {
  const response = await call('intake', source, 'POST', '/v1/complaints', {
    ticketId: env.ticket('hub'),
    title,
    description: `${title}, reported by a resident`,
    category,
    location: { unitId },
    citizen: { name: 'Zhao Min', phone: '13900000000' },
  });
  expect(response.statusCode, response.body).toBe(201);
  const { caseNo } = response.json<{ caseNo: string }>();
  if (!title.startsWith('Generated')) recorded.push(caseNo);
  return caseNo;
}

/** The case's timeline as the API shows it live (these cases stay under the 50 entries it shows). */
async function timeline(caseNo: string): Promise<TimelineEntry[]> {
  const { timeline: entries, seq } = await caseView(caseNo);
  expect(entries).toHaveLength(seq);
  return entries;
}

const evaluate = (caseNo: string, rating = 'satisfied') => act('evaluator', undefined, caseNo, 'evaluation', { rating });
const performance = async (supervisorOf: string, unitId: string, period: string) =>
  (await ok('supervisor', supervisorOf, 'GET', `/v1/units/${unitId}/performance?period=${period}`)).performance as Answer;

// ------------------------------------------------------------------ scenarios

describe('the street is the hub', () => {
  it('a street summons urban management and sanitation to an overflowing refuse station, keeps the case, resolves it and rates both', { timeout: 180_000 }, async () => {
    const id = (name: string) => `${name}-r${t}`;
    const [centre, street, compound, urban, sanitation] = ['centre', 'street', 'comm', 'urban', 'sanitation'].map(id) as [string, string, string, string, string];
    await createUnits(env, [
      { id: centre, name: 'Refuse district centre', level: 'district', kind: 'centre' },
      { id: street, name: 'Refuse street', level: 'street', kind: 'street', parentId: centre },
      { id: compound, name: 'Three compounds community', level: 'community', kind: 'community', parentId: street },
      { id: urban, name: 'Urban management', level: 'district', kind: 'department', parentId: centre },
      { id: sanitation, name: 'Sanitation', level: 'district', kind: 'department', parentId: centre },
    ]);
    // Refuse sorting is the street's matter on the list.
    const caseNo = await file(portal.relaxed, 'garbage-sorting', compound, 'The refuse station shared by three compounds overflows');
    await waitFor(caseNo, (v) => v.status === 'awaiting-sign' && v.unitId === street && v.deadline !== null, 'at the street');
    await act('handler', street, caseNo, 'sign-for');

    // Departments cannot report in to a case they were not summoned to, and a street does not blow a community's tier.
    expect((await call('handler', urban, 'POST', `/v1/complaints/${caseNo}/report-in`, {})).statusCode).toBe(403);
    const wrongTier = await call('handler', street, 'POST', `/v1/complaints/${caseNo}/summons`, { departmentIds: [urban], tier: 'routine', note: 'x' });
    expect(wrongTier.statusCode, wrongTier.body).toBe(422);

    const summoned = await act('handler', street, caseNo, 'summons', { departmentIds: [urban, sanitation], tier: 'joint', note: 'Overflowing station, three compounds, rats reported' });
    expect(summoned).toMatchObject({ status: 'handling', unitId: street, whistleTier: 'joint' });
    for (const department of [urban, sanitation]) {
      const view = await act('handler', department, caseNo, 'report-in');
      expect(view).toMatchObject({ unitId: street });
    }
    await act('handler', urban, caseNo, 'part-done', { text: 'Fined the compound that dumps construction waste' });
    await act('handler', sanitation, caseNo, 'part-done', { text: 'Added a second daily collection round' });
    const resolved = await act('handler', street, caseNo, 'resolve', { reply: 'The station is emptied twice a day and the dumping has stopped' });
    expect(resolved).toMatchObject({ status: 'awaiting-evaluation' });
    await act('handler', street, caseNo, 'department-rating', { unitId: urban, cooperation: 5, partResolved: true, note: 'Came the same day' });
    await act('handler', street, caseNo, 'department-rating', { unitId: sanitation, cooperation: 3, partResolved: false, note: 'The round started a week late' });
    await evaluate(caseNo);

    const closed = await waitFor(caseNo, (v) => v.status === 'closed' && v.closedAt !== null, 'closed');
    // The case never left the street: it held it from the first to the last step.
    expect(closed.holders).toEqual([street]);
    expect(closed.summons).toEqual([
      expect.objectContaining({
        by: street,
        tier: 'joint',
        open: false,
        departments: [urban, sanitation].map((unitId) => expect.objectContaining({ unitId, reportedAt: expect.any(String), doneAt: expect.any(String), late: false, rated: true })),
      }),
    ]);
    const actions = (await timeline(caseNo)).map((e) => e.action);
    expect(actions).not.toContain('escalated');
    expect(actions.filter((a) => a === 'department-rated')).toHaveLength(2);

    // The departments' monthly scores show the street's ratings.
    const period = periodOf(closed.closedAt!);
    await eventually(async () => ((await performance(centre, urban, period))?.cooperationRated === 1 ? true : undefined), { what: 'the ratings in the scores' });
    expect(await performance(centre, urban, period)).toMatchObject({ assigned: 0, summoned: 1, summonedReportedInOnTime: 1, partsDone: 1, cooperationAverage: 5, partsResolved: 1, partResolutionRate: 1 });
    expect(await performance(centre, sanitation, period)).toMatchObject({ assigned: 0, summoned: 1, partsDone: 1, cooperationAverage: 3, partsRated: 1, partsResolved: 0, partResolutionRate: 0 });
    expect(await performance(centre, street, period)).toMatchObject({ held: 1, resolved: 1, resolvedOnTime: 1 });
  });

  it('a community summons enforcement, police and environment to loudspeaker noise; the department that misses its report-in is warned, escalated to the street and recorded', { timeout: 180_000 }, async () => {
    const id = (name: string) => `${name}-n${t}`;
    const [centre, street, community, enforcement, police, environment] = ['centre', 'street', 'comm', 'enforcement', 'police', 'environment'].map(id) as [string, string, string, string, string, string];
    await createUnits(env, [
      { id: centre, name: 'Noise district centre', level: 'district', kind: 'centre' },
      { id: street, name: 'Noise street', level: 'street', kind: 'street', parentId: centre },
      { id: community, name: 'Market square community', level: 'community', kind: 'community', parentId: street },
      { id: enforcement, name: 'Urban enforcement', level: 'district', kind: 'department', parentId: centre },
      { id: police, name: 'Police station', level: 'district', kind: 'department', parentId: centre },
      { id: environment, name: 'Environment bureau', level: 'district', kind: 'department', parentId: centre },
    ]);
    const caseNo = await file(portal.tight, 'neighbour-dispute', community, 'A shop plays a loudspeaker from 7 am');
    await waitFor(caseNo, (v) => v.status === 'awaiting-sign' && v.unitId === community && v.deadline !== null, 'at the community');
    await act('handler', community, caseNo, 'sign-for');
    await act('handler', community, caseNo, 'summons', { departmentIds: [enforcement, police, environment], tier: 'key', note: 'Loudspeaker advertising, daily from 7 am' });
    await act('handler', enforcement, caseNo, 'report-in');
    await act('handler', police, caseNo, 'report-in');

    // Environment does not report in: warned before the limit, then recorded and escalated to the street.
    await eventually(async () => ((await timeline(caseNo)).some((e) => e.action === 'report-in-missed') ? true : undefined), { what: 'the missed report-in', timeoutMs: 60_000 });
    const entries = await timeline(caseNo);
    expect(entries.find((e) => e.action === 'summons-warning')).toMatchObject({ toUnitId: community, detail: { pending: [environment] } });
    const missed = entries.filter((e) => e.action === 'report-in-missed');
    expect(missed).toEqual([expect.objectContaining({ toUnitId: environment, detail: expect.objectContaining({ summonedBy: community, escalatedTo: street }) })]);
    const sent = await env.database.db.select().from(notifications).where(eq(notifications.caseNo, caseNo));
    expect(sent.filter((n) => n.kind === 'warning' && n.unitIds.includes(environment))).not.toHaveLength(0);
    expect(sent.filter((n) => n.kind === 'escalated' && n.unitIds.includes(street))).toHaveLength(1);
    // The case stays with the community.
    expect(await caseView(caseNo)).toMatchObject({ status: 'handling', unitId: community, level: 'community' });

    // Late is still better than never: environment reports in and does its part; the community resolves and rates.
    await act('handler', environment, caseNo, 'report-in');
    for (const department of [enforcement, police, environment]) await act('handler', department, caseNo, 'part-done', { text: 'Our part is done' });
    await act('handler', community, caseNo, 'resolve', { reply: 'The loudspeaker is gone; the shop was warned' });
    for (const department of [enforcement, police]) await act('handler', community, caseNo, 'department-rating', { unitId: department, cooperation: 4, partResolved: true });
    await act('handler', community, caseNo, 'department-rating', { unitId: environment, cooperation: 2, partResolved: true, note: 'Missed the report-in' });
    await evaluate(caseNo);
    const closed = await waitFor(caseNo, (v) => v.status === 'closed' && v.closedAt !== null, 'closed');
    expect(closed.holders).toEqual([community]);

    // The miss is on environment's record, not on the others'.
    const period = periodOf(closed.closedAt!);
    await eventually(async () => ((await performance(centre, environment, period))?.summoned === 1 ? true : undefined), { what: 'the summons in the scores' });
    expect(await performance(centre, environment, period)).toMatchObject({ summoned: 1, summonedReportedInOnTime: 0, reportInRate: 0 });
    expect(await performance(centre, police, period)).toMatchObject({ summoned: 1, summonedReportedInOnTime: 1, reportInRate: 1 });
  });

  it('a matter nobody owns is disputed at once; the centre rules market supervision lead and health co-department; once an admin publishes it, the next case routes there by itself', { timeout: 180_000 }, async () => {
    const category = `salon-injection-${t}`;
    const first = await file(portal.relaxed, category, 'comm-heping-north', 'A salon injected a filler that went wrong');
    await waitFor(first, (v) => v.status === 'awaiting-dispatch' && v.unitId === 'centre' && v.deadline !== null, 'at the centre dispatcher (not on the list)');
    await act('dispatcher', 'centre', first, 'dispatch', { unitId: 'dept-health' });
    await waitFor(first, (v) => v.unitId === 'dept-health' || v.lead === 'dept-health', 'at health');

    // Health disputes the duty on receipt: no returns needed to reach arbitration, and disputing is no failure.
    await act('handler', 'dept-health', first, 'dispute', { reason: 'A salon is not a medical institution' });
    await waitFor(first, (v) => v.status === 'awaiting-arbitration' && v.unitId === 'centre', 'arbitration at the centre');
    const refused = await call('handler', 'dept-health', 'POST', `/v1/complaints/${first}/dispute`, { reason: 'Again' });
    expect(refused.statusCode).toBeGreaterThanOrEqual(400);
    await act('supervisor', 'centre', first, 'arbitration', { unitId: 'dept-market', coUnitIds: ['dept-health'], ruling: 'Cosmetic injections in salons: market supervision leads, health joins' });
    await waitFor(first, (v) => v.lead === 'dept-market' && v.coDepartments.includes('dept-health'), 'with market supervision leading');

    // The ruling is a proposed change to the list, listed with its case; an admin publishes it in one call.
    const ruling = await eventually(
      async () => ((await ok('admin', undefined, 'GET', '/v1/rulings?status=proposed&limit=500')).items as Answer[]).find((r) => r.caseNo === first),
      { what: 'the ruling in the list of proposals' },
    );
    expect(ruling).toMatchObject({ category, leadUnitId: 'dept-market', coUnitIds: ['dept-health'] });
    const published = await ok('admin', undefined, 'POST', `/v1/rulings/${String(ruling.id)}/publish`, {});
    expect(published).toMatchObject({ status: 'published', listVersion: expect.any(Number) });
    const list = await ok('admin', undefined, 'GET', '/v1/responsibility-list');
    expect((list.items as Answer[]).find((i) => i.category === category)).toMatchObject({ departmentId: 'dept-market', coDepartmentIds: ['dept-health'] });

    // The next case of the matter goes to market supervision with health as co-department, nobody dispatching.
    const second = await file(portal.relaxed, category, 'comm-xinhua-garden', 'Another salon, the same injection');
    const routed = await waitFor(second, (v) => v.lead === 'dept-market' && v.deadline !== null, 'routed to market supervision');
    expect(routed.coDepartments).toEqual(['dept-health']);
    expect((await timeline(second)).map((e) => e.action)).not.toContain('dispatched');

    // The first case goes on to close with the ruled units.
    for (const department of ['dept-market', 'dept-health']) await act('handler', department, first, 'report-in');
    await act('handler', 'dept-market', first, 'resolve', { reply: 'The salon lost its licence for injections' });
    await evaluate(first);
    await waitFor(first, (v) => v.status === 'closed', 'closed');
  });

  it('street-first sorting: every order lands at the street, which keeps one and summons, and passes another to a community', { timeout: 180_000 }, async () => {
    const kept = await file(portal.streetFirst, 'neighbour-dispute', 'comm-binhe-park', 'Cars parked on the pavement every night');
    const passed = await file(portal.streetFirst, 'neighbour-dispute', 'comm-binhe-bridge', 'A dog barks all night');
    for (const caseNo of [kept, passed]) await waitFor(caseNo, (v) => v.status === 'awaiting-dispatch' && v.unitId === 'street-binhe' && v.deadline !== null, 'at the street for sorting');
    expect((await caseView(kept)).process.key).toBe(rules.find((r) => r.source === portal.streetFirst)!.processKey);

    await act('dispatcher', 'street-binhe', kept, 'dispatch', { unitId: 'street-binhe' });
    await waitFor(kept, (v) => v.status === 'handling' && v.unitId === 'street-binhe', 'kept by the street');
    await act('handler', 'street-binhe', kept, 'summons', { departmentIds: ['dept-urban'], tier: 'joint', note: 'Parking enforcement needed' });
    await act('handler', 'dept-urban', kept, 'report-in');
    await act('handler', 'dept-urban', kept, 'part-done', { text: 'Ticketed and towed' });
    await act('handler', 'street-binhe', kept, 'resolve', { reply: 'Bollards installed' });
    await act('handler', 'street-binhe', kept, 'department-rating', { unitId: 'dept-urban', cooperation: 4, partResolved: true });
    await evaluate(kept, 'basically-satisfied');

    await act('dispatcher', 'street-binhe', passed, 'dispatch', { unitId: 'comm-binhe-bridge' });
    await waitFor(passed, (v) => v.status === 'awaiting-sign' && v.unitId === 'comm-binhe-bridge', 'passed to the community');
    await act('handler', 'comm-binhe-bridge', passed, 'sign-for');
    await act('handler', 'comm-binhe-bridge', passed, 'resolve', { reply: 'Talked to the owner' });
    await evaluate(passed);

    for (const caseNo of [kept, passed]) await waitFor(caseNo, (v) => v.status === 'closed', 'closed');
    expect(await caseView(kept)).toMatchObject({ holders: ['street-binhe'], streetHandled: true, communityHeld: false, reachedTop: false });
    expect(await caseView(passed)).toMatchObject({ holders: ['street-binhe', 'comm-binhe-bridge'], streetHandled: true, communityHeld: true });
  });
});

// ------------------------------------------------------------------ a month of generated cases

/** What the script does to a case; the expected figures are counted from these by hand. */
type Script = 'community-resolves' | 'street-resolves' | 'whistled-up' | 'sat-on' | 'left-open' | 'cancelled';

/** A small seeded generator: the same seed gives the same month. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The local (China Standard Time) calendar date of an instant. */
const localDate = (iso: string) => new Date(new Date(iso).getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

describe('a month of generated cases', () => {
  it('yields the reform figures counted by hand, and ranks the street that whistled legitimately above the one that sat on its cases', { timeout: 420_000 }, async () => {
    const id = (name: string) => `${name}-m${t}`;
    const [centre, whistler, sitter, cmW, cmS, department] = ['centre', 'st-whistler', 'st-sitter', 'cm-w', 'cm-s', 'dept'].map(id) as [string, string, string, string, string, string];
    await createUnits(env, [
      { id: centre, name: 'Month district centre', level: 'district', kind: 'centre' },
      { id: whistler, name: 'Street that whistles', level: 'street', kind: 'street', parentId: centre },
      { id: sitter, name: 'Street that sits', level: 'street', kind: 'street', parentId: centre },
      { id: cmW, name: 'Community W', level: 'community', kind: 'community', parentId: whistler },
      { id: cmS, name: 'Community S', level: 'community', kind: 'community', parentId: sitter },
      { id: department, name: 'Housing department', level: 'district', kind: 'department', parentId: centre },
    ]);

    // The month: the whistling street resolves most street matters and whistles up what needs district
    // powers; the sitting street resolves some and sits on others until the centre takes them over. The
    // citizens are satisfied, once only basically (with a community's reply), and once not at all (with a
    // department's, at the top: rated so again after the reopen, the case closes unsatisfied), so the streets'
    // own ratings are equal and only how they handled their cases tells them apart. Filed in a seeded shuffle.
    const plan: Array<{ street: string; community: string; script: Script; rating: string }> = [];
    const add = (street: string, community: string, script: Script, n: number, firstRating = 'satisfied') => {
      for (let i = 0; i < n; i++) plan.push({ street, community, script, rating: i === 0 ? firstRating : 'satisfied' });
    };
    add(whistler, cmW, 'community-resolves', 3, 'basically-satisfied');
    add(whistler, cmW, 'street-resolves', 4);
    add(whistler, cmW, 'whistled-up', 2, 'unsatisfied');
    add(whistler, cmW, 'left-open', 1);
    add(sitter, cmS, 'community-resolves', 2);
    add(sitter, cmS, 'street-resolves', 3);
    add(sitter, cmS, 'sat-on', 2);
    add(sitter, cmS, 'cancelled', 1);
    const random = mulberry32(20261202);
    plan.sort(() => random() - 0.5);

    const handler = (unit: string) => ['handler', unit] as const;
    /** An unsatisfied citizen reopens the case once (the model's reopen limit); at the top, rated so again, it closes. */
    const resolveAndEvaluate = async (caseNo: string, unit: string, rating: string) => {
      for (let round = 0; round < (rating === 'unsatisfied' ? 2 : 1); round++) {
        await waitFor(caseNo, (v) => v.unitId === unit && v.allowedActions.handler?.includes('resolve') === true, `resolvable by ${unit}`);
        // A reopened joint handling starts again: the lead department reports in anew.
        if (round > 0 && unit === department) await act(...handler(unit), caseNo, 'report-in');
        await act(...handler(unit), caseNo, 'resolve', { reply: round === 0 ? 'Done' : 'Done again' });
        await evaluate(caseNo, rating);
      }
    };
    const caseNos = new Map<(typeof plan)[number], string>();
    const run = async (entry: (typeof plan)[number]): Promise<void> => {
      const { street, community, script, rating } = entry;
      const communityMatter = script === 'community-resolves';
      const source = script === 'sat-on' ? portal.sitting : portal.relaxed;
      const caseNo = await file(source, communityMatter ? 'neighbour-dispute' : 'property-management', community, `Generated ${script}`);
      caseNos.set(entry, caseNo);
      const holder = communityMatter ? community : street;
      await waitFor(caseNo, (v) => v.status === 'awaiting-sign' && v.unitId === holder && v.deadline !== null, `at ${holder}`);
      await act(...handler(holder), caseNo, 'sign-for');
      switch (script) {
        case 'left-open':
          return;
        case 'cancelled': {
          const original = [...caseNos].find(([other]) => other.street === street && other.script === 'street-resolves')![1];
          await act('supervisor', street, caseNo, 'cancel', { originalCaseNo: original, reason: 'The same complaint twice' });
          return;
        }
        case 'whistled-up':
          await act(...handler(street), caseNo, 'whistle', { reason: "Needs the housing department's enforcement powers" });
          break;
        case 'sat-on':
          // Nothing: the street's 3-second limit passes and the case goes up by itself.
          break;
        default:
          await resolveAndEvaluate(caseNo, holder, rating);
          return;
      }
      await waitFor(caseNo, (v) => v.status === 'awaiting-dispatch' && v.unitId === centre, 'at the centre');
      await act('dispatcher', centre, caseNo, 'dispatch', { unitId: department });
      await act(...handler(department), caseNo, 'report-in');
      await resolveAndEvaluate(caseNo, department, rating);
    };
    // A few at a time, as a day's work would come; the duplicate last, once its original exists.
    const duplicates = plan.filter((p) => p.script === 'cancelled');
    const rest = plan.filter((p) => p.script !== 'cancelled');
    for (let i = 0; i < rest.length; i += 6) await Promise.all(rest.slice(i, i + 6).map(run));
    await Promise.all(duplicates.map(run));
    const views = await Promise.all(plan.map((p) => waitFor(caseNos.get(p)!, (v) => (p.script === 'left-open' ? v.status === 'handling' : v.closedAt !== null), 'settled')));

    // By hand: over the cases received (the cancelled duplicate counts for nobody).
    const counted = plan.map((p, i) => ({ ...p, view: views[i]! })).filter((c) => c.script !== 'cancelled');
    const received = counted.length;
    const communityHeld = counted.filter((c) => c.script === 'community-resolves').length;
    const resolved = counted.filter((c) => c.script !== 'left-open');
    const sameDay = resolved.filter((c) => localDate(c.view.resolvedAt!) === localDate(c.view.receivedAt)).length;
    const reachedTop = counted.filter((c) => c.script === 'whistled-up' || c.script === 'sat-on').length;
    // Over the outcome ledger of the closed cases: the holder rows (and nobody for the open case).
    const closed = resolved;
    // A case that reached the top was held by its street, the centre (which dispatched it) and the department.
    const holderRows = closed.flatMap((c) => (c.script === 'whistled-up' || c.script === 'sat-on' ? [c.street, centre, department] : [c.script === 'community-resolves' ? c.community : c.street]));
    const satisfied = closed.filter((c) => c.rating !== 'unsatisfied').length;
    const period = periodOf(views[0]!.receivedAt);
    expect(new Set(counted.map((c) => periodOf(c.view.receivedAt)))).toEqual(new Set([period]));

    const figure = (numerator: number, denominator: number) => ({ numerator, denominator, rate: denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000 });
    const expected: Partial<Figures> = {
      received,
      // Every case of the month came from a citizen.
      selfDiscovered: 0,
      communityShare: figure(communityHeld, received),
      sameDayResolution: figure(sameDay, received),
      resolutionRate: figure(resolved.length, received),
      reachedTop: figure(reachedTop, received),
      // Every holder signed for, dispatched or reported in on time; streets that whistled or sat are holders too.
      response: figure(holderRows.length, holderRows.length),
      // Only holders that resolved: communities, streets that resolved, the department on the cases at the top.
      onTime: figure(closed.length, closed.length),
      // Each closed case's reply is rated once, on the row of the unit that gave it.
      satisfaction: figure(satisfied, closed.length),
    };
    // The read model catches up with the workflows; then the figures must be exactly these.
    const read = async () => (await ok('supervisor', centre, 'GET', `/v1/figures?period=${period}&district=${centre}&by=street`)) as unknown as FigureReport;
    await eventually(async () => ((await read()).total.satisfaction.denominator >= closed.length ? true : undefined), { what: 'every closed case in the figures' }).catch(() => undefined);
    const report = await read();
    expect(report.total).toEqual(expected);
    const byStreet = Object.fromEntries(report.groups.map((g) => [g.key, g.figures]));
    expect(byStreet[whistler]).toMatchObject({ received: counted.filter((c) => c.street === whistler).length, reachedTop: figure(2, counted.filter((c) => c.street === whistler).length) });
    expect(byStreet[sitter]).toMatchObject({ received: counted.filter((c) => c.street === sitter).length, reachedTop: figure(2, counted.filter((c) => c.street === sitter).length) });

    // The month's evaluation ranks the whistling street first; the one that sat on its cases last.
    await env.client.workflow.execute<(i: MonthlyEvaluationInput) => Promise<MonthlyEvaluationResult>>(MONTHLY_EVALUATION_WORKFLOW_TYPE, {
      taskQueue: env.taskQueue,
      workflowId: `monthly-evaluation-scenario-${t}`,
      args: [{ period, districtId: centre }],
    });
    const ranking = (await ok('supervisor', centre, 'GET', `/v1/rankings?period=${period}&district=${centre}&level=street`)).units as Answer[];
    const rank = (unitId: string) => ranking.find((u) => u.unitId === unitId);
    expect(rank(whistler)).toMatchObject({ whistled: 2, overdueAtTop: 0 });
    expect(rank(sitter)).toMatchObject({ escalatedByTimeout: 2 });
    expect(Number(rank(whistler)!.rank)).toBeLessThan(Number(rank(sitter)!.rank));
    expect(Number(rank(whistler)!.score)).toBeGreaterThan(Number(rank(sitter)!.score));
    // The cancelled duplicate wrote nothing against the street that held it.
    const cancelled = caseNos.get(duplicates[0]!)!;
    expect(await caseView(cancelled)).toMatchObject({ status: 'cancelled' });
    expect(await env.database.db.select().from(caseOutcomes).where(eq(caseOutcomes.caseNo, cancelled))).toEqual([]);
  });
});
