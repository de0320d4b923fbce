/**
 * A month of closed cases in a district of the test's own, built through the real workflows; the
 * monthly evaluation's rates and ranking must equal the values computed by hand below.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadUnitChain } from '../../db/units.js';
import { calendarYears, sanctions, strikes } from '../../db/schema.js';
import { computeDeadline, parseLimit } from '../../domain/calendar.js';
import { periodOf } from '../../domain/accountability.js';
import type { Actor } from '../../domain/case.js';
import { MONTHLY_EVALUATION_WORKFLOW_TYPE, type MonthlyEvaluationInput, type MonthlyEvaluationResult } from '../../workflows/messages.js';
import { act, both, deployTestProcess, recordHistories, startCase, testLimits, waitForCase, type CaseHandle } from '../helpers/cases.js';
import { createTestEnv, createUnits, eventually, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
const t = randomUUID().slice(0, 6);
const id = (name: string) => `${name}-${t}`;
const [centre, stA, stB, cmA1, cmA2, cmA3, cmB1, dpX, dpY] = ['centre', 'st-a', 'st-b', 'cm-a1', 'cm-a2', 'cm-a3', 'cm-b1', 'dp-x', 'dp-y'].map(id) as [string, ...string[]];
const processes: Record<string, string> = {};

const handler = (unitId: string): Actor => ({ role: 'handler', id: `h-${unitId}`, unitId });
const evaluator: Actor = { role: 'evaluator', id: 'callback' };

beforeAll(async () => {
  env = await createTestEnv();
  await createUnits(env, [
    { id: centre, name: 'Test centre', level: 'district', kind: 'centre' },
    { id: stA!, name: 'Street A', level: 'street', kind: 'street', parentId: centre },
    { id: stB!, name: 'Street B', level: 'street', kind: 'street', parentId: centre },
    { id: cmA1!, name: 'Community A1', level: 'community', kind: 'community', parentId: stA! },
    { id: cmA2!, name: 'Community A2', level: 'community', kind: 'community', parentId: stA! },
    { id: cmA3!, name: 'Community A3', level: 'community', kind: 'community', parentId: stA! },
    { id: cmB1!, name: 'Community B1', level: 'community', kind: 'community', parentId: stB! },
    { id: dpX!, name: 'Department X', level: 'district', kind: 'department', parentId: centre },
    { id: dpY!, name: 'Department Y', level: 'district', kind: 'department', parentId: centre },
  ]);
  processes.slow = await deployTestProcess(env, testLimits());
  processes.communitySignTimeout = await deployTestProcess(env, testLimits({ signFor: { community: both('PT1S'), street: both('PT5M'), district: both('PT5M') } }));
  processes.streetSignTimeout = await deployTestProcess(env, testLimits({ signFor: { community: both('PT5M'), street: both('PT1S'), district: both('PT5M') } }));
  processes.evaluationTimeout = await deployTestProcess(env, testLimits({ evaluate: both('PT2S') }));
  processes.reportInTimeout = await deployTestProcess(env, testLimits({ reportIn: both('PT1S') }));
});
afterAll(async () => {
  await recordHistories(env, 'evaluation', { cases: false, extra: [`monthly-evaluation-${t}-again`] });
  await env?.close();
});

async function closeWith(handle: CaseHandle, unitId: string, rating: 'satisfied' | 'basically-satisfied' | null): Promise<void> {
  await act(handle, 'resolve', { actor: handler(unitId), reply: 'Resolved' });
  if (rating) await act(handle, 'evaluate', { actor: evaluator, rating });
  await handle.result();
}

/** A community case signed and resolved at its community. */
async function communityCase(community: string, rating: 'satisfied' | 'basically-satisfied' | null): Promise<void> {
  const { handle } = await startCase(env, rating ? processes.slow! : processes.evaluationTimeout!, { location: { unitId: community } });
  await waitForCase(handle, (v) => v.status === 'awaiting-sign' && v.deadline !== null);
  await act(handle, 'signFor', { actor: handler(community) });
  await closeWith(handle, community, rating);
}

