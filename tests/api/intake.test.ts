import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseTimeline, cases } from '../../db/schema.js';
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
    const second = await env.call(await env.key('intake'), 'POST', '/v1/complaints', complaint(ticket, { title: 'Retried post' }));
    expect(second.statusCode).toBe(first.statusCode);
    expect(second.json()).toEqual(first.json());
    const runs = [];
    for await (const run of env.client.workflow.list({ query: `WorkflowId = '${first.json<{ workflowId: string }>().workflowId}'` })) runs.push(run);
    expect(runs).toHaveLength(1);
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
