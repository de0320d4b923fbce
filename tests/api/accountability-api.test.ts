import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodOf, previousPeriod } from '../../domain/accountability.js';
import { strikeSignal, UNIT_ACCOUNTABILITY_WORKFLOW_TYPE, unitAccountabilityWorkflowId } from '../../workflows/messages.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.close();
});

describe('accountability over HTTP', () => {
  it('shows strikes and sanctions, reports the freeze flag, and lets a supervisor close the investigation and then lift the freeze', async () => {
    const admin = await env.key('admin');
    const unitId = `dept-api-${randomUUID().slice(0, 8)}`;
    expect((await env.call(admin, 'POST', '/v1/units', { id: unitId, name: 'API test department', level: 'district', kind: 'department', parentId: 'centre' })).statusCode).toBe(201);
    for (const n of [1, 2, 3]) {
      await env.client.workflow.signalWithStart(UNIT_ACCOUNTABILITY_WORKFLOW_TYPE, {
        workflowId: unitAccountabilityWorkflowId(unitId),
        taskQueue: env.taskQueue,
        args: [{ unitId, ancestors: ['centre'] }],
        signal: strikeSignal,
        signalArgs: [{ id: `api:${unitId}:${n}`, unitId, source: 'overdue-at-top', at: `2026-0${n}-05T00:00:00.000Z` }],
      });
    }
    const supervisor = await env.key('supervisor', 'centre');
    const read = async () => (await env.call(supervisor, 'GET', `/v1/units/${unitId}/accountability`)).json<{ frozen: boolean; sanctions: Array<{ id: string; kind: string; status: string }> }>();
    const view = await eventually(async () => {
      const v = await read();
      return v.sanctions?.length === 3 ? v : undefined;
    });
    expect(view.frozen).toBe(true);
    expect(view.sanctions.map((s) => s.kind)).toEqual(['notice', 'interview', 'freeze']);
    const freeze = view.sanctions[2]!.id;
    const base = `/v1/units/${unitId}/accountability/sanctions`;

    const early = await env.call(supervisor, 'POST', `${base}/${freeze}/freeze-lifted`, {});
    expect(early.statusCode).toBe(409);
    expect(early.json<{ detail: string }>().detail).toMatch(/investigation is open/);
    expect((await env.call(await env.key('handler', unitId), 'POST', `${base}/${freeze}/investigation-closed`, { finding: 'x' })).statusCode).toBe(403);
    expect((await env.call(supervisor, 'POST', `${base}/${view.sanctions[1]!.id}/interview-held`, { minutes: 'Held with the director' })).statusCode).toBe(200);
    expect((await env.call(supervisor, 'POST', `${base}/${freeze}/investigation-closed`, { finding: 'Backlog explained; no misconduct' })).statusCode).toBe(200);
    expect((await env.call(supervisor, 'POST', `${base}/${freeze}/freeze-lifted`, {})).statusCode).toBe(200);
    const after = await read();
    expect(after.frozen).toBe(false);
    expect(after.sanctions.map((s) => s.status)).toEqual(['published', 'held', 'lifted']);
    expect((await env.call(await env.key('handler', 'comm-heping-north'), 'GET', `/v1/units/${unitId}/accountability`)).statusCode).toBe(403);
  });

  it('lets an admin backfill a past period but not one that has not ended', async () => {
    const admin = await env.key('admin');
    const current = periodOf(new Date().toISOString());
    expect((await env.call(admin, 'POST', '/v1/admin/evaluations', { period: current })).statusCode).toBe(422);
    const past = await env.call(admin, 'POST', '/v1/admin/evaluations', { period: previousPeriod(previousPeriod(current)), districtId: 'centre' });
    expect(past.statusCode).toBe(200);
    expect(past.json()).toMatchObject({ districts: ['centre'], strikes: [] });
    expect((await env.call(await env.key('supervisor', 'centre'), 'POST', '/v1/admin/evaluations', { period: '2020-01' })).statusCode).toBe(403);
  });
});
