/**
 * POST /v1/simulations on a district of its own: the arrival model is fitted from the cases it received in the
 * last weeks (rows of the read model written here), the list in force runs against a proposal, and the answer
 * links a report the API serves as HTML, JSON and CSV. Bad requests are 400/403/422 problems that save nothing.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases, simulations, type NewCaseRow } from '../../db/schema.js';
import { createTestEnv, createUnits, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
const t = randomUUID().slice(0, 6);
const id = (name: string) => `sm${t}-${name}`;
const [centre, s1, s2, c1, c2, c3, d1] = ['centre', 's1', 's2', 'c1', 'c2', 'c3', 'd1'].map(id) as [string, string, string, string, string, string, string];
const HOUR = 3_600_000;
const RECEIVED = 42;

beforeAll(async () => {
  env = await createTestEnv({ worker: false });
  await createUnits(env, [
    { id: centre, name: 'Simulation centre', level: 'district', kind: 'centre' },
    { id: s1, name: 'Street one', level: 'street', kind: 'street', parentId: centre },
    { id: s2, name: 'Street two', level: 'street', kind: 'street', parentId: centre },
    { id: c1, name: 'Community one', level: 'community', kind: 'community', parentId: s1 },
    { id: c2, name: 'Community two', level: 'community', kind: 'community', parentId: s1 },
    { id: c3, name: 'Community three', level: 'community', kind: 'community', parentId: s2 },
    { id: d1, name: 'Department one', level: 'district', kind: 'department', parentId: centre },
  ]);
  // Six cases a day over the last week: two neighbour disputes (a community matter on the list in force) to one
  // property-management case (a street matter), in three communities.
  const now = Date.now();
  const rows: NewCaseRow[] = Array.from({ length: RECEIVED }, (_, i) => {
    const receivedAt = new Date(now - (i + 0.5) * 4 * HOUR);
    const location = [c1, c2, c3][i % 3]!;
    return {
      caseNo: `sim-${t}-${i}`,
      workflowId: `complaint-sim-${t}-${i}`,
      source: 'sim',
      ticketId: `${t}-${i}`,
      title: 'Fitted',
      category: i % 3 === 2 ? 'property-management' : 'neighbour-dispute',
      urgency: i % 7 === 0 ? 'urgent' : 'normal',
      status: 'handling',
      locationUnitId: location,
      districtId: centre,
      level: 'community',
      unitId: location,
      holders: [location],
      seq: 3,
      receivedAt,
      stepSince: receivedAt,
    };
  });
  await env.database.db.insert(cases).values(rows);
});
afterAll(async () => {
  await env?.close();
});

const proposal = { name: 'disputes-to-street', description: 'Neighbour disputes move to the street', list: { move: [{ categories: ['neighbour-dispute'], level: 'street' }] } };

describe('POST /v1/simulations', () => {
  it('runs the list in force against a proposal on arrivals fitted from the last weeks, and serves the report', async () => {
    const supervisor = await env.key('supervisor', centre);
    const response = await env.call(supervisor, 'POST', '/v1/simulations', { weeks: 1, days: 14, seed: 3, variants: [proposal] });
    expect(response.statusCode, response.body).toBe(201);
    const answer = response.json<{
      id: string;
      districtId: string;
      fitted: { cases: number; perDay: number };
      variants: Array<{ name: string; cases: number; figures: { communityShare: { rate: number } } }>;
      links: Record<string, string>;
    }>();
    expect(answer.districtId).toBe(centre);
    expect(answer.fitted).toMatchObject({ cases: RECEIVED, perDay: RECEIVED / 7 });
    expect(answer.variants.map((v) => v.name)).toEqual(['in force', 'disputes-to-street']);
    const [inForce, moved] = answer.variants;
    // Two thirds of the fitted cases are community matters in force; none once they move to the street.
    expect(inForce!.cases).toBeGreaterThan(50);
    expect(inForce!.figures.communityShare.rate).toBeGreaterThan(0.5);
    expect(moved!.figures.communityShare.rate).toBe(0);

    const html = await env.call(supervisor, 'GET', answer.links.html!);
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.headers['content-security-policy']).toContain("script-src 'unsafe-inline'");
    expect(html.body).toContain('id="chart-figures"');
    expect(html.body).toContain('disputes-to-street');
    const json = await env.call(supervisor, 'GET', answer.links.self!);
    expect(json.statusCode).toBe(200);
    expect(json.json<{ variants: Array<{ units: unknown[] }> }>().variants[1]!.units.length).toBeGreaterThan(0);
    const csv = await env.call(supervisor, 'GET', answer.links.figuresCsv!);
    expect(csv.statusCode).toBe(200);
    expect(csv.body.split('\r\n')[0]).toBe('variant,period,dimension,key,figure,numerator,denominator,rate');
    expect(csv.body).toContain('disputes-to-street,all,total,,communityShare,0,');
  }, 120_000);

  it('is for dispatchers, supervisors and admins of the district, and refuses bad requests with a reason, saving nothing for them', async () => {
    const supervisor = await env.key('supervisor', centre);
    const before = (await env.database.db.select().from(simulations).where(eq(simulations.districtId, centre))).length;
    const handler = await env.key('handler', c1);
    expect((await env.call(handler, 'POST', '/v1/simulations', { variants: [proposal] })).statusCode).toBe(403);
    const otherDistrict = await env.key('supervisor', 'centre');
    expect((await env.call(otherDistrict, 'POST', '/v1/simulations', { district: centre, variants: [proposal] })).statusCode).toBe(403);
    const cases: Array<[unknown, number, string]> = [
      [{ variants: [] }, 400, 'variants'],
      [{ variants: [{ ...proposal, name: 'in force' }] }, 400, 'variants'],
      [{ variants: [{ name: 'x', process: 'no-such-process' }] }, 400, 'no process'],
      [{ variants: [{ name: 'x', list: { move: [{ categories: ['food-safety'], level: 'district', department: 'dept-market' }] } }] }, 400, 'not a department of'],
      [{ days: 1000, variants: [proposal] }, 400, 'days'],
      [{ weeks: 1, days: 92, variants: [proposal, { ...proposal, name: 'b' }, { ...proposal, name: 'c' }, { ...proposal, name: 'd' }], behaviour: { default: { staff: 0 } } }, 400, 'staff'],
    ];
    for (const [body, status, reason] of cases) {
      const response = await env.call(supervisor, 'POST', '/v1/simulations', body);
      expect(response.statusCode, response.body).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toContain(reason);
    }
    // A street's supervisor simulates its district.
    const street = await env.call(await env.key('supervisor', s2), 'POST', '/v1/simulations', { weeks: 1, variants: [proposal] });
    expect(street.statusCode, street.body).toBe(201);
    expect((await env.call(supervisor, 'GET', `/v1/simulations/${randomUUID()}`)).statusCode).toBe(404);
    expect((await env.database.db.select().from(simulations).where(eq(simulations.districtId, centre))).length).toBe(before + 1);
  }, 120_000);
});
