import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodOf, previousPeriod } from '../../domain/accountability.js';
import { strikeSignal, UNIT_ACCOUNTABILITY_WORKFLOW_TYPE, unitAccountabilityWorkflowId } from '../../workflows/messages.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';

let env: TestEnv;

/** What the monthly evaluation delivers: a strike for a period, with its appeal window. */
async function strike(unitId: string, period: string, appealWindow: string): Promise<string> {
  const id = `ranking:${period}:${unitId}`;
  await env.client.workflow.signalWithStart(UNIT_ACCOUNTABILITY_WORKFLOW_TYPE, {
    workflowId: unitAccountabilityWorkflowId(unitId),
    taskQueue: env.taskQueue,
    args: [{ unitId, ancestors: ['centre'] }],
    signal: strikeSignal,
    signalArgs: [{ id, unitId, source: 'ranking', period, reasons: ['bottom'], at: `${period}-01T00:00:00.000+08:00`, appealWindow }],
  });
  return id;
}

async function testDepartment(admin: string): Promise<string> {
  const unitId = `dept-api-${randomUUID().slice(0, 8)}`;
  expect((await env.call(admin, 'POST', '/v1/units', { id: unitId, name: 'API test department', level: 'district', kind: 'department', parentId: 'centre' })).statusCode).toBe(201);
  return unitId;
}

beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.close();
});

describe('accountability over HTTP', () => {
  it('shows strikes and sanctions, reports the freeze flag, and lets a supervisor close the investigation and then lift the freeze', async () => {
    const admin = await env.key('admin');
    const unitId = await testDepartment(admin);
    for (const n of [1, 2, 3]) await strike(unitId, `2026-0${n}`, 'PT1S');
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

  it('lists strikes with their appeal window, takes the unit\'s appeal and a supervisor\'s decision as problem+json refusals or the strike', async () => {
    const admin = await env.key('admin');
    const unitId = await testDepartment(admin);
    const strikeId = await strike(unitId, '2026-04', 'PT1H');
    const own = await env.key('handler', unitId);
    const supervisor = await env.key('supervisor', 'centre');
    type View = { id: string; status: string; appealUntil: string | null; appeal: { reason: string } | null; decision: { upheld: boolean; note: string; by: string } | null; sanctionId: string | null };
    const listed = await eventually(async () => {
      const body = (await env.call(own, 'GET', `/v1/units/${unitId}/accountability`)).json<{ strikes: View[] }>();
      return body.strikes?.[0]?.appealUntil ? body.strikes : undefined;
    });
    expect(listed).toEqual([expect.objectContaining({ id: strikeId, status: 'pending', period: '2026-04', source: 'ranking', appeal: null, decision: null, sanctionId: null })]);
    const pending = (await env.call(supervisor, 'GET', `/v1/strikes?status=pending&unit=${unitId}`)).json<{ strikes: View[] }>();
    expect(pending.strikes.map((s) => s.id)).toEqual([strikeId]);

    const base = `/v1/units/${unitId}/accountability/strikes/${encodeURIComponent(strikeId)}`;
    const problem = (r: { statusCode: number; headers: Record<string, unknown>; json: <T>() => T }) => ({ ...r.json<{ reason?: string; detail: string }>(), status: r.statusCode, contentType: r.headers['content-type'] });
    expect(problem(await env.call(await env.key('handler', 'comm-heping-north'), 'POST', `${base}/appeal`, { reason: 'Not ours' }))).toMatchObject({ status: 403, contentType: expect.stringContaining('application/problem+json') });
    expect(problem(await env.call(own, 'POST', `${base}/appeal`, {}))).toMatchObject({ status: 400 });
    expect(problem(await env.call(own, 'POST', `${base}/appeal`, { reason: '   ' }))).toMatchObject({ status: 422, reason: 'InvalidInput' });
    expect(problem(await env.call(own, 'POST', `/v1/units/${unitId}/accountability/strikes/ranking:1999-01:${unitId}/appeal`, { reason: 'x' }))).toMatchObject({ status: 404 });
    expect(problem(await env.call(supervisor, 'POST', `${base}/decision`, { upheld: true, note: 'Early' }))).toMatchObject({ status: 409, reason: 'NotAllowedNow', detail: 'The strike has not been appealed' });

    const appealed = await env.call(own, 'POST', `${base}/appeal`, { reason: 'The overdue cases were duplicates' });
    expect(appealed.statusCode).toBe(200);
    expect(appealed.json()).toMatchObject({ status: 'appealed', appeal: { reason: 'The overdue cases were duplicates' } });
    expect(problem(await env.call(own, 'POST', `${base}/appeal`, { reason: 'Again' }))).toMatchObject({ status: 409, reason: 'NotAllowedNow' });
    const awaiting = (await env.call(supervisor, 'GET', '/v1/strikes?status=appealed')).json<{ strikes: View[] }>();
    expect(awaiting.strikes.map((s) => s.id)).toContain(strikeId);
    // A street's supervisor is not above a district department.
    expect(problem(await env.call(await env.key('supervisor', 'street-heping'), 'POST', `${base}/decision`, { upheld: true, note: 'x' }))).toMatchObject({ status: 403 });
    expect(problem(await env.call(supervisor, 'POST', `${base}/decision`, { upheld: 'yes', note: 'x' }))).toMatchObject({ status: 400 });

    const decided = await env.call(supervisor, 'POST', `${base}/decision`, { upheld: false, note: 'The cases were distinct' });
    expect(decided.statusCode).toBe(200);
    expect(decided.json()).toMatchObject({ status: 'effective', decision: { upheld: false, note: 'The cases were distinct' }, sanctionId: `${unitId}:2026:1` });
    const after = await eventually(async () => {
      const body = (await env.call(own, 'GET', `/v1/units/${unitId}/accountability`)).json<{ strikes: View[]; sanctions: Array<{ kind: string }> }>();
      return body.sanctions.length === 1 ? body : undefined;
    });
    expect(after.strikes[0]).toMatchObject({ status: 'effective', appeal: { reason: 'The overdue cases were duplicates' }, decision: { upheld: false, note: 'The cases were distinct' }, sanctionId: `${unitId}:2026:1` });
    expect(after.sanctions.map((s) => s.kind)).toEqual(['notice']);
    expect(problem(await env.call(supervisor, 'POST', `${base}/decision`, { upheld: true, note: 'Changed my mind' }))).toMatchObject({ status: 409, detail: 'The appeal is already decided' });
    expect((await env.call(own, 'GET', '/v1/strikes')).json<{ strikes: View[] }>().strikes.map((s) => s.id)).toEqual([strikeId]);
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
