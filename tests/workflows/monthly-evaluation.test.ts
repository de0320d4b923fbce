/**
 * The monthly evaluation over a month of outcome rows and read-model cases written for a district of
 * the test's own (what the engine records for whistles, summons and overdue cases at the top): fair
 * scores, cancelled duplicates counted for nobody, and at most one strike per unit, each pending its
 * appeal window.
 */
import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseOutcomes, caseTimeline, cases, sanctions, strikes, type NewCaseRow } from '../../db/schema.js';
import { periodStart } from '../../domain/accountability.js';
import type { UnitOutcome } from '../../domain/outcomes.js';
import { MONTHLY_EVALUATION_WORKFLOW_TYPE, type MonthlyEvaluationInput, type MonthlyEvaluationResult } from '../../workflows/messages.js';
import { createTestEnv, createUnits, eventually, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
const t = randomUUID().slice(0, 6);
const id = (name: string) => `${name}-e${t}`;
const [centre, whistler, sitter, community, deptGood, deptPoor, deptLate] = ['centre', 'st-whistler', 'st-sitter', 'cm', 'dp-good', 'dp-poor', 'dp-late'].map(id) as [string, string, string, string, string, string, string];
const period = '2026-02';
const inPeriod = '2026-02-11T03:00:00.000Z';

beforeAll(async () => {
  env = await createTestEnv();
  await createUnits(env, [
    { id: centre, name: 'Evaluation centre', level: 'district', kind: 'centre' },
    { id: whistler, name: 'Street that whistles', level: 'street', kind: 'street', parentId: centre },
    { id: sitter, name: 'Street that sits', level: 'street', kind: 'street', parentId: centre },
    { id: community, name: 'Community', level: 'community', kind: 'community', parentId: sitter },
    { id: deptGood, name: 'Cooperative department', level: 'district', kind: 'department', parentId: centre },
    { id: deptPoor, name: 'Reluctant department', level: 'district', kind: 'department', parentId: centre },
    { id: deptLate, name: 'Late department', level: 'district', kind: 'department', parentId: centre },
  ]);
});
afterAll(async () => {
  await env?.close();
});

let written = 0;
/** A case in the read model, closed (or open) with a status, and its outcome rows. */
async function writeCase({ status = 'closed', rows = [], overdueAtTop = [] }: { status?: string; rows?: Array<Partial<UnitOutcome> & { unitId: string }>; overdueAtTop?: Array<{ unitId: string; at: string }> }): Promise<string> {
  const caseNo = `eval${t}-${++written}`;
  const workflowId = `complaint-${caseNo}`;
  const open = status === 'open';
  const row: NewCaseRow = {
    caseNo,
    workflowId,
    source: 'eval',
    ticketId: `${written}`,
    title: 'Evaluation case',
    category: 'property-management',
    urgency: 'normal',
    status: open ? 'joint-handling' : status,
    districtId: centre,
    overdueAtTop: overdueAtTop.length > 0,
    seq: 1 + overdueAtTop.length,
    receivedAt: new Date('2026-02-02T01:00:00Z'),
    stepSince: new Date('2026-02-02T01:00:00Z'),
    closedAt: open ? null : new Date(inPeriod),
  };
  await env.database.db.insert(cases).values(row);
  if (overdueAtTop.length > 0) {
    await env.database.db.insert(caseTimeline).values(
      overdueAtTop.map((o, i) => ({ workflowId, seq: i + 2, at: new Date(o.at), action: 'overdue-at-top', actorRole: 'system', actorId: 'timer', detail: { strikeUnitId: o.unitId } })),
    );
  }
  if (rows.length > 0) {
    await env.database.db.insert(caseOutcomes).values(
      rows.map((r) => ({
        caseNo,
        districtId: centre,
        period,
        closedAt: new Date(inPeriod),
        role: 'holder',
        responded: true,
        respondedOnTime: true,
        resolved: true,
        resolvedOnTime: true,
        escalatedByTimeout: false,
        returned: false,
        rating: 'satisfied',
        ...r,
      })),
    );
  }
  return caseNo;
}

const evaluate = (run: string) =>
  env.client.workflow.execute<(i: MonthlyEvaluationInput) => Promise<MonthlyEvaluationResult>>(MONTHLY_EVALUATION_WORKFLOW_TYPE, {
    taskQueue: env.taskQueue,
    workflowId: `monthly-evaluation-${t}-${run}`,
    args: [{ period, districtId: centre }],
  });

describe('a fair evaluation', () => {
  it('ranks a street that whistled above one that sat on its cases, counts cancelled duplicates for nobody, scores summoned departments on their ratings, and strikes each unit at most once', { timeout: 120_000 }, async () => {
    const whistled = { resolved: false, resolvedOnTime: false, whistled: true, rating: null };
    for (let i = 0; i < 3; i += 1) await writeCase({ rows: [{ unitId: whistler }] });
    for (let i = 0; i < 2; i += 1) await writeCase({ rows: [{ unitId: whistler, ...whistled }, { unitId: deptGood, resolved: true }] });
    // Duplicates cancelled while the whistling street held them: they count for nobody.
    for (let i = 0; i < 4; i += 1) await writeCase({ status: 'cancelled', rows: [{ unitId: whistler, respondedOnTime: false, resolved: false, resolvedOnTime: false, rating: null }] });
    for (let i = 0; i < 4; i += 1) await writeCase({ rows: [{ unitId: sitter }] });
    await writeCase({ rows: [{ unitId: sitter, resolved: false, resolvedOnTime: false, escalatedByTimeout: true, rating: null }, { unitId: deptPoor }] });

    // Departments the streets summoned, with the streets' ratings; the poor one also lets a case go overdue at the top.
    const summoned = (unitId: string, cooperation: number, partResolved: boolean, reportedInOnTime = true) => ({
      unitId,
      role: 'summoned' as const,
      respondedOnTime: false,
      resolved: false,
      resolvedOnTime: false,
      rating: null,
      reportedInOnTime,
      partDone: true,
      cooperation,
      partResolved,
    });
    for (const c of [5, 5, 4, 4]) await writeCase({ rows: [{ unitId: sitter }, summoned(deptGood, c, true)] });
    for (const [c, ok, onTime] of [[2, false, false], [3, true, true], [2, false, true], [1, false, false]] as const) await writeCase({ rows: [{ unitId: whistler }, summoned(deptPoor, c, ok, onTime)] });
    await writeCase({ status: 'open', overdueAtTop: [{ unitId: deptPoor, at: inPeriod }] });
    // Three cases overdue at the top in the same second at one department: one strike, for the period.
    for (let i = 0; i < 3; i += 1) await writeCase({ status: 'open', overdueAtTop: [{ unitId: deptLate, at: '2026-02-20T08:00:00.000Z' }] });
    // Not in the period, and a cancelled duplicate: neither counts.
    await writeCase({ status: 'open', overdueAtTop: [{ unitId: deptLate, at: periodStart('2026-03') }] });
    await writeCase({ status: 'cancelled', overdueAtTop: [{ unitId: deptLate, at: inPeriod }] });

    const first = await evaluate('first');
    expect(first.strikes.sort()).toEqual([sitter, deptPoor, deptLate].map((u) => `ranking:${period}:${u}`).sort());

    const supervisor = await env.key('supervisor', centre);
    const ranking = (await env.call(supervisor, 'GET', `/v1/rankings?period=${period}&district=${centre}`)).json<{ units: Array<Record<string, unknown>>; levels: unknown[] }>();
    // 18 cases closed in the month; the five cancelled duplicates are no one's share.
    expect(ranking.levels).toEqual([{ level: 'dispatcher', cases: 18, share: 1, resolvedWithoutEscalation: 18 }]);
    const row = (unitId: string) => ranking.units.find((u) => u.unitId === unitId);
    expect(row(whistler)).toMatchObject({ assigned: 9, held: 7, whistled: 2, resolvedOnTime: 7, onTimeResolutionRate: 1, score: 1, rank: 1, bottom: false });
    expect(row(sitter)).toMatchObject({ assigned: 9, held: 9, escalatedByTimeout: 1, resolvedOnTime: 8, rank: 2, bottom: true });
    // deptGood: 2 held cases resolved (score 1 on them) and 4 summons: report-in 1, cooperation (4.5 − 1) / 4, parts 1.
    expect(row(deptGood)).toMatchObject({ assigned: 2, summoned: 4, summonedReportedInOnTime: 4, cooperationRated: 4, cooperationAverage: 4.5, partsResolved: 4, reportInRate: 1, partResolutionRate: 1, rank: 1 });
    expect(row(deptGood)!.score).toBeCloseTo((0.3 + 0.35 + 0.35 + 0.3 + 0.35 * 0.875 + 0.35) / 2, 6);
    expect(row(deptPoor)).toMatchObject({ assigned: 1, summoned: 4, cooperationAverage: 2, reportInRate: 0.5, partResolutionRate: 0.25, overdueAtTop: 1, rank: 2, bottom: true });
    expect(row(deptLate)).toMatchObject({ assigned: 0, overdueAtTop: 3, ranked: false, score: null });
    expect(row(community)).toBeUndefined();

    // The strikes wait for their appeal window: nothing is sanctioned yet, and running the period again strikes nobody twice.
    const struck = [sitter, deptPoor, deptLate];
    const rows = await eventually(async () => {
      const found = await env.database.db.select().from(strikes).where(inArray(strikes.unitId, struck));
      return found.length === 3 && found.every((s) => s.appealUntil) ? found : undefined;
    }, { what: 'the pending strikes' });
    expect(rows.map((s) => s.status)).toEqual(['pending', 'pending', 'pending']);
    const again = await evaluate('again');
    expect(again.strikes.sort()).toEqual(first.strikes);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await env.database.db.select().from(strikes).where(inArray(strikes.unitId, struck))).toHaveLength(3);
    expect(await env.database.db.select().from(sanctions).where(inArray(sanctions.unitId, struck))).toEqual([]);
    const handler = await env.key('handler', deptLate);
    const view = (await env.call(handler, 'GET', `/v1/units/${deptLate}/accountability`)).json<{ strikes: Array<Record<string, unknown>> }>();
    expect(view.strikes).toEqual([expect.objectContaining({ id: `ranking:${period}:${deptLate}`, status: 'pending', period, appealUntil: rows.find((s) => s.unitId === deptLate)!.appealUntil!.toISOString() })]);
    const [both] = await env.database.db.select().from(strikes).where(eq(strikes.id, `ranking:${period}:${deptPoor}`));
    expect(both).toMatchObject({ number: 1, status: 'pending' });
  });
});