/** A community case nobody signs: it escalates to the street, which handles it. */
async function escalatedCommunityCase(community: string, street: string): Promise<void> {
  const { handle } = await startCase(env, processes.communitySignTimeout!, { location: { unitId: community } });
  await waitForCase(handle, (v) => v.status === 'awaiting-sign' && v.unitId === street && v.deadline !== null, 'escalation to the street');
  await act(handle, 'signFor', { actor: handler(street) });
  await closeWith(handle, street, 'satisfied');
}

async function streetCase(location: string, street: string): Promise<void> {
  const { handle } = await startCase(env, processes.slow!, { category: 'property-management', location: { unitId: location } });
  await waitForCase(handle, (v) => v.status === 'awaiting-sign' && v.deadline !== null);
  await act(handle, 'signFor', { actor: handler(street) });
  await closeWith(handle, street, 'satisfied');
}

/** A case the centre dispatches to a department, which reports in (late, with `lateReportIn`) and resolves. */
async function departmentCase(department: string, { escalatedFrom, lateReportIn = false }: { escalatedFrom?: string; lateReportIn?: boolean } = {}): Promise<void> {
  const process = escalatedFrom ? processes.streetSignTimeout! : lateReportIn ? processes.reportInTimeout! : processes.slow!;
  const { handle } = await startCase(env, process, { category: escalatedFrom ? 'property-management' : 'not-on-the-list', location: { unitId: cmB1! } });
  await waitForCase(handle, (v) => v.status === 'awaiting-dispatch' && v.unitId === centre && v.deadline !== null, 'the centre dispatcher');
  await act(handle, 'dispatch', { actor: { role: 'dispatcher', id: 'd', unitId: centre }, unit: (await loadUnitChain(env.database.db, department))! });
  if (lateReportIn) await waitForCase(handle, (v) => v.timeline.some((e) => e.action === 'report-in-missed'), 'the missed report-in');
  await act(handle, 'reportIn', { actor: handler(department) });
  await closeWith(handle, department, 'satisfied');
}

