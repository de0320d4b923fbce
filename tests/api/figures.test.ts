/**
 * The reform's figures (DESIGN.md, docs/figures.md) on a month of cases whose every figure is computed by
 * hand below: the read model of a district of its own, in the run's PostgreSQL, read through the API.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseOutcomes, cases, type NewCaseRow } from '../../db/schema.js';
import { createTestEnv, createUnits, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
const t = randomUUID().slice(0, 6);
const id = (name: string) => `fx${t}-${name}`;
const [centre, s1, s2, c1, c2, c3, d1, d2] = ['centre', 's1', 's2', 'c1', 'c2', 'c3', 'd1', 'd2'].map(id) as [string, string, string, string, string, string, string, string];
/** A local time in China Standard Time. */
const local = (text: string) => new Date(`${text.replace(' ', 'T')}:00+08:00`);

interface CaseSpec {
  name: string;
  received: string;
  resolved?: string;
  closed?: string;
  street: string;
  streetHandled?: boolean;
  communityHeld?: boolean;
  reachedTop?: boolean;
  status?: string;
  category: string;
  holders: string[];
  whistleTier?: string;
  origin?: string;
}

/**
 * The month (March 2025) and its edges. Hand-computed, over the eight counted cases received in March
 * (A B C D E F G K; H is a cancelled duplicate, I came in February and J in April, China Standard Time):
 * - community share: communities held A C D G of the seven the streets handled (all but F) = 4/7;
 * - same-day resolution: A C F K (B crossed local midnight, G was resolved on 1 April) = 4/8;
 * - resolution rate: resolved before 1 April: A B C E F K = 6/8;
 * - reached the top: E K = 2/8;
 * - self-discovered (a grid worker's find): C = 1 of the 8.
 */
const CASES: CaseSpec[] = [
  { name: 'A', received: '2025-03-01 09:00', resolved: '2025-03-01 17:00', closed: '2025-03-04 10:00', street: s1, streetHandled: true, communityHeld: true, category: 'neighbour-dispute', holders: [c1] },
  { name: 'B', received: '2025-03-02 23:30', resolved: '2025-03-03 00:10', closed: '2025-03-06 10:00', street: s1, streetHandled: true, category: 'property-management', holders: [s1] },
  { name: 'C', received: '2025-03-05 10:00', resolved: '2025-03-05 11:00', closed: '2025-03-08 10:00', street: s1, streetHandled: true, communityHeld: true, category: 'neighbour-dispute', holders: [c2, s1], origin: 'grid' },
  { name: 'D', received: '2025-03-10 08:00', street: s2, streetHandled: true, communityHeld: true, status: 'awaiting-sign', category: 'neighbour-dispute', holders: [c3] },
  { name: 'E', received: '2025-03-12 12:00', resolved: '2025-03-14 12:00', closed: '2025-03-20 10:00', street: s2, streetHandled: true, reachedTop: true, category: 'property-management', holders: [s2, centre, d1, d2], whistleTier: 'key' },
  { name: 'F', received: '2025-03-15 09:00', resolved: '2025-03-15 09:30', closed: '2025-03-18 10:00', street: s2, category: 'food-safety', holders: [d1] },
  { name: 'G', received: '2025-03-31 20:00', resolved: '2025-04-01 10:00', street: s1, streetHandled: true, communityHeld: true, status: 'awaiting-evaluation', category: 'neighbour-dispute', holders: [c1] },
  { name: 'H', received: '2025-03-03 10:00', closed: '2025-03-03 11:00', street: s1, streetHandled: true, communityHeld: true, status: 'cancelled', category: 'neighbour-dispute', holders: [s1] },
  { name: 'I', received: '2025-02-28 23:30', street: s1, streetHandled: true, status: 'awaiting-sign', category: 'neighbour-dispute', holders: [c1] },
  { name: 'J', received: '2025-04-01 00:30', street: s1, streetHandled: true, status: 'awaiting-sign', category: 'neighbour-dispute', holders: [c1] },
  { name: 'K', received: '2025-03-20 14:00', resolved: '2025-03-20 18:00', closed: '2025-04-02 10:00', street: s2, streetHandled: true, reachedTop: true, category: 'property-management', holders: [s2, centre, d2], whistleTier: 'tough' },
];
const caseNo = (name: string) => `fig${t}-${name}`;

