/**
 * BPMN-driven cases against the real server: deployments make versions, cases pin theirs, a limit
 * changed in the XML changes new cases' deadlines, and a fourth level is followed end to end.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../domain/case.js';
import { projectRoot } from '../../infra/config.js';
import { shippedProcessXml } from '../../processes/shipped.js';
import { caseStateQuery } from '../../workflows/messages.js';
import { act, startCase, waitForCase, recordHistories } from '../helpers/cases.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
let admin: string;
const t = randomUUID().slice(0, 6);
const handler = (unitId: string): Actor => ({ role: 'handler', id: `h-${unitId}`, unitId });
const evaluator: Actor = { role: 'evaluator', id: 'callback' };

beforeAll(async () => {
  env = await createTestEnv();
  admin = await env.key('admin');
});
afterAll(async () => {
  await recordHistories(env, 'deployments');
  await env?.close();
});

/** The shipped model under a key of the test's own, with the community's sign-for limit set in the XML. */
async function shippedAs(key: string, communitySignLimit: string): Promise<string> {
  const xml = (await shippedProcessXml()).replace('<bpmn:process id="complaint"', `<bpmn:process id="${key}"`).replace('bpmnElement="complaint"', `bpmnElement="${key}"`);
  return xml.replace(/(<bpmn:userTask id="community-sign"[^>]*?) jiesu:limit="[^"]*" jiesu:limitUrgent="[^"]*"/, `$1 jiesu:limit="${communitySignLimit}" jiesu:limitUrgent="${communitySignLimit}"`);
}

