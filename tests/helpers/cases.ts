import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import proto from '@temporalio/proto';
import { eq } from 'drizzle-orm';
import type { WorkflowHandle } from '@temporalio/client';
import { expect, inject } from 'vitest';
import { projectRoot } from '../../infra/config.js';
import { caseTimeline, processDefinitions } from '../../db/schema.js';
import type { Complaint } from '../../domain/case.js';
import type { ProcessDefinition } from '../../domain/process/definition.js';
import { shippedProcess } from '../../processes/shipped.js';
import type { complaintWorkflow } from '../../workflows/complaint-workflow.js';
import { actionUpdates, caseStateQuery, COMPLAINT_WORKFLOW_TYPE, complaintWorkflowId, type ActionInput, type CaseView, type UpdateAction } from '../../workflows/messages.js';
import { executeCaseUpdate } from '../../api/cases.js';
import { eventually, type TestEnv } from './env.js';
import { both, withLimits, type ProcessLimits } from './limits.js';

export type CaseHandle = WorkflowHandle<typeof complaintWorkflow>;

/** Where replay fixtures live. */
export const HISTORIES_DIR = path.join(projectRoot, 'tests', 'fixtures', 'histories');


const slow = 'PT5M';

/** Wall-clock test limits: every limit `every` — five minutes (never reached in a test) by default — unless overridden with short ones. */
export function testLimits(overrides: Partial<ProcessLimits> = {}, every = slow): ProcessLimits {
  return {
    signFor: { community: both(every), street: both(every), district: both(every) },
    resolve: { community: both(every), street: both(every), district: both(every) },
    reopen: both(every),
    reportIn: both(every),
    arbitrate: both(every),
    evaluate: both(every),
    warningRatio: 0.75,
    ...overrides,
  };
}
export { both };

/** Deploys a process definition under a key of its own, so tests with short limits never touch the real one. */
export async function deployTestProcess(env: TestEnv, limits: ProcessLimits, model?: ProcessDefinition): Promise<string> {
  const key = `test-${randomUUID().slice(0, 8)}`;
  const definition = { ...withLimits(model ?? (await shippedProcess()), limits), key };
  await env.database.db.insert(processDefinitions).values({ key, version: definition.version, name: definition.name, format: 'bpmn', definition });
  return key;
}

export const complaintFor = (ticketId: string, overrides: Partial<Complaint> = {}): Complaint => ({
  source: 'hotline',
  ticketId,
  title: 'Drilling at night',
  description: 'The neighbour upstairs drills after midnight.',
  category: 'neighbour-dispute',
  urgency: 'normal',
  location: { unitId: 'comm-heping-north' },
  citizen: { name: 'Wang Fang', phone: '13800000000' },
  ...overrides,
});

const started: string[] = [];

/** Starts a case on the test worker's task queue with a pinned process. */
export async function startCase(env: TestEnv, processKey: string, overrides: Partial<Complaint> = {}): Promise<{ caseNo: string; handle: CaseHandle }> {
  const ticketId = env.ticket();
  const complaint = complaintFor(ticketId, overrides);
  const caseNo = `${complaint.source}-${ticketId}`;
  const handle = await env.client.workflow.start<typeof complaintWorkflow>(COMPLAINT_WORKFLOW_TYPE, {
    taskQueue: env.taskQueue,
    workflowId: complaintWorkflowId(caseNo),
    args: [{ caseNo, complaint, receivedAt: new Date().toISOString(), process: { key: processKey } }],
  });
  started.push(handle.workflowId);
  return { caseNo, handle };
}

/**
 * Files a complaint through the API with the hotline intake key (the sample one unless `fields` say
 * otherwise) and waits until the case is routed with its deadline set.
 */
