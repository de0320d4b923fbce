import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';
import { caseStateQuery, complaintWorkflowId } from '../../workflows/messages.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.close();
});

async function fileCase(overrides: Record<string, unknown> = {}): Promise<string> {
  const response = await env.call(await env.key('intake'), 'POST', '/v1/complaints', {
    ticketId: env.ticket(),
    title: 'Drilling at night',
    description: 'The neighbour drills after midnight',
    category: 'neighbour-dispute',
    location: { unitId: 'comm-heping-north' },
    citizen: { name: 'Wang Fang', phone: '13800001234' },
    ...overrides,
  });
  expect(response.statusCode).toBe(201);
  const { caseNo } = response.json<{ caseNo: string }>();
  await eventually(async () => {
    const view = await env.client.workflow.getHandle(complaintWorkflowId(caseNo)).query(caseStateQuery);
    return view.tasks.length > 0 && view.deadline !== null ? view : undefined;
  });
  return caseNo;
}

describe('case actions over HTTP', () => {
  it('maps each action to its update, refusals to problems with the domain reason', async () => {
    const caseNo = await fileCase();
    const north = await env.key('handler', 'comm-heping-north');
    const south = await env.key('handler', 'comm-heping-south');
    const evaluator = await env.key('evaluator');
    const post = (key: string, action: string, body: unknown = {}) => env.call(key, 'POST', `/v1/complaints/${caseNo}/${action}`, body);

    const refusedOther = await post(south, 'sign-for');
    expect(refusedOther.statusCode).toBe(403);
    expect(refusedOther.json()).toMatchObject({ reason: 'NotYourCase', status: 403 });
    expect((await post(north, 'resolve', { reply: 'x' })).json()).toMatchObject({ status: 409, reason: 'NotSignedYet' });
    expect((await post(evaluator, 'evaluation', { rating: 'satisfied' })).json()).toMatchObject({ status: 409, reason: 'CaseStillOpen' });
    expect((await post(await env.key('intake'), 'sign-for')).statusCode).toBe(403);
    expect((await env.app.inject({ method: 'POST', url: `/v1/complaints/${caseNo}/sign-for`, payload: {} })).statusCode).toBe(401);

    const signed = await post(north, 'sign-for');
    expect(signed.statusCode).toBe(200);
    expect(signed.json()).toMatchObject({ status: 'handling', citizen: { name: 'Wang Fang', phone: '13800001234' } });
    const again = await post(north, 'sign-for');
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(again.json()).toMatchObject({ reason: 'AlreadySigned' });

    expect((await post(await env.key('supervisor', 'centre'), 'urge', { note: 'Please hurry' })).json()).toMatchObject({ status: 'handling', notes: { urges: 1, maxUrges: 50 } });
    expect((await post(north, 'resolve', { reply: 'Mediated between the neighbours' })).json()).toMatchObject({ status: 'awaiting-evaluation' });
    expect((await post(evaluator, 'evaluation', { rating: 'basically-satisfied' })).json()).toMatchObject({ status: 'closed' });
    expect((await post(north, 'sign-for')).json()).toMatchObject({ status: 409, reason: 'CaseClosed' });

    const admin = await env.key('admin');
    const timeline = await eventually(async () => {
      const response = await env.call(admin, 'GET', `/v1/complaints/${caseNo}/timeline`);
      const body = response.json<{ entries: Array<{ action: string }> }>();
      return body.entries?.at(-1)?.action === 'closed' ? body : undefined;
    });
    expect(timeline.entries.map((e) => e.action)).toEqual(['received', 'routed', 'signed', 'urged', 'resolved', 'evaluated', 'closed']);
  });

  it('masks citizen contact data for anyone but the holding unit and supervisors, and refuses reads outside a key\'s area', async () => {
    const caseNo = await fileCase();
    const read = async (key: string) => env.call(key, 'GET', `/v1/complaints/${caseNo}`);
    expect((await read(await env.key('handler', 'comm-heping-north'))).json()).toMatchObject({ citizen: { phone: '13800001234' } });
    expect((await read(await env.key('supervisor', 'street-heping'))).json()).toMatchObject({ citizen: { phone: '13800001234' } });
    expect((await read(await env.key('intake'))).json()).toMatchObject({ citizen: { name: 'W***', phone: '138****1234' } });
    expect((await read(await env.key('handler', 'comm-heping-south'))).statusCode).toBe(403);
    expect((await read(await env.key('supervisor', 'street-xinhua'))).statusCode).toBe(403);
    expect((await read(await env.key('intake', 'wechat'))).statusCode).toBe(403);
  });

  it('resolves unit ids in dispatches and refuses unknown ones with 422', async () => {
    const caseNo = await fileCase({ category: 'not-on-the-list' });
    const dispatcher = await env.key('dispatcher', 'centre');
    const unknown = await env.call(dispatcher, 'POST', `/v1/complaints/${caseNo}/dispatch`, { unitId: 'dept-nowhere' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json<{ errors: Array<{ field: string }> }>().errors[0]?.field).toBe('body/unitId');
    const dispatched = await env.call(dispatcher, 'POST', `/v1/complaints/${caseNo}/dispatch`, { unitId: 'dept-market', coUnitIds: ['dept-urban'] });
    expect(dispatched.json()).toMatchObject({ status: 'joint-handling', lead: 'dept-market', coDepartments: ['dept-urban'] });
  });

  it('answers 404 for an unknown case', async () => {
    const response = await env.call(await env.key('handler', 'comm-heping-north'), 'POST', '/v1/complaints/hotline-nope-404/sign-for', {});
    expect(response.statusCode).toBe(404);
  });
});

describe('reference data', () => {
  it('lets an admin add a unit, publish a responsibility list and a calendar year; others only read', async () => {
    const admin = await env.key('admin');
    const handler = await env.key('handler', 'comm-heping-north');
    const unitId = `comm-test-${env.ticket().toLowerCase()}`.slice(0, 40);
    expect((await env.call(handler, 'POST', '/v1/units', { id: unitId, name: 'Test', level: 'community', kind: 'community', parentId: 'street-binhe' })).statusCode).toBe(403);
    const created = await env.call(admin, 'POST', '/v1/units', { id: unitId, name: 'Binhe Test Community', level: 'community', kind: 'community', parentId: 'street-binhe' });
    expect(created.statusCode).toBe(201);
    expect((await env.call(admin, 'POST', '/v1/units', { id: unitId, name: 'Again', level: 'community', kind: 'community', parentId: 'street-binhe' })).statusCode).toBe(409);
    expect((await env.call(handler, 'GET', '/v1/units')).json<Array<{ id: string }>>().some((u) => u.id === unitId)).toBe(true);
    expect((await env.call(admin, 'PATCH', `/v1/units/street-binhe`, { parentId: unitId })).statusCode).toBe(422);

    const current = (await env.call(handler, 'GET', '/v1/responsibility-list')).json<{ version: number; items: unknown[] }>();
    const badList = await env.call(admin, 'POST', '/v1/responsibility-list', { note: 'x', items: [{ category: 'a-b', name: 'A', level: 'district', departmentId: 'street-binhe' }] });
    expect(badList.statusCode).toBe(422);
    expect(current.items.length).toBeGreaterThan(20);

    const calendar = await env.call(admin, 'PUT', '/v1/calendar/2031', { holidays: ['2031-01-01'], workdays: ['2031-01-04'] });
    expect(calendar.statusCode).toBe(200);
    expect((await env.call(handler, 'GET', '/v1/calendar/2031')).json()).toMatchObject({ year: 2031, holidays: ['2031-01-01'], source: 'admin' });
    expect((await env.call(admin, 'PUT', '/v1/calendar/2031', { holidays: ['2030-12-31'], workdays: [] })).statusCode).toBe(422);
  });
});
