/**
 * Temporal is the trust boundary: whoever reaches its port without the encryption keys cannot act on a case.
 * Plaintext, tampered and copied payloads sent straight to the server are refused by the worker — an update
 * is rejected before it enters history, a signal is ignored, a start fails — each logged, and the case keeps
 * working afterwards.
 */
import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { Client, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AesGcmCodec, KEY_ID_METADATA } from '../../infra/codec.js';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { resolveTemporalServer } from '../../infra/temporal-cli.js';
import { caseStateQuery, commentSignal, complaintWorkflowId, type CaseView } from '../../workflows/messages.js';
import { REFUSED_PAYLOAD_ERROR } from '../../workflows/refused-payload.js';
import { complaintFor, fileThroughApi } from '../helpers/cases.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';

const lines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(chunk.toString('utf8'));
    done();
  },
});
/** True once a JSON log line has message `msg` and these fields. */
const logged = (msg: string, fields: Record<string, string>): boolean =>
  lines.some((line) => {
    const entry = JSON.parse(line) as Record<string, unknown>;
    return entry.msg === msg && Object.entries(fields).every(([k, v]) => entry[k] === v);
  });

let env: TestEnv;
/** A client without the codec: what anyone who reaches Temporal's port can run. */
let plain: Client;
beforeAll(async () => {
  env = await createTestEnv({ logger: createLogger({ level: 'info', pretty: false, name: 'test', destination: capture }) });
  plain = new Client({ connection: env.client.connection, namespace: env.config.temporal.namespace });
});
afterAll(async () => {
  await env?.close();
});

/** A case filed through the API and routed to Heping North community, where a supervisor could cancel it. */
const fileCase = () => fileThroughApi(env);

const view = (workflowId: string): Promise<CaseView> => env.client.workflow.getHandle(workflowId).query(caseStateQuery);
const forgedCancel = { actor: { role: 'supervisor', id: 'forged', unitId: 'centre' }, originalCaseNo: 'hotline-none', reason: 'Forged duplicate' };

async function historyEvents(workflowId: string): Promise<string[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).map((e) => JSON.stringify(e));
}

