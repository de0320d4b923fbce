/**
 * Replay safety: every recorded history (tests/fixtures/histories, `npm run histories:record`) replays
 * against the current workflow code; a non-deterministic change is caught.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, makeTelemetryFilterString, Runtime, Worker, type ReplayResult } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig, projectRoot } from '../../infra/config.js';
import { workerDataConverter } from '../../infra/temporal.js';
import { COMPLAINT_WORKFLOW_TYPE, MONTHLY_EVALUATION_WORKFLOW_TYPE, UNIT_ACCOUNTABILITY_WORKFLOW_TYPE } from '../../workflows/messages.js';
import { HISTORIES_DIR } from '../helpers/cases.js';

// Replays of the broken bundle fail on purpose; keep the SDK's own warnings about them out of the test output.
Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) } } });

async function fixtures(): Promise<Array<{ file: string; workflowId: string; history: proto.temporal.api.history.v1.IHistory }>> {
  // Subfolders keep the histories of earlier workflow versions (e.g. before-local-reads/): they must replay too.
  const files = (await readdir(HISTORIES_DIR, { recursive: true })).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => {
      const { workflowId, history } = JSON.parse(await readFile(path.join(HISTORIES_DIR, file), 'utf8')) as { workflowId: string; history: string };
      return { file, workflowId, history: proto.temporal.api.history.v1.History.decode(Buffer.from(history, 'base64')) };
    }),
  );
}

async function replayAll(workflowBundle: { codePath: string } | { code: string }, only: (file: string) => boolean = () => true): Promise<Array<ReplayResult & { file: string }>> {
  const recorded = (await fixtures()).filter((f) => only(f.file));
  const results: Array<ReplayResult & { file: string }> = [];
  const byId = new Map(recorded.map((r) => [r.workflowId, r.file]));
  for await (const result of Worker.runReplayHistories({ workflowBundle, dataConverter: workerDataConverter(loadConfig({})) }, recorded)) {
    results.push({ ...result, file: byId.get(result.workflowId) ?? '?' });
  }
  return results;
}

describe('replaying recorded histories', () => {
  it('replays every recorded history against the current code', { timeout: 120_000 }, async () => {
    const results = await replayAll({ codePath: inject('workflowBundlePath') });
    expect(results.length).toBeGreaterThanOrEqual(30);
    const types = new Set((await fixtures()).map((f) => f.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name));
    expect(types).toEqual(new Set([COMPLAINT_WORKFLOW_TYPE, UNIT_ACCOUNTABILITY_WORKFLOW_TYPE, MONTHLY_EVALUATION_WORKFLOW_TYPE]));
    expect(results.filter((r) => r.error).map((r) => `${r.file}: ${String(r.error)}`)).toEqual([]);
  });

  it('catches a non-deterministic change to the complaint workflow', { timeout: 120_000 }, async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(projectRoot, 'tests', 'fixtures', 'nondeterministic', 'workflows.ts'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    });
    const complaints = await replayAll({ code }, (file) => /^(lifecycle|deployments)-/.test(path.basename(file)));
    expect(complaints.length).toBeGreaterThan(5);
    for (const result of complaints) expect(String(result.error), result.file).toMatch(/Nondeterminism|DeterminismViolation/i);
  });
});
