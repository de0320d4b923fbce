/**
 * Which process a new case runs, as data: rules by portal, category or both, the most specific winning,
 * else the `complaint` process; admins read and replace them; the `loadProcess` activity applies them to a
 * case that gives no process key. The rules are global: this file adds its own next to any others and
 * puts the others back.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { LogNotifier } from '../../activities/notifier.js';
import { NotificationOutbox } from '../../activities/outbox.js';
import { processFor } from '../../db/process-rules.js';
import { deployTestProcess, testLimits } from '../helpers/cases.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';

type Rule = { source: string | null; category: string | null; processKey: string };
let env: TestEnv;
let admin: string;
let others: Rule[] = [];
const t = randomUUID().slice(0, 6).replace(/[^a-z]/g, 'x');
const portal = `kiosk${t}`;
const category = `snow-clearing-${t}`;

beforeAll(async () => {
  env = await createTestEnv({ worker: false });
  admin = await env.key('admin');
  others = (await env.call(admin, 'GET', '/v1/process-rules')).json<{ rules: Rule[] }>().rules;
});
afterAll(async () => {
  if (env) await env.call(admin, 'PUT', '/v1/process-rules', { rules: others });
  await env?.close();
});

describe('process rules', () => {
  it('refuses keys that are not deployed and rules that repeat a scope, changing nothing', async () => {
    const undeployed = await env.call(admin, 'PUT', '/v1/process-rules', { rules: [...others, { source: portal, processKey: `nowhere-${t}` }] });
    expect(undeployed.statusCode).toBe(422);
    expect(undeployed.json()).toMatchObject({ errors: [{ field: `body/rules/${others.length}/processKey`, message: `names no deployed process ("nowhere-${t}")` }] });
    const twice = await env.call(admin, 'PUT', '/v1/process-rules', { rules: [{ category, processKey: 'complaint' }, { category, source: null, processKey: 'complaint' }] });
    expect(twice.statusCode).toBe(422);
    expect(twice.json()).toMatchObject({ errors: [{ field: 'body/rules/1' }] });
    expect((await env.call(admin, 'GET', '/v1/process-rules')).json()).toMatchObject({ rules: others, default: 'complaint' });
    expect((await env.call(await env.key('supervisor', 'centre'), 'GET', '/v1/process-rules')).statusCode).toBe(403);
  });

  it('chooses the most specific rule for a new case, else the complaint process', async () => {
    const [byPortal, byCategory, byBoth] = await Promise.all([1, 2, 3].map(() => deployTestProcess(env, testLimits())));
    const rules = [
      { source: portal, processKey: byPortal! },
      { category, processKey: byCategory! },
      { source: portal, category, processKey: byBoth! },
    ];
    const put = await env.call(admin, 'PUT', '/v1/process-rules', { rules: [...others, ...rules] });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ names: { categories: {} } });
    expect(put.json<{ rules: Rule[] }>().rules).toEqual(
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
  });
});