describe('the worker refuses what it did not seal', () => {
  it('rejects a plaintext update sent with the temporal CLI: it never enters history, and the case still works', async () => {
    const { caseNo, workflowId } = await fileCase();
    const config = loadConfig({ JIESU_ENV: 'test' });
    const source = await resolveTemporalServer({ config, logger: env.logger, ignoreAddress: true });
    if (source.kind === 'executable') {
      const run = promisify(execFile)(source.path, [
        'workflow', 'update', 'execute',
        '--address', inject('temporalAddress'),
        '--namespace', env.config.temporal.namespace,
        '--workflow-id', workflowId,
        '--name', 'cancel',
        '--input', JSON.stringify(forgedCancel),
      ]);
      await expect(run).rejects.toMatchObject({ stderr: expect.stringMatching(/Refused update cancel: its payload is not encrypted/) as unknown });
    } else {
      // No CLI binary on this machine (the SDK downloads one of its own): the same request through the SDK.
      await expect(plain.workflow.getHandle(workflowId).executeUpdate('cancel', { args: [forgedCancel] })).rejects.toThrow(WorkflowUpdateFailedError);
    }

    expect((await view(workflowId)).status).toBe('awaiting-sign');
    expect((await historyEvents(workflowId)).filter((e) => /UpdateAccepted|UpdateCompleted/.test(e))).toEqual([]);
    await eventually(async () => (logged('Rejected an update: untrusted payload', { update: 'cancel', refusal: 'unencrypted', workflowId }) ? true : undefined), { what: 'the rejection in the log' });

    // The same cancel, sealed by Jiesu for this case, is what the API sends: accepted.
    const handler = await env.key('handler', 'comm-heping-north');
    expect((await env.call(handler, 'POST', `/v1/complaints/${caseNo}/sign-for`, {})).statusCode).toBe(200);
  });

  it('ignores plaintext, tampered and unknown-key signals, and the case carries on', async () => {
    const { caseNo, workflowId } = await fileCase();
    await plain.workflow.getHandle(workflowId).signal(commentSignal, { actor: { role: 'supervisor', id: 'forged', unitId: 'centre' }, text: 'forged plaintext comment' });

    const codec = new AesGcmCodec(env.config.encryptionKeys);
    const sealed = codec.seal({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify({ actor: { role: 'supervisor', id: 'x', unitId: 'centre' }, text: 'tampered comment' })) }, workflowId);
    const tampered: Payload = { ...sealed, data: Buffer.from(sealed.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) };
    const unknownKey: Payload = { ...sealed, metadata: { ...sealed.metadata, [KEY_ID_METADATA]: Buffer.from('stolen-key') } };
    for (const payload of [tampered, unknownKey]) {
      await env.client.workflowService.signalWorkflowExecution({
        namespace: env.config.temporal.namespace,
        workflowExecution: { workflowId },
        signalName: 'comment',
        input: { payloads: [payload] },
        identity: 'forger',
      });
    }
    const supervisor = await env.key('supervisor', 'street-heping');
    expect((await env.call(supervisor, 'POST', `/v1/complaints/${caseNo}/comments`, { text: 'A real comment' })).statusCode).toBe(200);

    const state = await eventually(async () => {
      const v = await view(workflowId);
      return v.timeline.some((e) => e.action === 'commented') ? v : undefined;
    });
    expect(state.timeline.filter((e) => e.action === 'commented').map((e) => e.actor.id)).toEqual([supervisor.split('_')[1]]);
    expect(JSON.stringify(state.timeline)).not.toMatch(/forged|tampered/);
    for (const refusal of ['unencrypted', 'undecryptable', 'unknown-key']) {
      await eventually(async () => (logged('Ignored a signal: untrusted payload', { signal: 'comment', refusal, workflowId }) ? true : undefined), { what: `the ${refusal} signal in the log` });
    }
    // Not bricked: the next action goes through.
    expect((await env.call(await env.key('handler', 'comm-heping-north'), 'POST', `/v1/complaints/${caseNo}/sign-for`, {})).statusCode).toBe(200);
  });

  it('rejects an update sealed for another case (ciphertext copied between histories)', async () => {
    const { workflowId } = await fileCase();
    const other = await fileCase();
    const codec = new AesGcmCodec(env.config.encryptionKeys);
    // What a copy of `other`'s history would hold: a cancel sealed for that case, replayed against this one.
    const copying = new Client({
      connection: env.client.connection,
      namespace: env.config.temporal.namespace,
      dataConverter: { payloadCodecs: [{ encode: async (ps: Payload[]) => ps.map((p) => codec.seal(p, other.workflowId)), decode: (ps: Payload[]) => codec.decode(ps) }] },
    });
    const attempt = copying.workflow.getHandle(workflowId).executeUpdate('cancel', { args: [{ ...forgedCancel, actor: { role: 'supervisor', id: 'x', unitId: 'street-heping' } }] });
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((error as WorkflowUpdateFailedError).cause).toMatchObject({ type: REFUSED_PAYLOAD_ERROR, message: expect.stringMatching(/sealed for another workflow/) as unknown });
    expect((await view(workflowId)).status).toBe('awaiting-sign');
  });

  it("still runs what a Schedule starts: its input is sealed for the Schedule's workflow id, the run's id adds a time", async () => {
    const scheduleId = `forged-test-${env.ticket('schedule')}`;
    const schedule = await env.client.schedule.create({
      scheduleId,
      spec: { cronExpressions: ['0 0 1 1 *'] },
      action: { type: 'startWorkflow', workflowType: 'monthlyEvaluationWorkflow', taskQueue: env.taskQueue, args: [{ period: '2001-01', districtId: 'centre' }], workflowId: scheduleId },
    });
    try {
      await schedule.trigger();
      const workflowId = await eventually(async () => (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId);
      expect(workflowId).toMatch(new RegExp(`^${scheduleId}-\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$`));
      expect(await env.client.workflow.getHandle(workflowId).result()).toMatchObject({ period: '2001-01', strikes: [] });
    } finally {
      await schedule.delete();
    }
  });

  it('fails a workflow started with plaintext input at once, saying why', async () => {
    const ticketId = env.ticket('forged-start');
    const caseNo = `hotline-${ticketId}`;
    const handle = await plain.workflow.start('complaintWorkflow', {
      taskQueue: env.taskQueue,
      workflowId: complaintWorkflowId(caseNo),
      args: [{ caseNo, complaint: complaintFor(ticketId), receivedAt: new Date().toISOString() }],
    });
    const error = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: REFUSED_PAYLOAD_ERROR, message: expect.stringMatching(/Refused the workflow input: its payload is not encrypted/) as unknown });
    expect((await historyEvents(handle.workflowId)).some((e) => /activityTaskScheduled/.test(e))).toBe(false);
  });
});