type Outcome = { case: string; unit: string; role?: 'holder' | 'co' | 'summoned'; onTime: boolean; resolved?: boolean; resolvedOnTime?: boolean; rating?: string };
/**
 * The outcome ledger of the cases closed in March (A B C E F; H is cancelled, K closed in April). Holder and
 * co-department rows are assigned: 9, of which 7 signed or reported in on time; holders resolved 5, on time 4
 * (C's street was late; E's co-department resolving its part is not a holder's resolution); 4 evaluated, 3
 * satisfied or basically satisfied. The summoned department on A is not assigned the case.
 */
const OUTCOMES: Outcome[] = [
  { case: 'A', unit: c1, onTime: true, resolved: true, resolvedOnTime: true, rating: 'satisfied' },
  { case: 'A', unit: d2, role: 'summoned', onTime: true },
  { case: 'B', unit: s1, onTime: false, resolved: true, resolvedOnTime: true, rating: 'basically-satisfied' },
  { case: 'C', unit: c2, onTime: true },
  { case: 'C', unit: s1, onTime: true, resolved: true, resolvedOnTime: false, rating: 'unsatisfied' },
  { case: 'E', unit: s2, onTime: true },
  { case: 'E', unit: centre, onTime: true },
  { case: 'E', unit: d1, onTime: false, resolved: true, resolvedOnTime: true, rating: 'satisfied' },
  { case: 'E', unit: d2, role: 'co', onTime: true, resolved: true, resolvedOnTime: false },
  { case: 'F', unit: d1, onTime: true, resolved: true, resolvedOnTime: true },
  { case: 'H', unit: s1, onTime: true, resolved: true, resolvedOnTime: true, rating: 'satisfied' },
  { case: 'K', unit: d2, onTime: true, resolved: true, resolvedOnTime: true, rating: 'satisfied' },
  { case: 'K', unit: s2, onTime: false },
];

const f = (numerator: number, denominator: number) => ({ numerator, denominator, rate: denominator === 0 ? null : Math.round((numerator / denominator) * 1e4) / 1e4 });

beforeAll(async () => {
  env = await createTestEnv({ worker: false });
  await createUnits(env, [
    { id: centre, name: '测试区联合调度中心', nameEn: 'Figures centre', level: 'district', kind: 'centre' },
    { id: s1, name: '一号街道', level: 'street', kind: 'street', parentId: centre },
    { id: s2, name: '二号街道', level: 'street', kind: 'street', parentId: centre },
    { id: c1, name: '一号社区', level: 'community', kind: 'community', parentId: s1 },
    { id: c2, name: '二号社区', level: 'community', kind: 'community', parentId: s1 },
    { id: c3, name: '三号社区', level: 'community', kind: 'community', parentId: s2 },
    { id: d1, name: '一号局', level: 'district', kind: 'department', parentId: centre },
    { id: d2, name: '二号局', level: 'district', kind: 'department', parentId: centre },
  ]);
  const rows: NewCaseRow[] = CASES.map((c) => {
    const closedAt = c.closed ? local(c.closed) : null;
    return {
      caseNo: caseNo(c.name),
      workflowId: `complaint-${caseNo(c.name)}`,
      source: 'hotline',
      ticketId: c.name,
      title: `Case ${c.name}`,
      category: c.category,
      urgency: 'normal',
      status: c.status ?? 'closed',
      locationUnitId: c.holders[0]!,
      districtId: centre,
      level: 'community',
      unitId: c.holders.at(-1)!,
      holders: c.holders,
      seq: 5,
      receivedAt: local(c.received),
      stepSince: local(c.received),
      resolvedAt: c.resolved ? local(c.resolved) : null,
      closedAt,
      streetId: c.street,
      streetHandled: c.streetHandled ?? false,
      communityHeld: c.communityHeld ?? false,
      reachedTop: c.reachedTop ?? false,
      whistleTier: c.whistleTier ?? null,
      origin: c.origin ?? 'citizen',
    };
  });
  await env.database.db.insert(cases).values(rows);
  await env.database.db.insert(caseOutcomes).values(
    OUTCOMES.map((o) => {
      const spec = CASES.find((c) => c.name === o.case)!;
      const closedAt = local(spec.closed!);
      return {
        caseNo: caseNo(o.case),
        unitId: o.unit,
        districtId: centre,
        period: spec.closed!.slice(0, 7),
        closedAt,
        role: o.role ?? 'holder',
        responded: true,
        respondedOnTime: o.onTime,
        resolved: o.resolved ?? false,
        resolvedOnTime: o.resolvedOnTime ?? false,
        escalatedByTimeout: false,
        returned: false,
        rating: o.rating ?? null,
      };
    }),
  );
});
afterAll(async () => {
  await env?.close();
});

