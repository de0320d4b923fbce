/**
 * `npm run topology` end to end: temporal-server on PostgreSQL, two worker and two API processes. Runs in
 * the PostgreSQL pass of `npm test` (`npm run test:postgres`), where the server binaries are built.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../infra/postgres.js';
import { descendantPids, spawnService, type ServiceProcess } from '../infra/service-process.js';
import { eventually, fileStreetLightComplaint } from './helpers/env.js';

let dataDir: string | undefined;
const running: ServiceProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.kill('SIGKILL')));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const command = (pid: number): string => {
  try {
    return `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 120)}`;
  } catch {
    return `${pid} (gone)`;
  }
};

describe.runIf(inject('temporalServer') === 'postgres')('npm run topology', () => {
  it('runs temporal-server on PostgreSQL with two workers and two APIs, serves cases through either API, stops everything on Ctrl-C, and keeps them for the next run', { timeout: 480_000 }, async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'jiesu-topology-'));
    const apiPort = await freePort({ from: 40_000, to: 49_000 });
    const [temporalPort, uiPort, pgPort] = [await freePort(), await freePort(), await freePort()];
    const env = {
      PORT: String(apiPort),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      JIESU_DEV_PG_PORT: String(pgPort),
      JIESU_DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: '',
      DATABASE_URL: '',
      TEMPORAL_DATABASE_URL: '',
      JIESU_TEMPORAL_SERVER: '',
      LOG_LEVEL: 'warn',
    };
    const apis = [`http://localhost:${apiPort}`, `http://localhost:${apiPort + 1}`];
    const topology = spawnService('scripts/dev.ts', env, ['--server', 'postgres', '--workers', '2', '--apis', '2']);
    running.push(topology);
    await topology.waitFor(/Server log/, 240_000);
    const banner = topology.output();
    expect(banner).toContain('Jiesu is running on temporal-server 1.29.1 with PostgreSQL: 2 workers and 2 API processes.');
    expect(banner).toContain(`API 1          ${apis[0]}`);
    expect(banner).toContain(`API 2          ${apis[1]}`);
    expect(banner).toContain(`Temporal UI    http://localhost:${uiPort}`);
    expect(banner).toContain(`Temporal       127.0.0.1:${temporalPort} (namespace default)`);
    const workerPids = /Workers\s+2 on task queue jiesu-cases \(pids (\d+), (\d+)\)/.exec(banner)!.slice(1).map(Number);
    expect(workerPids).toHaveLength(2);
    expect((await fetch(`http://localhost:${uiPort}`)).status).toBe(200);

    // The server keeps workflows and visibility in PostgreSQL, and both workers poll it.
    const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
    const info = await connection.workflowService.getClusterInfo({});
    expect([info.persistenceStore, info.visibilityStore]).toEqual(['postgres12', 'postgres12']);
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: 'jiesu-cases' },
      taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    expect(new Set(pollers.map((p) => Number(p.identity?.split('@')[0])))).toEqual(new Set(workerPids));

    // File through the second API, read through the first.
    const keys = JSON.parse(await readFile(path.join(dataDir, 'topology', 'dev-keys.json'), 'utf8')) as Record<string, string>;
    const created = await fileStreetLightComplaint(apis[1]!, keys.intake!, 'TOPO-1');
    expect(created.status).toBe(201);
    const { caseNo, workflowId } = (await created.json()) as { caseNo: string; workflowId: string };
    const read = () => fetch(`${apis[0]}/v1/complaints/${caseNo}`, { headers: { authorization: `Bearer ${keys.admin}` } });
    const routed = await eventually(async () => {
      const body = (await (await read()).json()) as { status?: string; unitId?: string };
      return body.status === 'awaiting-sign' ? body : undefined;
    });
    expect(routed.unitId).toBe('street-xinhua');
    // The operator's filter finds it through PostgreSQL visibility.
    const found = await eventually(async () => {
      const { executions } = await connection.workflowService.listWorkflowExecutions({ namespace: 'default', query: "JiesuUnit = 'street-xinhua' AND JiesuStatus = 'awaiting-sign'" });
      return executions.length > 0 ? executions : undefined;
    });
    expect(found.map((e) => e.execution?.workflowId)).toEqual([workflowId]);
    await connection.close();

    const processes = descendantPids(topology.child.pid!);
    expect(processes.length).toBeGreaterThanOrEqual(7); // 2 workers, 2 APIs, temporal-server, the UI server, PostgreSQL
    topology.child.kill('SIGINT');
    expect(await new Promise<number | null>((resolve) => topology.child.once('exit', (c) => resolve(c)))).toBe(0);
    expect(topology.output()).toContain('Stopped.');
    // Helpers such as tsx's esbuild service notice their parent is gone a moment later.
    await eventually(async () => (processes.some(alive) ? undefined : true), { timeoutMs: 10_000, what: `every process to exit: ${processes.filter(alive).map(command).join('; ')}` });

    // A second run on the same data: schemas and namespace are already there, the case is still waiting.
    const again = spawnService('scripts/dev.ts', env, ['--server', 'postgres']);
    running.push(again);
    await again.waitFor(/Server log/, 240_000);
    expect(again.output()).toContain('1 worker and 1 API process.');
    const after = (await (await read()).json()) as { status: string; unitId: string };
    expect(after).toMatchObject({ status: 'awaiting-sign', unitId: 'street-xinhua' });
    again.child.kill('SIGINT');
    expect(await new Promise<number | null>((resolve) => again.child.once('exit', (c) => resolve(c)))).toBe(0);
  });
});