export async function fileThroughApi(env: TestEnv, fields: Record<string, unknown> = {}): Promise<{ caseNo: string; workflowId: string }> {
  const { source: _source, ...sample } = complaintFor(env.ticket('api'));
  const response = await env.call(await env.key('intake'), 'POST', '/v1/complaints', { ...sample, ...fields });
  expect(response.statusCode, response.body).toBe(201);
  const { caseNo } = response.json<{ caseNo: string }>();
  const workflowId = complaintWorkflowId(caseNo);
  await eventually(async () => ((await env.client.workflow.getHandle(workflowId).query(caseStateQuery)).deadline !== null ? true : undefined), { what: `case ${caseNo} to be routed` });
  return { caseNo, workflowId };
}

/** Waits until the case's live view satisfies `predicate`. */
export async function waitForCase(handle: CaseHandle, predicate: (view: CaseView) => boolean, what = 'case state', timeoutMs = 30_000): Promise<CaseView> {
  return eventually(
    async () => {
      const view = await handle.query(caseStateQuery);
      return predicate(view) ? view : undefined;
    },
    { what, timeoutMs, intervalMs: 200 },
  );
}

/** Runs an action update. */
export function act<T extends UpdateAction>(handle: CaseHandle, action: T, input: ActionInput<T>): Promise<CaseView> {
  return executeCaseUpdate(handle, actionUpdates[action] as (typeof actionUpdates)[UpdateAction], { args: [input as ActionInput<UpdateAction>] });
}

/** Expects an action to be refused with `reason`. */
export async function expectRefused<T extends UpdateAction>(handle: CaseHandle, action: T, input: ActionInput<T>, reason: string): Promise<void> {
  await expect(act(handle, action, input)).rejects.toMatchObject({ cause: { type: reason } });
}

/**
 * The PostgreSQL timeline of a case is complete and gap-free (seq 1 … the view's seq), and its newest entries
 * equal the workflow's own (the view carries the newest ones only).
 */
export async function expectTimelineProjected(env: TestEnv, handle: CaseHandle): Promise<void> {
  const view = await handle.query(caseStateQuery);
  const expected = view.timeline.map((e) => ({ seq: e.seq, action: e.action, actorRole: e.actor.role, reason: e.reason ?? null, toUnitId: e.toUnitId ?? null }));
  await eventually(
    async () => {
      const rows = await env.database.db.select().from(caseTimeline).where(eq(caseTimeline.workflowId, handle.workflowId)).orderBy(caseTimeline.seq);
      const gapFree = rows.length === view.seq && rows.every((r, i) => r.seq === i + 1);
      const actual = rows.slice(-expected.length).map((r) => ({ seq: r.seq, action: r.action, actorRole: r.actorRole, reason: r.reason, toUnitId: r.toUnitId }));
      return gapFree && JSON.stringify(actual) === JSON.stringify(expected) ? true : undefined;
    },
    { what: `the PostgreSQL timeline of ${handle.workflowId} to hold all ${view.seq} entries, its newest equal to the workflow's` },
  );
}

/**
 * With `npm run histories:record`, saves the histories of the workflows a scenario file ran (its cases,
 * plus `extra` workflow ids) as replay fixtures: tests/fixtures/histories/<name>-<n>.json, each the workflow
 * id and its history as a base64 protobuf (payloads in it are encrypted with the development key).
 */
export async function recordHistories(env: TestEnv, name: string, { cases = true, extra = [] }: { cases?: boolean; extra?: string[] } = {}): Promise<void> {
  if (!inject('recordHistories')) return;
  await mkdir(HISTORIES_DIR, { recursive: true });
  let index = 0;
  for (const workflowId of [...(cases ? started : []), ...extra]) {
    // Every run of the workflow, oldest first: a case that continued as new has several.
    const runs = [];
    for await (const run of env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run);
    runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
    for (const run of runs) {
      const history = await env.client.workflow.getHandle(workflowId, run.runId).fetchHistory();
      const encoded = Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish()).toString('base64');
      await writeFile(path.join(HISTORIES_DIR, `${name}-${String(++index).padStart(2, '0')}.json`), `${JSON.stringify({ workflowId, history: encoded }, null, 1)}\n`);
    }
  }
}