const deploy = (xml: string) => env.app.inject({ method: 'POST', url: '/v1/process-definitions', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/xml' }, payload: xml });

describe('process deployments', () => {
  it('gives new cases a deadline from a limit changed only in the XML, while running cases keep their version', async () => {
    const key = `limits-${t}`;
    const v1 = await deploy(await shippedAs(key, 'PT5M'));
    expect(v1.statusCode).toBe(201);
    expect(v1.json()).toMatchObject({ key, version: 1, format: 'bpmn' });
    const before = await startCase(env, key);
    const first = await waitForCase(before.handle, (v) => v.deadline !== null);
    expect(Date.parse(first.deadline!) - Date.parse(first.stepSince)).toBe(5 * 60_000);

    const v2 = await deploy(await shippedAs(key, 'PT7M'));
    expect(v2.json()).toMatchObject({ key, version: 2 });
    const after = await startCase(env, key);
    const second = await waitForCase(after.handle, (v) => v.deadline !== null);
    expect(second.process).toEqual({ key, version: 2 });
    expect(Date.parse(second.deadline!) - Date.parse(second.stepSince)).toBe(7 * 60_000);
    expect((await before.handle.query('caseState')) as { process: unknown }).toMatchObject({ process: { key, version: 1 } });

    const listed = (await env.call(admin, 'GET', '/v1/process-definitions')).json<Array<{ key: string; version: number }>>();
    expect(listed.filter((d) => d.key === key).map((d) => d.version)).toEqual([2, 1]);
  });

  it('follows a model with a fourth level (grid → community → street → centre) end to end, while a version 1 case finishes on version 1', async () => {
    const key = `grids-${t}`;
    // The district adds grids under a community, and grid patrols to the responsibility list.
    const grid = `grid-${t}`;
    expect((await env.call(admin, 'POST', '/v1/units', { id: grid, name: 'Heping North Grid 1', level: 'grid', kind: 'grid', parentId: 'comm-heping-north' })).statusCode).toBe(201);
    const current = (await env.call(admin, 'GET', '/v1/responsibility-list')).json<{ items: Array<Record<string, unknown>> }>();
    const category = `grid-patrol-${t}`;
    // The list as GET answers it posts back as it is, with one matter more.
    const items = [...current.items, { category, name: 'Grid patrol finding', level: 'grid' }];
    expect((await env.call(admin, 'POST', '/v1/responsibility-list', { note: 'Grids added', items })).statusCode).toBe(201);

    expect((await deploy(await shippedAs(key, 'PT5M'))).json()).toMatchObject({ version: 1 });
    const old = await startCase(env, key);
    await waitForCase(old.handle, (v) => v.status === 'awaiting-sign' && v.deadline !== null);

    const fourLevels = (await readFile(path.join(projectRoot, 'tests', 'fixtures', 'processes', 'four-levels.bpmn'), 'utf8')).replace('PROCESS_KEY', key);
    expect((await deploy(fourLevels)).json()).toMatchObject({ key, version: 2 });
    const { handle } = await startCase(env, key, { category, location: { unitId: grid } });
    const atGrid = await waitForCase(handle, (v) => v.status === 'awaiting-sign' && v.level === 'grid');
    expect(atGrid).toMatchObject({ unitId: grid, process: { key, version: 2 } });
    // Nobody at the grid signs: after its limit the case escalates to the community.
    const atCommunity = await waitForCase(handle, (v) => v.level === 'community' && v.deadline !== null, 'escalation from the grid');
    expect(atCommunity.timeline.find((e) => e.action === 'escalated')).toMatchObject({ reason: 'timeout', fromLevel: 'grid', toLevel: 'community', fromUnitId: grid });
    await act(handle, 'signFor', { actor: handler('comm-heping-north') });
    await act(handle, 'resolve', { actor: handler('comm-heping-north'), reply: 'Cleared' });
    expect((await act(handle, 'evaluate', { actor: evaluator, rating: 'satisfied' })).status).toBe('closed');

    await act(old.handle, 'signFor', { actor: handler('comm-heping-north') });
    await act(old.handle, 'resolve', { actor: handler('comm-heping-north'), reply: 'Done' });
    const oldClosed = await act(old.handle, 'evaluate', { actor: evaluator, rating: 'satisfied' });
    expect(oldClosed).toMatchObject({ status: 'closed', process: { key, version: 1 } });
    // The whole timeline of the case pinned to version 1 (an update's answer carries only the entries it added).
    expect((await old.handle.query(caseStateQuery)).timeline.some((e) => e.toLevel === 'grid')).toBe(false);
  });

  it('refuses an unsupported element and a user task without a limit with their element ids, and only admins deploy', async () => {
    const bad = (await shippedAs(`bad-${t}`, 'PT5M'))
      .replace('<bpmn:exclusiveGateway id="reopen-gateway"', '<bpmn:complexGateway id="reopen-gateway"')
      .replace(/<\/bpmn:exclusiveGateway>(\s*<bpmn:exclusiveGateway id="unsatisfied-gateway")/, '</bpmn:complexGateway>$1')
      .replace(/(<bpmn:userTask id="street-sign"[^>]*?) jiesu:limit="[^"]*" jiesu:limitUrgent="[^"]*"/, '$1');
    const response = await deploy(bad);
    expect(response.statusCode).toBe(422);
    const problem = response.json<{ errors: Array<{ field: string; message: string }> }>();
    expect(problem.errors).toContainEqual({ field: 'reopen-gateway', message: expect.stringMatching(/ComplexGateway is not supported/) });
    expect(problem.errors).toContainEqual({ field: 'street-sign', message: expect.stringMatching(/needs a limit/) });
    expect((await env.call(admin, 'GET', '/v1/process-definitions')).json<Array<{ key: string }>>().some((d) => d.key === `bad-${t}`)).toBe(false);
    const asSupervisor = await env.app.inject({
      method: 'POST',
      url: '/v1/process-definitions',
      headers: { authorization: `Bearer ${await env.key('supervisor', 'centre')}`, 'content-type': 'application/xml' },
      payload: await shippedAs(`sup-${t}`, 'PT5M'),
    });
    expect(asSupervisor.statusCode).toBe(403);
  });
});
