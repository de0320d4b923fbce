import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { createDb } from '../../db/client.js';
import { createLogger } from '../../infra/logger.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv({ worker: false, env: { INTAKE_RATE_LIMIT: '3' } });
});
afterAll(async () => {
  await env?.close();
});

const complaint = (ticketId: string) => ({
  ticketId,
  title: 'Noise',
  description: 'Noise at night',
  category: 'neighbour-dispute',
  location: { unitId: 'comm-heping-north' },
  citizen: { name: 'Qian Wu', phone: '13600000000' },
});

describe('HTTP hardening', () => {
  it('limits intake per key and answers 429 as problem+json', async () => {
    const key = await env.key('intake', `rate${Date.now()}`);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await env.call(key, 'POST', '/v1/complaints', complaint(env.ticket()))).statusCode);
    expect(statuses).toEqual([201, 201, 201, 429]);
    const limited = await env.call(key, 'POST', '/v1/complaints', complaint(env.ticket()));
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.headers['retry-after']).toBeDefined();
    expect(limited.json()).toMatchObject({ status: 429, title: 'Too many requests' });
    // Another portal's key has a budget of its own.
    expect((await env.call(await env.key('intake', `other${Date.now()}`), 'POST', '/v1/complaints', complaint(env.ticket()))).statusCode).toBe(201);
  });

  it('sends security headers and a request id', async () => {
    const response = await env.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'req-123' } });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['strict-transport-security']).toBeDefined();
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('refuses oversized and non-JSON bodies with problem+json', async () => {
    const key = await env.key('intake');
    const big = await env.call(key, 'POST', '/v1/complaints', { ...complaint(env.ticket()), description: 'x'.repeat(70_000) });
    expect(big.statusCode).toBe(413);
    expect(big.headers['content-type']).toMatch(/problem\+json/);
    const text = await env.app.inject({ method: 'POST', url: '/v1/complaints', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/plain' }, payload: 'hello' });
    expect(text.statusCode).toBe(415);
    expect(text.headers['content-type']).toMatch(/problem\+json/);
  });

  it('refuses requests without a valid key with 401 problem+json', async () => {
    const none = await env.app.inject({ method: 'GET', url: '/v1/complaints' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toMatch(/problem\+json/);
    const forged = await env.app.inject({ method: 'GET', url: '/v1/complaints', headers: { authorization: 'Bearer jsk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    expect(forged.statusCode).toBe(401);
  });

  it('answers cursors that JavaScript parses but PostgreSQL would not with 400, never 500', async () => {
    const key = await env.key('admin');
    for (const value of ['2026', '2026-02-30T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', 'Tue Dec 01 2026', '2026-12-01T00:00:00Z']) {
      const cursor = Buffer.from(JSON.stringify([value, 'hotline-T-1'])).toString('base64url');
      const response = await env.call(key, 'GET', `/v1/complaints?cursor=${cursor}`);
      expect(response.statusCode, value).toBe(400);
      expect(response.headers['content-type']).toMatch(/problem\+json/);
    }
    const good = Buffer.from(JSON.stringify([new Date().toISOString(), 'hotline-T-1'])).toString('base64url');
    expect((await env.call(key, 'GET', `/v1/complaints?cursor=${good}`)).statusCode).toBe(200);
  });

  it('answers asset names that are object properties with 404, not 500', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const response = await env.app.inject({ method: 'GET', url: `/ops/assets/${name}` });
      expect(response.statusCode, name).toBe(404);
    }
  });

  it('tells anyone whether it is ready, and only the log why not', async () => {
    const broken = createDb({ url: 'postgres://nobody:secret@127.0.0.1:1/none', max: 1, connectionTimeoutMillis: 500 });
    const app = await buildApp({ config: env.config, logger: createLogger({ level: 'silent', pretty: false }), temporal: { client: env.client, taskQueue: env.taskQueue }, database: broken });
    try {
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      // The calendar check reads PostgreSQL too: unavailable with it, naming no missing year it cannot know.
      expect(response.json()).toEqual({ status: 'unavailable', checks: { temporal: { status: 'ok' }, postgres: { status: 'unavailable' }, calendar: { status: 'unavailable', missingYears: [] } } });
      expect(response.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|nobody/);
    } finally {
      await app.close();
      await broken.close();
    }
  });
});
