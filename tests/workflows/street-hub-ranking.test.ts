/**
 * The acceptance of fair scores through the real engine: a street that whistles up what its powers cannot
 * solve is not ranked below one that sits on its cases, and the departments a street summoned show its
 * ratings in their monthly scores. A district of the test's own, real workflows, the monthly evaluation.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadUnitChain } from '../../db/units.js';
import { periodOf } from '../../domain/accountability.js';
import type { Actor } from '../../domain/case.js';
import { MONTHLY_EVALUATION_WORKFLOW_TYPE, type MonthlyEvaluationInput, type MonthlyEvaluationResult } from '../../workflows/messages.js';
import { act, both, deployTestProcess, startCase, testLimits, waitForCase, type CaseHandle } from '../helpers/cases.js';
import { createTestEnv, createUnits, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
const t = randomUUID().slice(0, 6);
const id = (name: string) => `${name}-h${t}`;
const [centre, whistler, sitter, cmW, cmS, coop, slow] = ['centre', 'st-whistler', 'st-sitter', 'cm-w', 'cm-s', 'dp-coop', 'dp-slow'].map(id) as [string, string, string, string, string, string, string];
let relaxed: string;
let streetResolveTimeout: string;

const handler = (unitId: string): Actor => ({ role: 'handler', id: `h-${unitId}`, unitId });
const chain = async (unitId: string) => (await loadUnitChain(env.database.db, unitId))!;

beforeAll(async () => {
  env = await createTestEnv();
  await createUnits(env, [
    { id: centre, name: 'Hub centre', level: 'district', kind: 'centre' },
    { id: whistler, name: 'Street that whistles', level: 'street', kind: 'street', parentId: centre },
    { id: sitter, name: 'Street that sits', level: 'street', kind: 'street', parentId: centre },
    { id: cmW, name: 'Community W', level: 'community', kind: 'community', parentId: whistler },
    { id: cmS, name: 'Community S', level: 'community', kind: 'community', parentId: sitter },
    { id: coop, name: 'Cooperative department', level: 'district', kind: 'department', parentId: centre },
    { id: slow, name: 'Reluctant department', level: 'district', kind: 'department', parentId: centre },
  ]);
  relaxed = await deployTestProcess(env, testLimits());
  streetResolveTimeout = await deployTestProcess(env, testLimits({ resolve: { community: both('PT5M'), street: both('PT2S'), district: both('PT5M') } }));
});
afterAll(async () => {
  await env?.close();
});

/** A street matter at the street of `community`, signed for. */
async function streetCase(community: string, street: string, process = relaxed): Promise<CaseHandle> {
  const { handle } = await startCase(env, process, { category: 'property-management', location: { unitId: community } });
  await waitForCase(handle, (v) => v.status === 'awaiting-sign' && v.unitId === street && v.deadline !== null, `the case at ${street}`);
  await act(handle, 'signFor', { actor: handler(street) });
  return handle;
}

async function resolveAndRate(handle: CaseHandle, unitId: string): Promise<void> {
  await act(handle, 'resolve', { actor: handler(unitId), reply: 'Resolved' });
  await act(handle, 'evaluate', { actor: { role: 'evaluator', id: 'callback' }, rating: 'satisfied' });
  await handle.result();
}

/** The centre dispatches the case to a department, which reports in and resolves it. */
async function atTheCentre(handle: CaseHandle): Promise<void> {
  await waitForCase(handle, (v) => v.status === 'awaiting-dispatch' && v.unitId === centre && v.deadline !== null, 'the centre dispatcher');
  await act(handle, 'dispatch', { actor: { role: 'dispatcher', id: 'd', unitId: centre }, unit: await chain(coop) });
  await act(handle, 'reportIn', { actor: handler(coop) });
  await resolveAndRate(handle, coop);
}

describe('fair scores through the engine', () => {
  it('ranks a street that whistled legitimately above one that sat on its cases, and shows the summoned departments their street\'s ratings', { timeout: 240_000 }, async () => {
    const summonedCase = async () => {
      const handle = await streetCase(cmW, whistler);
      await act(handle, 'summon', { actor: handler(whistler), departments: [await chain(coop), await chain(slow)], tier: 'joint', note: 'Refuse station shared by three compounds' });
      for (const department of [coop, slow]) {
        await act(handle, 'reportIn', { actor: handler(department) });
        await act(handle, 'reportPart', { actor: handler(department), text: 'Our part' });
      }
      await act(handle, 'rateDepartment', { actor: handler(whistler), unitId: coop, cooperation: 5, partResolved: true, note: 'Came at once' });
      await act(handle, 'rateDepartment', { actor: handler(whistler), unitId: slow, cooperation: 2, partResolved: false, note: 'Sent nobody who could decide' });
      await resolveAndRate(handle, whistler);
    };
    const whistledCase = async () => {
      const handle = await streetCase(cmW, whistler);
      await act(handle, 'whistle', { actor: handler(whistler), reason: 'Needs the enforcement powers of the district' });
      await atTheCentre(handle);
    };
    const satOnCase = async () => {
      const handle = await streetCase(cmS, sitter, streetResolveTimeout);
      await atTheCentre(handle);
    };
    const resolvedCase = async (community: string, street: string) => resolveAndRate(await streetCase(community, street), street);
    await Promise.all([
      summonedCase(),
      resolvedCase(cmW, whistler),
      resolvedCase(cmW, whistler),
      whistledCase(),
      whistledCase(),
      ...[1, 2, 3, 4].map(() => resolvedCase(cmS, sitter)),
      satOnCase(),
    ]);

    const period = periodOf(new Date().toISOString());
    const result = await env.client.workflow.execute<(i: MonthlyEvaluationInput) => Promise<MonthlyEvaluationResult>>(MONTHLY_EVALUATION_WORKFLOW_TYPE, {
      taskQueue: env.taskQueue,
      workflowId: `monthly-evaluation-hub-${t}`,
      args: [{ period, districtId: centre }],
    });
    expect(result.strikes).toContain(`ranking:${period}:${sitter}`);
    expect(result.strikes).not.toContain(`ranking:${period}:${whistler}`);

    const supervisor = await env.key('supervisor', centre);
    const ranking = (await env.call(supervisor, 'GET', `/v1/rankings?period=${period}&district=${centre}`)).json<{ units: Array<Record<string, unknown>> }>();
    const row = (unitId: string) => ranking.units.find((u) => u.unitId === unitId);
    expect(row(whistler)).toMatchObject({ assigned: 5, held: 3, whistled: 2, resolvedOnTime: 3, onTimeResolutionRate: 1, rank: 1, bottom: false });
    expect(row(sitter)).toMatchObject({ assigned: 5, held: 5, escalatedByTimeout: 1, onTimeResolutionRate: 0.8, rank: 2, bottom: true });

    const performance = async (unitId: string) => (await env.call(supervisor, 'GET', `/v1/units/${unitId}/performance?period=${period}`)).json<{ performance: Record<string, unknown> }>().performance;
    expect(await performance(coop)).toMatchObject({ summoned: 1, summonedReportedInOnTime: 1, partsDone: 1, cooperationRated: 1, cooperationAverage: 5, partsResolved: 1, reportInRate: 1, partResolutionRate: 1 });
    expect(await performance(slow)).toMatchObject({ assigned: 0, summoned: 1, cooperationAverage: 2, partsRated: 1, partsResolved: 0, partResolutionRate: 0 });
    // Summoned departments are scored on report-in, cooperation and part resolution: (0.3 × 1 + 0.35 × 0.25 + 0.35 × 0) / 1.
    expect((await performance(slow)).score).toBe(0.3875);
  });
});
