/**
 * A department summoned to a case reads it — the case, its timeline, the lists and counts (with
 * `?summoned=`) — though it never holds the case; a department not summoned still may not, and the unit
 * that holds the case keeps reading it as before. Figures keep counting only what units held.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileThroughApi } from '../helpers/cases.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.close();
});

type Page = { items: Array<{ caseNo: string }> };

describe('summoned departments read the case', () => {
  it('reads, lists and counts the cases it was summoned to, and no other department does', async () => {
    const { caseNo } = await fileThroughApi(env);
    const community = await env.key('handler', 'comm-heping-north');
    const urban = await env.key('handler', 'dept-urban');
    const police = await env.key('handler', 'dept-police');
    expect((await env.call(community, 'POST', `/v1/complaints/${caseNo}/sign-for`, {})).statusCode).toBe(200);
    // Before the summons the department may not read it.
    expect((await env.call(urban, 'GET', `/v1/complaints/${caseNo}`)).statusCode).toBe(403);

    const summoned = await env.call(community, 'POST', `/v1/complaints/${caseNo}/summons`, { departmentIds: ['dept-urban'], tier: 'routine', note: 'Needs the enforcement team' });
    expect(summoned.statusCode, summoned.body).toBe(200);
    // The read model learns of the summons when the case is projected.
    const listed = await eventually(async () => {
      const page = (await env.call(urban, 'GET', `/v1/complaints?open=true&summoned=dept-urban`)).json<Page>();
      return page.items.some((i) => i.caseNo === caseNo) ? page : undefined;
    });
    expect(listed.items.map((i) => i.caseNo)).toContain(caseNo);

    const view = await env.call(urban, 'GET', `/v1/complaints/${caseNo}`);
    expect(view.statusCode, view.body).toBe(200);
    expect(view.json<{ allowedActions: Record<string, string[]>; citizen: { phone: string } }>()).toMatchObject({ allowedActions: { handler: expect.arrayContaining(['reportIn']) } });
    // It acts on its part, not for the citizen: the contact stays masked.
    expect(view.json<{ citizen: { phone: string } }>().citizen.phone).not.toBe('13800000000');
    expect((await env.call(urban, 'GET', `/v1/complaints/${caseNo}/timeline`)).statusCode).toBe(200);
    const counts = (await env.call(urban, 'GET', `/v1/complaints/counts?open=true&summoned=dept-urban`)).json<{ total: number }>();
    expect(counts.total).toBeGreaterThanOrEqual(1);

    // A department that was not summoned reads nothing of it.
    expect((await env.call(police, 'GET', `/v1/complaints/${caseNo}`)).statusCode).toBe(403);
    expect((await env.call(police, 'GET', `/v1/complaints/${caseNo}/timeline`)).statusCode).toBe(403);
    const policeList = (await env.call(police, 'GET', `/v1/complaints?open=true&summoned=dept-urban`)).json<Page>();
    expect(policeList.items.map((i) => i.caseNo)).not.toContain(caseNo);
    // The summoning community still reads it, and the case is still its own.
    expect((await env.call(community, 'GET', `/v1/complaints/${caseNo}`)).json<{ unitId: string }>().unitId).toBe('comm-heping-north');
  });

  it('refuses a malformed summoned filter with a reason', async () => {
    const urban = await env.key('handler', 'dept-urban');
    const response = await env.call(urban, 'GET', `/v1/complaints?summoned=${encodeURIComponent('not a unit!')}`);
    expect(response.statusCode).toBe(400);
    expect(response.json<{ detail: string }>().detail).toContain('summoned');
  });
});
