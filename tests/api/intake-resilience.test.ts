/**
 * Intake under duplicates and outages: portals retry, and the read model's database may be down.
 * This file runs a PostgreSQL of its own so that it can stop it.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases } from '../../db/schema.js';
import type { EmbeddedPostgres } from '../../infra/postgres.js';
import { createTestEnv, eventually, startSeededPostgres, type TestEnv } from '../helpers/env.js';

let postgres: EmbeddedPostgres;
let env: TestEnv;

beforeAll(async () => {
  postgres = await startSeededPostgres();
  env = await createTestEnv({ databaseUrl: postgres.url });
});
afterAll(async () => {
  await env?.close();
  await postgres?.destroy();
});

const complaint = (ticketId: string) => ({
  ticketId,
  title: 'Water leaking from the ceiling',
  description: 'Since yesterday',
  category: 'property-management',
  location: { unitId: 'comm-heping-north' },
  citizen: { name: 'Sun Li', phone: '13700000000' },
});

describe('idempotent, durable intake', () => {
  it('answers 20 concurrent posts of one ticket with one case and 20 identical answers', async () => {
    const key = await env.key('intake');
    const ticket = env.ticket('dup');
    const answers = await Promise.all(Array.from({ length: 20 }, () => env.call(key, 'POST', '/v1/complaints', complaint(ticket))));
    expect(new Set(answers.map((a) => a.statusCode))).toEqual(new Set([201]));
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    const { workflowId } = answers[0]!.json<{ workflowId: string }>();
    const runs = [];
    for await (const run of env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run.runId);
    expect(runs).toHaveLength(1);
  });

  it('accepts complaints while PostgreSQL is down; they reach the read model once it is back', async () => {
    const key = await env.key('intake');
    await env.call(key, 'GET', '/v1/complaints?limit=1'); // the key is verified and remembered while the database is up
    await postgres.stop();
    try {
      const ticket = env.ticket('outage');
      const response = await env.call(key, 'POST', '/v1/complaints', complaint(ticket));
      expect(response.statusCode).toBe(201);
      const { caseNo } = response.json<{ caseNo: string }>();
      const listDuringOutage = await env.call(key, 'GET', '/v1/complaints?limit=1');
      expect(listDuringOutage.statusCode).toBe(503);
      expect(listDuringOutage.headers['retry-after']).toBe('5');
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await postgres.start();
      const row = await eventually(async () => (await env.database.db.select().from(cases).where(eq(cases.caseNo, caseNo)))[0], {
        what: 'the case in the read model after the outage',
        timeoutMs: 60_000,
        intervalMs: 500,
      });
      expect(row.source).toBe('hotline');
      const listed = await eventually(async () => {
        const page = (await env.call(key, 'GET', '/v1/complaints?limit=50')).json<{ items: Array<{ caseNo: string; status: string }> }>();
        return page.items.find((i) => i.caseNo === caseNo && i.status === 'awaiting-sign');
      }, { timeoutMs: 60_000, intervalMs: 500 });
      expect(listed.caseNo).toBe(caseNo);
    } finally {
      if (!postgres.running) await postgres.start();
    }
  });
});