describe('the monthly evaluation', () => {
  it('ranks a month of real cases as computed by hand, strikes the bottom unit of each level once (pending its appeal window), and leaves small units unranked', { timeout: 240_000 }, async () => {
    const period = periodOf(new Date().toISOString());
    await Promise.all([
      ...['satisfied', 'satisfied', 'satisfied', 'basically-satisfied', null].map((r) => communityCase(cmA1!, r as 'satisfied' | null)),
      ...['satisfied', 'satisfied', 'satisfied'].map(() => communityCase(cmA2!, 'satisfied')),
      escalatedCommunityCase(cmA2!, stA!),
      escalatedCommunityCase(cmA2!, stA!),
      communityCase(cmA3!, 'satisfied'),
      communityCase(cmA3!, 'satisfied'),
      ...[1, 2, 3].map(() => streetCase(cmA1!, stA!)),
      ...[1, 2, 3, 4].map(() => streetCase(cmB1!, stB!)),
      departmentCase(dpX!, { escalatedFrom: stB! }),
      ...[1, 2, 3, 4].map(() => departmentCase(dpX!)),
      ...[1, 2, 3, 4].map(() => departmentCase(dpY!)),
      departmentCase(dpY!, { lateReportIn: true }),
    ]);

    const evaluate = (run: string) =>
      env.client.workflow.execute<(i: MonthlyEvaluationInput) => Promise<MonthlyEvaluationResult>>(MONTHLY_EVALUATION_WORKFLOW_TYPE, {
        taskQueue: env.taskQueue,
        workflowId: `monthly-evaluation-${t}-${run}`,
        args: [{ period, districtId: centre }],
      });
    // The outcome ledger is written as each case closes; wait until all 29 cases are in.
    const first = await eventually(
      async () => {
        const result = await evaluate(`wait-${randomUUID().slice(0, 4)}`);
        return result.ranked === 6 ? result : undefined;
      },
      { what: 'the outcome ledger of all cases', timeoutMs: 30_000, intervalMs: 500 },
    );
    expect([...first.strikes].sort()).toEqual([cmA2, stB, dpY].map((u) => `ranking:${period}:${u}`).sort());

    const admin = await env.key('admin');
    const response = await env.call(admin, 'GET', `/v1/rankings?period=${period}&district=${centre}`);
    expect(response.statusCode).toBe(200);
    const ranking = response.json<{ units: Array<Record<string, unknown>>; levels: Array<Record<string, unknown>> }>();
    const row = (unitId: string) => ranking.units.find((u) => u.unitId === unitId);
    expect(row(cmA1!)).toMatchObject({ assigned: 5, respondedOnTime: 5, resolvedOnTime: 5, evaluated: 4, satisfied: 4, responseRate: 1, onTimeResolutionRate: 1, satisfactionRate: 1, score: 1, rank: 1, bottom: false });
    expect(row(cmA2!)).toMatchObject({ assigned: 5, respondedOnTime: 3, resolved: 3, escalatedByTimeout: 2, responseRate: 0.6, onTimeResolutionRate: 0.6, satisfactionRate: 1, score: 0.74, rank: 2, bottom: true });
    expect(row(cmA3!)).toMatchObject({ assigned: 2, ranked: false, rank: null, bottom: false });
    expect(row(stA!)).toMatchObject({ assigned: 5, score: 1, rank: 1, bottom: false });
    expect(row(stB!)).toMatchObject({ assigned: 5, respondedOnTime: 4, resolvedOnTime: 4, escalatedByTimeout: 1, responseRate: 0.8, onTimeResolutionRate: 0.8, score: 0.87, rank: 2, bottom: true });
    expect(row(dpX!)).toMatchObject({ assigned: 5, reportInsDue: 5, reportedInOnTime: 5, score: 1, rank: 1 });
    expect(row(dpY!)).toMatchObject({ assigned: 5, reportedInOnTime: 4, responseRate: 0.8, onTimeResolutionRate: 1, score: 0.94, rank: 2, bottom: true });
    expect(row(centre)).toBeUndefined();
    expect(ranking.levels).toEqual([
      { level: 'community', cases: 12, share: 0.4138, resolvedWithoutEscalation: 10 },
      { level: 'dispatcher', cases: 9, share: 0.3103, resolvedWithoutEscalation: 9 },
      { level: 'street', cases: 8, share: 0.2759, resolvedWithoutEscalation: 7 },
    ]);
    const performance = await env.call(admin, 'GET', `/v1/units/${cmA2}/performance?period=${period}`);
    expect(performance.json()).toMatchObject({ performance: { score: 0.74, bottom: true } });

    // Each bottom unit gets exactly one strike, however often the period is evaluated; it waits out the
    // policy's appeal window (5 working days) before any sanction.
    const bottom = [cmA2!, stB!, dpY!];
    const pending = () => env.database.db.select().from(strikes).where(and(inArray(strikes.unitId, bottom), eq(strikes.source, 'ranking')));
    const calendar = { years: Object.fromEntries((await env.database.db.select().from(calendarYears)).map((y) => [String(y.year), y])) };
    const opened = await eventually(async () => ((await pending()).filter((s) => s.appealUntil).length === 3 ? pending() : undefined), { what: 'the three pending strikes' });
    for (const strike of opened) {
      expect(strike).toMatchObject({ status: 'pending', number: 1, period });
      expect(strike.appealUntil).toEqual(computeDeadline(strike.createdAt, parseLimit('5 working days'), calendar).deadline);
    }
    const again = await evaluate('again');
    expect([...again.strikes].sort()).toEqual([...first.strikes].sort());
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await pending()).map((s) => [s.unitId, s.number, s.status]).sort()).toEqual(bottom.map((u) => [u, 1, 'pending']).sort());
    expect(await env.database.db.select().from(sanctions).where(inArray(sanctions.unitId, bottom))).toEqual([]);
  });
});