async function figures(query: string, key?: string) {
  const response = await env.call(key ?? (await env.key('admin')), 'GET', `/v1/figures?${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ scope: string | null; total: Record<string, unknown>; groups: Array<{ key: string | null; figures: Record<string, unknown> }>; names: { units: Record<string, string>; categories: Record<string, string> } }>();
}

describe('the reform figures of a month', () => {
  it('match the hand-computed totals of the district', async () => {
    const report = await figures(`period=2025-03&district=${centre}`);
    expect(report.total).toEqual({
      received: 8,
      selfDiscovered: 1,
      communityShare: f(4, 7),
      sameDayResolution: f(4, 8),
      resolutionRate: f(6, 8),
      reachedTop: f(2, 8),
      response: f(7, 9),
      onTime: f(4, 5),
      satisfaction: f(3, 4),
    });
    expect(report.total.communityShare).toEqual({ numerator: 4, denominator: 7, rate: 0.5714 });
    expect(report.names.units[centre]).toBe('测试区联合调度中心');
  });

  it('per street that handled the case, with names', async () => {
    const report = await figures(`period=2025-03&district=${centre}&by=street`);
    expect(report.groups).toEqual([
      {
        key: s1,
        figures: { received: 4, selfDiscovered: 1, communityShare: f(3, 4), sameDayResolution: f(2, 4), resolutionRate: f(3, 4), reachedTop: f(0, 4), response: f(3, 4), onTime: f(2, 3), satisfaction: f(2, 3) },
      },
      {
        key: s2,
        figures: { received: 3, selfDiscovered: 0, communityShare: f(1, 3), sameDayResolution: f(1, 3), resolutionRate: f(2, 3), reachedTop: f(2, 3), response: f(3, 4), onTime: f(1, 1), satisfaction: f(1, 1) },
      },
      // F went straight to a department: no street handled it.
      { key: null, figures: { received: 1, selfDiscovered: 0, communityShare: f(0, 0), sameDayResolution: f(1, 1), resolutionRate: f(1, 1), reachedTop: f(0, 1), response: f(1, 1), onTime: f(1, 1), satisfaction: f(0, 0) } },
    ]);
    expect(report.names.units).toMatchObject({ [s1]: '一号街道', [s2]: '二号街道' });
  });

  it('per category and per unit', async () => {
    const byOrigin = await figures(`period=2025-03&district=${centre}&by=origin`);
    expect(byOrigin.groups.map((g) => [g.key, g.figures.received, g.figures.selfDiscovered])).toEqual([
      ['citizen', 7, 0],
      ['grid', 1, 1],
    ]);
    const byCategory = await figures(`period=2025-03&district=${centre}&by=category`);
    expect(byCategory.groups.map((g) => [g.key, g.figures.received, g.figures.communityShare, g.figures.resolutionRate, g.figures.reachedTop])).toEqual([
      ['food-safety', 1, f(0, 0), f(1, 1), f(0, 1)],
      ['neighbour-dispute', 4, f(4, 4), f(2, 4), f(0, 4)],
      ['property-management', 3, f(0, 3), f(3, 3), f(2, 3)],
    ]);
    expect(byCategory.names.categories).toMatchObject({ 'food-safety': '食品安全', 'neighbour-dispute': '邻里纠纷', 'property-management': '物业管理' });

    const byUnit = await figures(`period=2025-03&district=${centre}&by=unit`);
    // d1 held E and F; its own ledger rows: E (late, resolved on time, satisfied) and F (on time, resolved on time).
    expect(byUnit.groups.find((g) => g.key === d1)?.figures).toEqual({
      received: 2,
      selfDiscovered: 0,
      communityShare: f(0, 1),
      sameDayResolution: f(1, 2),
      resolutionRate: f(2, 2),
      reachedTop: f(1, 2),
      response: f(1, 2),
      onTime: f(2, 2),
      satisfaction: f(1, 1),
    });
    // d2 was summoned to A (not assigned), co-department on E, holder on K (received in March, closed in April).
    expect(byUnit.groups.find((g) => g.key === d2)?.figures).toMatchObject({ received: 2, response: f(1, 1), onTime: f(0, 0) });
  });

  it('per month over several months: a month counts what was resolved within it, outcomes by the month cases closed', async () => {
    const report = await figures(`from=${local('2025-02-01 00:00').toISOString()}&to=${local('2025-05-01 00:00').toISOString()}&district=${centre}&by=month`);
    const months = Object.fromEntries(report.groups.map((g) => [g.key, g.figures]));
    expect(Object.keys(months)).toEqual(['2025-02', '2025-03', '2025-04']);
    expect(months['2025-02']).toMatchObject({ received: 1, resolutionRate: f(0, 1), response: f(0, 0) });
    // The same as asking for March alone (G, resolved on 1 April, does not count as resolved in March).
    expect(months['2025-03']).toEqual((await figures(`period=2025-03&district=${centre}`)).total);
    expect(months['2025-04']).toMatchObject({ received: 1, response: f(1, 2), onTime: f(1, 1), satisfaction: f(1, 1) });
    expect(report.total).toMatchObject({ received: 10, resolutionRate: f(7, 10) });
  });

  it('per district, across districts for an admin', async () => {
    const report = await figures('period=2025-03&by=district');
    expect(report.scope).toBeNull();
    expect(report.groups.find((g) => g.key === centre)?.figures).toEqual((await figures(`period=2025-03&district=${centre}`)).total);
    expect(report.names.units[centre]).toBe('测试区联合调度中心');
  });

  it('per whistle tier', async () => {
    const report = await figures(`period=2025-03&district=${centre}&by=whistleTier`);
    expect(report.groups.map((g) => [g.key, g.figures.received])).toEqual([
      ['key', 1],
      ['tough', 1],
      [null, 6],
    ]);
  });

  it('gives a street supervisor their own street, refuses another, and exports CSV with names', async () => {
    const supervisor = await env.key('supervisor', s1);
    const own = await figures('period=2025-03', supervisor);
    expect(own.scope).toBe(s1);
    expect(own.total).toMatchObject({ received: 4, communityShare: f(3, 4), response: f(3, 4) });
    expect((await env.call(supervisor, 'GET', `/v1/figures?period=2025-03&scope=${s2}`)).statusCode).toBe(403);
    expect((await env.call(supervisor, 'GET', `/v1/figures?period=2025-03&scope=${centre}`)).statusCode).toBe(403);
    expect((await env.call(await env.key('handler', c1), 'GET', '/v1/figures?period=2025-03')).statusCode).toBe(403);
    expect((await env.call(supervisor, 'GET', `/v1/figures?period=2025-03&district=${s1}`)).statusCode).toBe(400);

    const csv = await env.app.inject({ method: 'GET', url: `/v1/figures?period=2025-03&scope=${centre}&by=street&format=csv`, headers: { authorization: `Bearer ${await env.key('admin')}` } });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const [header, total, first] = csv.body.trim().split('\r\n');
    expect(header).toBe(
      'group,key,name,received,self_discovered,community_share_numerator,community_share_denominator,community_share,same_day_resolution_numerator,same_day_resolution_denominator,same_day_resolution,resolution_rate_numerator,resolution_rate_denominator,resolution_rate,reached_top_numerator,reached_top_denominator,reached_top,response_numerator,response_denominator,response,on_time_numerator,on_time_denominator,on_time,satisfaction_numerator,satisfaction_denominator,satisfaction',
    );
    expect(total).toBe(`total,${centre},测试区联合调度中心,8,1,4,7,0.5714,4,8,0.5,6,8,0.75,2,8,0.25,7,9,0.7778,4,5,0.8,3,4,0.75`);
    expect(first).toBe(`street,${s1},一号街道,4,1,3,4,0.75,2,4,0.5,3,4,0.75,0,4,0,3,4,0.75,2,3,0.6667,2,3,0.6667`);
  });

  it('refuses a period that is not one, with the field named', async () => {
    const admin = await env.key('admin');
    for (const [query, field] of [
      ['from=0000-01-01T00:00:00Z', 'querystring/from'],
      ['from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z', 'querystring/from'],
      ['period=2025-13', 'querystring/period'],
      ['by=weekday', 'querystring/by'],
    ] as const) {
      const response = await env.call(admin, 'GET', `/v1/figures?${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(response.json<{ errors: Array<{ field: string }> }>().errors[0]?.field, query).toBe(field);
    }
  });

  it('are the figures /v1/statistics reports: one definition', async () => {
    const response = await env.call(await env.key('admin'), 'GET', `/v1/statistics?scope=${centre}&period=2025-03`);
    expect(response.statusCode, response.body).toBe(200);
    const stats = response.json<Record<string, unknown>>();
    const { total } = await figures(`period=2025-03&scope=${centre}`);
    expect(stats).toMatchObject({
      total: 9,
      figures: total,
      communityShare: 0.5714,
      sameDayResolutionRate: 0.5,
      onTimeResponseRate: 0.7778,
      onTimeResolutionRate: 0.8,
      satisfactionRate: 0.75,
    });
  });
});
