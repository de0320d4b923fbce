/**
 * "One notice, two interviews, three freezes" against the real server, on worker processes that are
 * SIGKILLed between sanctions, with strikes delivered twice; strikes that wait out an appeal window,
 * appeals a supervisor upholds or rejects, and cases overdue at the top that strike nobody by themselves.
 */
import { randomUUID } from 'node:crypto';
import { asc, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { investigations, notifications, sanctions, strikes, units } from '../../db/schema.js';
import type { Strike } from '../../domain/accountability.js';
import { loadConfig } from '../../infra/config.js';
import { ensureEvaluationSchedule } from '../../worker/schedules.js';
import {
  UNIT_ACCOUNTABILITY_WORKFLOW_TYPE,
  accountabilityStateQuery,
  appealStrikeUpdate,
  decideStrikeAppealUpdate,
  closeInvestigationUpdate,
  liftFreezeUpdate,
  MONTHLY_EVALUATION_SCHEDULE_ID,
  strikeSignal,
  unitAccountabilityWorkflowId,
  interviewHeldUpdate,
} from '../../workflows/messages.js';
import type { unitAccountabilityWorkflow } from '../../workflows/unit-accountability-workflow.js';
import { recordHistories } from '../helpers/cases.js';
import { createTestEnv, eventually, startWorkerProcess, type TestEnv } from '../helpers/env.js';
import type { ServiceProcess } from '../../infra/service-process.js';

let env: TestEnv;
const workers: ServiceProcess[] = [];
async function startWorker(): Promise<ServiceProcess> {
  const worker = await startWorkerProcess(env);
  workers.push(worker);
  return worker;
}

beforeAll(async () => {
  env = await createTestEnv({ worker: false });
});
const laddered: string[] = [];
afterAll(async () => {
  await recordHistories(env, 'accountability', { cases: false, extra: laddered.map(unitAccountabilityWorkflowId) });
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  await env?.close();
});

async function testUnit(): Promise<string> {
  const id = `dept-test-${randomUUID().slice(0, 8)}`;
  await env.database.db.insert(units).values({ id, name: `Test department ${id}`, level: 'district', kind: 'department', parentId: 'centre' });
  laddered.push(id);
  return id;
}

/** What the deliverStrike activity does: signal-with-start of the unit's workflow. */
async function deliver(strike: Strike): Promise<void> {
  await env.client.workflow.signalWithStart<typeof unitAccountabilityWorkflow, [Strike]>(UNIT_ACCOUNTABILITY_WORKFLOW_TYPE, {
    workflowId: unitAccountabilityWorkflowId(strike.unitId),
    taskQueue: env.taskQueue,
    args: [{ unitId: strike.unitId, ancestors: ['centre'] }],
    signal: strikeSignal,
    signalArgs: [strike],
  });
}

const sanctionRows = (unitId: string) => env.database.db.select().from(sanctions).where(eq(sanctions.unitId, unitId)).orderBy(asc(sanctions.window), asc(sanctions.number));
const waitForSanctions = (unitId: string, count: number) =>
  eventually(async () => {
    const rows = await sanctionRows(unitId);
    return rows.length >= count ? rows : undefined;
  }, { what: `${count} sanctions for ${unitId}`, timeoutMs: 120_000 });

describe('the accountability ladder', () => {
  // A kill can land while a sanction's activity runs: the next worker retries it only once its 30 s
  // start-to-close timeout has passed, up to twice here, on top of three worker starts.
  it('applies notice, interview, freeze with investigation in order, each exactly once, through SIGKILLs and duplicate strikes', { timeout: 240_000 }, async () => {
    const unitId = await testUnit();
    const strike = (n: number): Strike => ({ id: `test:${unitId}:${n}`, unitId, source: 'ranking', period: `2026-0${n}`, reasons: ['bottom'], at: `2026-0${n}-10T02:00:00.000Z`, appealWindow: 'PT1S' });

    const first = await startWorker();
    await deliver(strike(1));
    await deliver(strike(1));
    await waitForSanctions(unitId, 1);
    await first.kill('SIGKILL');

    // Strikes 2 and 3 arrive while no worker runs; the next worker is killed right after it starts on them.
    await deliver(strike(2));
    await deliver(strike(3));
    await deliver(strike(2));
    const second = await startWorker();
    await waitForSanctions(unitId, 2);
    await second.kill('SIGKILL');
    await startWorker();
    const rows = await waitForSanctions(unitId, 3);
    await deliver(strike(3));
    await new Promise((resolve) => setTimeout(resolve, 1500));

    expect((await sanctionRows(unitId)).map((s) => [s.number, s.kind, s.status])).toEqual([
      [1, 'notice', 'published'],
      [2, 'interview', 'scheduled'],
      [3, 'freeze', 'active'],
    ]);
    expect(rows.map((s) => s.id)).toEqual([`${unitId}:2026:1`, `${unitId}:2026:2`, `${unitId}:2026:3`]);
    const strikeRows = await env.database.db.select().from(strikes).where(eq(strikes.unitId, unitId)).orderBy(asc(strikes.number));
    expect(strikeRows.map((s) => [s.id, s.window, s.number, s.status])).toEqual([1, 2, 3].map((n) => [`test:${unitId}:${n}`, 2026, n, 'effective']));
    expect(await env.database.db.select().from(investigations).where(eq(investigations.unitId, unitId))).toHaveLength(1);
    const sent = await env.database.db.select().from(notifications).where(like(notifications.id, `sanction:${unitId}:%`));
    expect(sent.map((n) => n.id).sort()).toEqual([1, 2, 3].map((n) => `sanction:${unitId}:2026:${n}`));
    const state = await env.client.workflow.getHandle(unitAccountabilityWorkflowId(unitId)).query(accountabilityStateQuery);
    expect(state.strikes).toHaveLength(3);

    // The Schedule exists exactly once, with the configured cron, after the workers started; ensuring it again changes nothing.
    await ensureEvaluationSchedule(env.client, { taskQueue: env.taskQueue, ...loadConfig({}).evaluation }, env.logger);
    const schedules: string[] = [];
    for await (const schedule of env.client.schedule.list()) if (schedule.scheduleId === MONTHLY_EVALUATION_SCHEDULE_ID) schedules.push(schedule.scheduleId);
    expect(schedules).toHaveLength(1);
    const described = await env.client.schedule.getHandle(MONTHLY_EVALUATION_SCHEDULE_ID).describe();
    expect(described.state.note).toContain('cron=0 2 1 * *');
    expect(described.spec.timezone).toBe('Asia/Shanghai');
  });

  it('starts at notice again in a new year, and lifts a freeze only after its investigation is closed', async () => {
    const unitId = await testUnit();
    if (workers.every((w) => w.child.exitCode !== null || w.child.signalCode !== null)) await startWorker();
    for (const n of [1, 2, 3]) await deliver({ id: `y:${unitId}:${n}`, unitId, source: 'ranking', period: `2026-0${n}`, at: `2026-0${n}-01T00:00:00.000Z`, appealWindow: 'PT1S' });
    await waitForSanctions(unitId, 3);
    await deliver({ id: `y:${unitId}:next-year`, unitId, source: 'ranking', period: '2027-01', at: '2027-01-01T00:00:00.000Z', appealWindow: 'PT1S' });
    const rows = await waitForSanctions(unitId, 4);
    expect(rows.map((s) => [s.window, s.number, s.kind])).toEqual([
      [2026, 1, 'notice'],
      [2026, 2, 'interview'],
      [2026, 3, 'freeze'],
      [2027, 1, 'notice'],
    ]);

    const handle = env.client.workflow.getHandle(unitAccountabilityWorkflowId(unitId));
    const supervisor = { role: 'supervisor' as const, id: 's', unitId: 'centre' };
    const freezeId = `${unitId}:2026:3`;
    await expect(handle.executeUpdate(liftFreezeUpdate, { args: [{ actor: supervisor, sanctionId: freezeId }] })).rejects.toMatchObject({
      cause: { type: 'NotAllowedNow', message: expect.stringMatching(/investigation is open/) },
    });
    await expect(
      handle.executeUpdate(closeInvestigationUpdate, { args: [{ actor: { role: 'supervisor', id: 's', unitId: 'street-heping' }, sanctionId: freezeId, finding: 'x' }] }),
    ).rejects.toMatchObject({ cause: { type: 'NotPermitted' } });
    await handle.executeUpdate(interviewHeldUpdate, { args: [{ actor: supervisor, sanctionId: `${unitId}:2026:2`, minutes: 'Leaders explained the backlog' }] });
    await handle.executeUpdate(closeInvestigationUpdate, { args: [{ actor: supervisor, sanctionId: freezeId, finding: 'Understaffed; plan agreed' }] });
    const after = await handle.executeUpdate(liftFreezeUpdate, { args: [{ actor: supervisor, sanctionId: freezeId }] });
    expect(after.sanctions.find((s) => s.id === freezeId)?.status).toBe('lifted');
    const [freeze] = await env.database.db.select().from(sanctions).where(eq(sanctions.id, freezeId));
    expect(freeze?.status).toBe('lifted');
    const [interview] = await env.database.db.select().from(sanctions).where(eq(sanctions.id, `${unitId}:2026:2`));
    expect(interview).toMatchObject({ status: 'held', minutes: 'Leaders explained the backlog' });
  });

  it('strikes nobody for cases overdue at the top by themselves: three in one second give no sanction', async () => {
    const unitId = await testUnit();
    if (workers.every((w) => w.child.exitCode !== null || w.child.signalCode !== null)) await startWorker();
    const at = '2026-03-10T02:00:00.000Z';
    for (const n of [1, 2, 3]) await deliver({ id: `overdue-at-top:complaint-${unitId}-${n}:${unitId}`, unitId, source: 'overdue-at-top', caseNo: `${unitId}-${n}`, at });
    // A strike of another period still arrives after them: the three were seen and left to the evaluation.
    await deliver({ id: `ranking:2026-03:${unitId}`, unitId, source: 'ranking', period: '2026-03', reasons: ['overdue'], overdueCases: 3, at: '2026-03-01T00:00:00.000Z', appealWindow: 'PT1H' });
    const handle = env.client.workflow.getHandle(unitAccountabilityWorkflowId(unitId));
    const state = await eventually(async () => {
      const s = await handle.query(accountabilityStateQuery);
      return s.strikes.length > 0 && s.strikes[0]!.appealUntil ? s : undefined;
    });
    expect(state.strikes.map((s) => [s.id, s.status])).toEqual([[`ranking:2026-03:${unitId}`, 'pending']]);
    expect(state.sanctions).toEqual([]);
    expect(await sanctionRows(unitId)).toEqual([]);
  });

  it('waits out the appeal window: an upheld appeal voids the strike, a rejected one applies its sanction, an unappealed one takes effect when the window closes', { timeout: 120_000 }, async () => {
    const unitId = await testUnit();
    if (workers.every((w) => w.child.exitCode !== null || w.child.signalCode !== null)) await startWorker();
    const handle = env.client.workflow.getHandle(unitAccountabilityWorkflowId(unitId));
    const strike = (period: string, appealWindow: string): Strike => ({ id: `ranking:${period}:${unitId}`, unitId, source: 'ranking', period, reasons: ['bottom'], at: `${period}-01T00:00:00.000Z`, appealWindow });
    await deliver(strike('2026-05', 'PT1H'));
    await deliver(strike('2026-06', 'PT1H'));
    const opened = await eventually(async () => {
      const s = await handle.query(accountabilityStateQuery);
      return s.strikes.length === 2 && s.strikes.every((x) => x.appealUntil) ? s : undefined;
    });
    const [may, june] = opened.strikes.map((s) => s.id) as [string, string];
    expect(opened.strikes.map((s) => [s.status, s.number])).toEqual([
      ['pending', 1],
      ['pending', 2],
    ]);
    const [row] = await env.database.db.select().from(strikes).where(eq(strikes.id, may));
    expect(row).toMatchObject({ status: 'pending', appealUntil: new Date(opened.strikes[0]!.appealUntil!) });

    const own = { role: 'handler' as const, id: 'h', unitId };
    const centre = { role: 'supervisor' as const, id: 'sup', unitId: 'centre' };
    const refused = (promise: Promise<unknown>, type: string, message?: RegExp) => expect(promise).rejects.toMatchObject({ cause: { type, ...(message ? { message: expect.stringMatching(message) } : {}) } });
    await refused(handle.executeUpdate(appealStrikeUpdate, { args: [{ actor: { role: 'handler', id: 'x', unitId: 'comm-heping-north' }, strikeId: may, reason: 'Not us' }] }), 'NotPermitted');
    await refused(handle.executeUpdate(appealStrikeUpdate, { args: [{ actor: own, strikeId: may, reason: '  ' }] }), 'InvalidInput');
    await refused(handle.executeUpdate(decideStrikeAppealUpdate, { args: [{ actor: centre, strikeId: may, upheld: true, note: 'x' }] }), 'NotAllowedNow', /not been appealed/);
    const appealed = await handle.executeUpdate(appealStrikeUpdate, { args: [{ actor: own, strikeId: may, reason: 'Two of the cases were duplicates' }] });
    expect(appealed).toMatchObject({ status: 'appealed', appeal: { reason: 'Two of the cases were duplicates', by: 'h' } });
    await refused(handle.executeUpdate(appealStrikeUpdate, { args: [{ actor: own, strikeId: may, reason: 'Again' }] }), 'NotAllowedNow', /already appealed/);
    // The unit's own supervisor is not above it.
    await refused(handle.executeUpdate(decideStrikeAppealUpdate, { args: [{ actor: { role: 'supervisor', id: 'self', unitId }, strikeId: may, upheld: true, note: 'Fine' }] }), 'NotPermitted');
    const voided = await handle.executeUpdate(decideStrikeAppealUpdate, { args: [{ actor: centre, strikeId: may, upheld: true, note: 'Duplicates confirmed' }] });
    expect(voided).toMatchObject({ status: 'voided', decision: { upheld: true, by: 'sup', note: 'Duplicates confirmed' }, sanctionId: null });

    await handle.executeUpdate(appealStrikeUpdate, { args: [{ actor: { role: 'supervisor', id: 'unit-lead', unitId }, strikeId: june, reason: 'Staff shortage' }] });
    const rejected = await handle.executeUpdate(decideStrikeAppealUpdate, { args: [{ actor: centre, strikeId: june, upheld: false, note: 'Not a reason' }] });
    // The voided strike moves nobody up the ladder: June's is the first sanction of the year.
    expect(rejected).toMatchObject({ status: 'effective', sanctionId: `${unitId}:2026:1`, decision: { upheld: false } });

    await deliver(strike('2026-07', 'PT1S'));
    const rows = await waitForSanctions(unitId, 2);
    expect(rows.map((s) => [s.id, s.kind, s.strikeId])).toEqual([
      [`${unitId}:2026:1`, 'notice', june],
      [`${unitId}:2026:2`, 'interview', `ranking:2026-07:${unitId}`],
    ]);
    await refused(handle.executeUpdate(appealStrikeUpdate, { args: [{ actor: own, strikeId: `ranking:2026-07:${unitId}`, reason: 'Late' }] }), 'NotAllowedNow', /taken effect/);
    const strikeRows = await env.database.db.select().from(strikes).where(eq(strikes.unitId, unitId)).orderBy(asc(strikes.number));
    expect(strikeRows.map((s) => [s.number, s.status, s.appealReason, s.decidedBy, s.decisionNote])).toEqual([
      [1, 'voided', 'Two of the cases were duplicates', 'sup', 'Duplicates confirmed'],
      [2, 'effective', 'Staff shortage', 'sup', 'Not a reason'],
      [3, 'effective', null, null, null],
    ]);
    const sent = await env.database.db.select({ id: notifications.id, kind: notifications.kind }).from(notifications).where(like(notifications.id, `strike:ranking:2026-05:${unitId}:%`));
    expect(sent.map((n) => n.kind).sort()).toEqual(['strike-appealed', 'strike-pending', 'strike-voided']);
  });
});
