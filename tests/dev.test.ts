import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../infra/postgres.js';
import { eventually, fileStreetLightComplaint } from './helpers/env.js';
import { spawnService, type ServiceProcess } from '../infra/service-process.js';

let dataDir: string | undefined;
const running: ServiceProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.kill('SIGKILL')));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('npm run dev', () => {
  // Two cold starts of the whole stack (Temporal, PostgreSQL, worker, API), each allowed 180 s below.
  it('brings the stack up, prints the three URLs, stops cleanly on Ctrl-C, and keeps the cases for the next run', { timeout: 420_000 }, async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'jiesu-dev-'));
    const [apiPort, temporalPort, uiPort, pgPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const env = {
      PORT: String(apiPort),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      JIESU_DEV_PG_PORT: String(pgPort),
      JIESU_DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: '',
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
    };
    const api = `http://localhost:${apiPort}`;

    const first = spawnService('scripts/dev.ts', env);
    running.push(first);
    await first.waitFor(/Temporal UI/, 180_000);
    expect(first.output()).toContain(`API            ${api}`);
    expect(first.output()).toContain(`OpenAPI docs   ${api}/docs`);
    expect(first.output()).toContain(`Workbench      ${api}/app/`);
    expect((await fetch(`${api}/app/`)).headers.get('content-type')).toMatch(/text\/html/);
    expect(first.output()).toContain(`Temporal UI    http://localhost:${uiPort}`);
    expect((await fetch(`http://localhost:${uiPort}`)).status).toBe(200);
    expect((await fetch(`${api}/docs`)).status).toBe(200);

    const keys = JSON.parse(await readFile(path.join(dataDir, 'dev-keys.json'), 'utf8')) as Record<string, string>;
    const created = await fileStreetLightComplaint(api, keys.intake!, 'DEV-1');
    expect(created.status).toBe(201);
    const { caseNo } = (await created.json()) as { caseNo: string };
    const read = () => fetch(`${api}/v1/complaints/${caseNo}`, { headers: { authorization: `Bearer ${keys.admin}` } });
    const before = await eventually(async () => {
      const response = await read();
      const body = (await response.json()) as { status?: string; unitId?: string };
      return body.status === 'awaiting-sign' ? body : undefined;
    });
    expect(before.unitId).toBe('street-xinhua');

    first.child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => first.child.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(first.output()).toContain('Stopped.');

    const second = spawnService('scripts/dev.ts', env);
    running.push(second);
    await second.waitFor(/Temporal UI/, 180_000);
    const after = (await (await read()).json()) as { status: string; unitId: string };
    expect(after).toMatchObject({ status: 'awaiting-sign', unitId: 'street-xinhua' });
    second.child.kill('SIGINT');
    expect(await new Promise<number | null>((resolve) => second.child.once('exit', (c) => resolve(c)))).toBe(0);
  });
});
