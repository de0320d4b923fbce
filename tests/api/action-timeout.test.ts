/**
 * An action request never hangs: when no worker takes it up within the bound, the API answers 202 with
 * Retry-After and an idempotency key; once a worker is back, repeating the request with that key answers
 * with the action's outcome instead of acting twice.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases } from '../../db/schema.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv({ worker: false });
});
afterAll(async () => {
  await env?.close();
});

describe('an action while no worker runs', () => {
  it('answers 202 within the bound, applies once a worker is back, and answers a retry with the same key with that outcome', { timeout: 90_000 }, async () => {
    const stopFirst = await env.startWorker();
    const filed = await env.call(await env.key('intake'), 'POST', '/v1/complaints', {
      ticketId: env.ticket(),
      title: 'Drilling at night',
      description: 'The neighbour upstairs drills after midnight.',
      category: 'neighbour-dispute',
      location: { unitId: 'comm-heping-north' },
      citizen: { name: 'Wang Fang', phone: '13800000000' },
    });
    const { caseNo } = filed.json<{ caseNo: string }>();
    const admin = await env.key('admin');
    await eventually(async () => ((await env.call(admin, 'GET', `/v1/complaints/${caseNo}`)).json<{ status: string }>().status === 'awaiting-sign' ? true : undefined), {
      what: 'the case to be routed',
    });
    await stopFirst();

    const handler = await env.key('handler', 'comm-heping-north');
    const pending = await env.call(handler, 'POST', `/v1/complaints/${caseNo}/sign-for`, {});
    expect(pending.statusCode).toBe(202);
    expect(pending.headers['retry-after']).toBe('5');
    const { idempotencyKey } = pending.json<{ status: string; idempotencyKey: string }>();
    expect(pending.json()).toMatchObject({ status: 'pending', idempotencyKey: expect.any(String) });
    // Reading the live case needs a worker too: a clear 503 to retry, not a 500.
    const unread = await env.call(admin, 'GET', `/v1/complaints/${caseNo}`);
    expect(unread.statusCode, unread.body).toBe(503);
    expect(unread.headers['retry-after']).toBe('5');

    const stopSecond = await env.startWorker();
    const retried = await env.app.inject({
      method: 'POST',
      url: `/v1/complaints/${caseNo}/sign-for`,
      headers: { authorization: `Bearer ${handler}`, 'idempotency-key': idempotencyKey },
      payload: {},
    });
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ status: 'handling' });
    const signatures = retried.json<{ timeline: Array<{ action: string }> }>().timeline.filter((e) => e.action === 'signed');
    expect(signatures).toHaveLength(1);

    // Without the key, the same request is a new action: refused, since the case is signed already.
    const again = await env.call(handler, 'POST', `/v1/complaints/${caseNo}/sign-for`, {});
    expect(again.json()).toMatchObject({ status: 409, reason: 'AlreadySigned' });
    await stopSecond();
  });

  it('refuses a read outside the key\'s area from the read model, without making a worker answer a query', { timeout: 60_000 }, async () => {
    const stop = await env.startWorker();
    const filed = await env.call(await env.key('intake'), 'POST', '/v1/complaints', {
      ticketId: env.ticket(),
      title: 'Drilling at night',
      description: 'The neighbour upstairs drills after midnight.',
      category: 'neighbour-dispute',
      location: { unitId: 'comm-heping-north' },
      citizen: { name: 'Wang Fang', phone: '13800000000' },
    });
    const { caseNo } = filed.json<{ caseNo: string }>();
    await eventually(async () => {
      const [row] = await env.database.db.select().from(cases).where(eq(cases.caseNo, caseNo));
      return row?.status === 'awaiting-sign' ? row : undefined;
    }, { what: 'the routed case in the read model' });
    await stop();
    // With no worker a query cannot be answered: an answer at all shows none was asked.
    const outsider = await env.call(await env.key('handler', 'comm-binhe-park'), 'GET', `/v1/complaints/${caseNo}`);
    expect(outsider.statusCode).toBe(403);
    const otherStreet = await env.call(await env.key('supervisor', 'street-binhe'), 'GET', `/v1/complaints/${caseNo}`);
    expect(otherStreet.statusCode).toBe(403);
  });

  it('refuses a malformed idempotency key with 400', async () => {
    const response = await env.app.inject({
      method: 'POST',
      url: '/v1/complaints/hotline-none/sign-for',
      headers: { authorization: `Bearer ${await env.key('handler', 'comm-heping-north')}`, 'idempotency-key': 'x' },
      payload: {},
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ errors: [{ field: 'headers/idempotency-key' }] });
  });
});
