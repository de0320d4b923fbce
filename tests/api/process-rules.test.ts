/**
 * Which process a new case runs, as data: rules by portal, category or both, the most specific winning,
 * else the `complaint` process; admins read and replace them; the `loadProcess` activity applies them to a
 * case that gives no process key, and a new case's workflow runs what they choose. The rules are global:
 * this file adds its own next to any others and removes them after (tests/helpers/process-rules.ts).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { LogNotifier } from '../../activities/notifier.js';
import { NotificationOutbox } from '../../activities/outbox.js';
import { processFor } from '../../db/process-rules.js';
import { deployTestProcess, testLimits } from '../helpers/cases.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';
import { addProcessRules, removeProcessRules, type Rule } from '../helpers/process-rules.js';
import { caseStateQuery, complaintWorkflowId } from '../../workflows/messages.js';

let env: TestEnv;
let admin: string;
let mine: Rule[] = [];
const t = randomUUID().slice(0, 6).replace(/[^a-z]/g, 'x');
const portal = `kiosk${t}`;
const category = `snow-clearing-${t}`;

beforeAll(async () => {
  env = await createTestEnv();
  admin = await env.key('admin');
});
afterAll(async () => {
  if (env && mine.length > 0) await removeProcessRules(env, mine);
  await env?.close();
});

describe('process rules', () => {
  it('refuses keys that are not deployed, rules that repeat a scope, and a replacement of rules that changed since they were read, changing nothing', async () => {
    const read = await env.call(admin, 'GET', '/v1/process-rules');
    const etag = String(read.headers.etag);
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const others = read.json<{ rules: Rule[] }>().rules;
    const undeployed = await env.call(admin, 'PUT', '/v1/process-rules', { rules: [...others, { source: portal, processKey: `nowhere-${t}` }] });
    expect(undeployed.statusCode).toBe(422);
    expect(undeployed.json()).toMatchObject({ errors: [{ field: `body/rules/${others.length}/processKey`, message: `names no deployed process ("nowhere-${t}")` }] });
    const twice = await env.call(admin, 'PUT', '/v1/process-rules', { rules: [{ category, processKey: 'complaint' }, { category, source: null, processKey: 'complaint' }] });
    expect(twice.statusCode).toBe(422);
    expect(twice.json()).toMatchObject({ errors: [{ field: 'body/rules/1' }] });
    // Another admin's change made after our read is not silently undone.
    const stale = await env.app.inject({ method: 'PUT', url: '/v1/process-rules', headers: { authorization: `Bearer ${admin}`, 'if-match': '"0000"' }, payload: { rules: [] } });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ type: expect.stringContaining('rules-changed') });
    const after = (await env.call(admin, 'GET', '/v1/process-rules')).json<{ rules: Rule[]; default: string }>();
    expect(after.default).toBe('complaint');
    expect(after.rules.some((r) => r.source === portal || r.category === category)).toBe(false);
    expect((await env.call(await env.key('supervisor', 'centre'), 'GET', '/v1/process-rules')).statusCode).toBe(403);
  });

  it('chooses the most specific rule for a new case, else the complaint process', async () => {
    const [byPortal, byCategory, byBoth] = await Promise.all([1, 2, 3].map(() => deployTestProcess(env, testLimits())));
    const rules = [
      { source: portal, processKey: byPortal! },
      { category, processKey: byCategory! },
      { source: portal, category, processKey: byBoth! },
    ];
    mine = rules.map((r) => ({ source: null, category: null, ...r }));
    expect(await addProcessRules(env, mine)).toEqual(
      expect.arrayContaining([
        { source: portal, category: null, processKey: byPortal },
        { source: null, category, processKey: byCategory },
        { source: portal, category, processKey: byBoth },
      ]),
    );
    const { db } = env.database;
    expect(await processFor(db, { source: portal, category })).toBe(byBoth);
    expect(await processFor(db, { source: 'hotline', category })).toBe(byCategory);
    expect(await processFor(db, { source: portal, category: 'neighbour-dispute' })).toBe(byPortal);
    expect(await processFor(db, { source: `other${t}`, category: `other-${t}` })).toBe('complaint');

    // The activity a new case's workflow calls without a key.
    const outbox = new NotificationOutbox(db, new LogNotifier(env.logger), env.logger, { queue: env.taskQueue });
    const activities = createActivities({ db, logger: env.logger, outbox, client: env.client });
    expect((await activities.loadProcess({ key: null, version: null, source: portal, category })).definition.key).toBe(byBoth);
    expect((await activities.loadProcess({ key: null, version: null, source: `other${t}`, category: `other-${t}` })).definition.key).toBe('complaint');
    expect((await activities.loadProcess({ key: byPortal!, version: null, source: 'hotline', category })).definition.key).toBe(byPortal);

    // A case filed through the portal runs the process its rule chose, and the read model says which.
    const intake = await env.call(await env.key('intake', portal), 'POST', '/v1/complaints', {
      ticketId: env.ticket('rule'),
      title: 'Snow blocks the lane',
      description: 'Nobody has cleared the lane since Monday',
      category,
      location: { unitId: 'comm-heping-north' },
      citizen: { name: 'Wu Lan', phone: '13700000001' },
    });
    expect(intake.statusCode, intake.body).toBe(201);
    const { caseNo } = intake.json<{ caseNo: string }>();
    const handle = env.client.workflow.getHandle(complaintWorkflowId(caseNo));
    await eventually(async () => ((await handle.query(caseStateQuery)).process.key === byBoth ? true : undefined), { what: `case ${caseNo} to run ${byBoth}` });
  });
});
