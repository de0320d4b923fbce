import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { createApiKey, hashSecret } from '../../db/api-keys.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys, caseTimeline, cases } from '../../db/schema.js';
import { caseSearchAttributes } from '../../workflows/search-attributes.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.close();
});

const complaint = (ticketId: string, overrides: Record<string, unknown> = {}) => ({
  ticketId,
  title: 'Drilling at night',
  description: 'The neighbour upstairs drills after midnight.',
  category: 'neighbour-dispute',
  location: { unitId: 'comm-heping-north' },
  citizen: { name: 'Wang Fang', phone: '13800000000' },
  ...overrides,
});

describe('POST /v1/complaints → workflow → PostgreSQL → GET', () => {
  it('files a case, routes it, writes the read model and answers from the workflow', async () => {
    const ticket = env.ticket();
    const created = await env.call(await env.key('intake'), 'POST', '/v1/complaints', complaint(ticket));
    expect(created.statusCode).toBe(201);
    const { caseNo, workflowId } = created.json<{ caseNo: string; workflowId: string }>();
    expect(caseNo).toBe(`hotline-${ticket}`);
    expect(workflowId).toBe(`complaint-hotline-${ticket}`);

    const row = await eventually(
      async () => {
        const [found] = await env.database.db.select().from(cases).where(eq(cases.caseNo, caseNo));
        return found?.status === 'awaiting-sign' && found.deadline !== null ? found : undefined;
      },
      { what: 'the routed case row with its sign-for deadline' },
    );
    expect(row).toMatchObject({ status: 'awaiting-sign', level: 'community', unitId: 'comm-heping-north', category: 'neighbour-dispute' });
    const timeline = await env.database.db.select().from(caseTimeline).where(eq(caseTimeline.workflowId, workflowId)).orderBy(caseTimeline.seq);
    expect(timeline.map((e) => e.action)).toEqual(['received', 'routed']);

    const state = await env.call(await env.key('admin'), 'GET', `/v1/complaints/${caseNo}`);
    expect(state.statusCode).toBe(200);
    const view = state.json<{ status: string; unitId: string; timeline: Array<{ seq: number; action: string }> }>();
    expect(view).toMatchObject({ status: 'awaiting-sign', unitId: 'comm-heping-north' });
    expect(view.timeline.map((e) => [e.seq, e.action])).toEqual(timeline.map((e) => [e.seq, e.action]));

    const description = await env.client.workflow.getHandle(workflowId).describe();
    expect(description.typedSearchAttributes.get(caseSearchAttributes.status)).toBe('awaiting-sign');
    expect(description.typedSearchAttributes.get(caseSearchAttributes.unit)).toBe('comm-heping-north');
  });

  it('yields the same case when a portal posts the same ticket twice', async () => {
    const ticket = env.ticket();
    const first = await env.call(await env.key('intake'), 'POST', '/v1/complaints', complaint(ticket));
    const second = await env.call(await env.key('intake'), 'POST', '/v1/complaints', { ...complaint(ticket), citizen: { phone: '13800000000', name: 'Wang Fang' } });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(first.statusCode);
    expect(second.json()).toEqual(first.json());
    const runs = [];
    for await (const run of env.client.workflow.list({ query: `WorkflowId = '${first.json<{ workflowId: string }>().workflowId}'` })) runs.push(run);
    expect(runs).toHaveLength(1);
  });

  it('refuses the same ticket with other content with a 409 naming the case, instead of answering with the old case', async () => {
    const ticket = env.ticket();
    const first = await env.call(await env.key('intake'), 'POST', '/v1/complaints', complaint(ticket));
    expect(first.statusCode).toBe(201);
    const other = await env.call(await env.key('intake'), 'POST', '/v1/complaints', complaint(ticket, { title: 'Another problem altogether' }));
    expect(other.statusCode).toBe(409);
    expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(other.json()).toMatchObject({ reason: 'TicketConflict', detail: expect.stringContaining(`hotline-${ticket}`) });
    const view = await env.call(await env.key('admin'), 'GET', `/v1/complaints/hotline-${ticket}`);
    expect(view.json()).toMatchObject({ title: 'Drilling at night' });
  });

  it("answers a closed case's ticket posted again with 409 TicketClosed, same content or not", async () => {
    const ticket = env.ticket();
    const { caseNo } = (await env.call(await env.key('intake'), 'POST', '/v1/complaints', complaint(ticket))).json<{ caseNo: string }>();
    await eventually(async () => ((await env.call(await env.key('admin'), 'GET', `/v1/complaints/${caseNo}`)).json<{ status: string }>().status === 'awaiting-sign' ? true : undefined), {
      what: 'the case to be routed',
    });
    const cancelled = await env.call(await env.key('supervisor', 'street-heping'), 'POST', `/v1/complaints/${caseNo}/cancel`, { originalCaseNo: 'hotline-elsewhere', reason: 'duplicate' });
    expect(cancelled.statusCode).toBe(200);
    await eventually(async () => ((await env.client.workflow.getHandle(`complaint-${caseNo}`).describe()).status.name === 'COMPLETED' ? true : undefined), { what: 'the case to close' });
    const again = await env.call(await env.key('intake'), 'POST', '/v1/complaints', complaint(ticket));
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ reason: 'TicketClosed', detail: expect.stringContaining(caseNo) });
    const changed = await env.call(await env.key('intake'), 'POST', '/v1/complaints', complaint(ticket, { description: 'Now it is the neighbour below' }));
    expect(changed.statusCode).toBe(409);
    expect(changed.json()).toMatchObject({ reason: 'TicketConflict' });
  });

  it('makes case numbers that cannot collide: a portal name cannot contain the separator', async () => {
    await expect(createApiKey(env.database.db, { name: 'app-x portal', role: 'intake', source: 'app-x' })).rejects.toThrow(/source/);
    // A key made before the rule existed cannot file: its complaints could take another portal's case numbers.
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    await env.database.db.insert(apiKeys).values({ id, name: 'legacy', role: 'intake', source: 'app-x', secretHash: hashSecret(secret) });
    const appKey = await env.key('intake', 'app');
    const ticket = env.ticket();
    const legacy = await env.call(`jsk_${id}_${secret}`, 'POST', '/v1/complaints', complaint(ticket.replace(/^T/, '1')));
    expect(legacy.statusCode).toBe(403);
    expect(legacy.json()).toMatchObject({ reason: 'InvalidSource' });
    const app = await env.call(appKey, 'POST', '/v1/complaints', complaint(`x-${ticket.replace(/^T/, '1')}`));
    expect(app.statusCode).toBe(201);
    expect(app.json<{ caseNo: string }>().caseNo).toBe(`app-x-${ticket.replace(/^T/, '1')}`);
  });

  it('refuses a location that is not a place in the unit directory with 422 naming it, and starts nothing', async () => {
    for (const unitId of ['comm-nowhere', 'dept-market', 'centre']) {
      const ticket = env.ticket();
      const response = await env.call(await env.key('intake'), 'POST', '/v1/complaints', complaint(ticket, { location: { unitId } }));
      expect(response.statusCode).toBe(422);
      expect(response.json()).toMatchObject({ reason: 'UnknownUnit', detail: expect.stringContaining(unitId), errors: [{ field: 'body/location/unitId' }] });
      await expect(env.client.workflow.getHandle(`complaint-hotline-${ticket}`).describe()).rejects.toThrow(/not found/i);
    }
  });

  it('refuses bad input with a problem naming the field, and starts nothing', async () => {
    const ticket = env.ticket();
    const response = await env.call(await env.key('intake'), 'POST', '/v1/complaints', complaint(ticket, { citizen: { name: 'Li Lei', phone: 'call me maybe' } }));
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = response.json<{ status: number; errors: Array<{ field: string }> }>();
    expect(problem.status).toBe(400);
    expect(problem.errors.map((e) => e.field)).toEqual(['body/citizen/phone']);
    await expect(env.client.workflow.getHandle(`complaint-hotline-${ticket}`).describe()).rejects.toThrow(/not found/i);
  });

  it('answers 404 problem+json for an unknown case', async () => {
    const response = await env.call(await env.key('admin'), 'GET', `/v1/complaints/hotline-${env.ticket('missing')}`);
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('rejects unknown fields and malformed JSON as 400', async () => {
    const extra = await env.call(await env.key('intake'), 'POST', '/v1/complaints', { ...complaint(env.ticket()), priority: 'vip' });
    expect(extra.statusCode).toBe(400);
    expect(extra.json<{ errors: Array<{ field: string }> }>().errors[0]?.field).toBe('body/priority');
    const malformed = await env.app.inject({ method: 'POST', url: '/v1/complaints', headers: { 'content-type': 'application/json', authorization: `Bearer ${await env.key('intake')}` }, payload: '{"ticketId":' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
