/**
 * Arbitration rulings as proposed changes to the responsibility list: written when the ruling reaches the
 * read model, listed with their cases, published by an admin as the next list version in one call (or
 * dismissed), after which the next case of the matter routes to the ruled owner and its co-departments.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { LogNotifier } from '../../activities/notifier.js';
import { NotificationOutbox } from '../../activities/outbox.js';
import { arbitrationRulings } from '../../db/schema.js';
import type { TimelineEntry } from '../../domain/case.js';
import { proposedOwner } from '../../domain/rulings.js';
import { caseStateQuery, complaintWorkflowId, type CaseView } from '../../workflows/messages.js';
import { eventually, createTestEnv, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
let activities: ReturnType<typeof createActivities>;
const t = randomUUID().slice(0, 6);
const beauty = `beauty-procedure-${t}`;
const tattoo = `tattoo-removal-${t}`;
const retired = `dept-retired-${t}`;

beforeAll(async () => {
  env = await createTestEnv();
  const outbox = new NotificationOutbox(env.database.db, new LogNotifier(env.logger), env.logger, { queue: env.taskQueue });
  activities = createActivities({ db: env.database.db, logger: env.logger, outbox, client: env.client });
  const created = await env.call(await env.key('admin'), 'POST', '/v1/units', { id: retired, name: '即将撤销的局', level: 'district', kind: 'department', parentId: 'centre' });
  expect(created.statusCode, created.body).toBe(201);
});
afterAll(async () => {
  await env?.close();
});

async function file(category: string): Promise<string> {
  const response = await env.call(await env.key('intake', 'hotline'), 'POST', '/v1/complaints', {
    ticketId: env.ticket('ruling'),
    title: 'A cosmetic procedure went wrong',
    description: 'A salon offered an injection; the citizen fell ill.',
    category,
    location: { unitId: 'comm-heping-north' },
    citizen: { name: 'Chen Jing', phone: '13700000000' },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ caseNo: string }>().caseNo;
}

const view = (caseNo: string) => env.client.workflow.getHandle(complaintWorkflowId(caseNo)).query(caseStateQuery);
const waitFor = (caseNo: string, predicate: (v: CaseView) => boolean, what: string) => eventually(async () => ((v) => (predicate(v) ? v : undefined))(await view(caseNo)), { what });

async function post(role: 'dispatcher' | 'handler' | 'supervisor' | 'admin', unit: string | undefined, url: string, body: unknown = {}) {
  const response = await env.call(await env.key(role, unit), 'POST', url, body);
  expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
  return response.json<Record<string, unknown>>();
}

describe('arbitration rulings', () => {
  it('records a ruling, lists it with its case, and publishes it so the next case routes to the ruled owner', async () => {
    // A matter nobody owns: the centre's dispatcher sends it to departments, and each returns it.
    const first = await file(beauty);
    await waitFor(first, (v) => v.status === 'awaiting-dispatch' && v.unitId === 'centre', 'the unknown matter at the centre dispatcher');
    for (const department of ['dept-market', 'dept-health', 'dept-market']) {
      await post('dispatcher', 'centre', `/v1/complaints/${first}/dispatch`, { unitId: department });
      await post('handler', department, `/v1/complaints/${first}/return`, { reason: 'Neither lifestyle nor medical: not ours' });
    }
    await waitFor(first, (v) => v.status === 'awaiting-arbitration', 'arbitration');
    await post('supervisor', 'centre', `/v1/complaints/${first}/arbitration`, { unitId: 'dept-market', ruling: 'Cosmetic procedures in salons are a market matter' });

    const supervisor = await env.key('supervisor', 'centre');
    const listed = await eventually(async () => {
      const page = (await env.call(supervisor, 'GET', '/v1/rulings?status=proposed')).json<{ items: Array<Record<string, unknown>>; names: { units: Record<string, string> } }>();
      const ruling = page.items.find((r) => r.caseNo === first);
      return ruling ? { ruling, names: page.names } : undefined;
    }, { what: 'the ruling in the read model' });
    expect(listed.ruling).toMatchObject({
      category: beauty,
      level: 'district',
      leadUnitId: 'dept-market',
      coUnitIds: [],
      ruling: 'Cosmetic procedures in salons are a market matter',
      status: 'proposed',
      listVersion: null,
      case: { caseNo: first, category: beauty, unitId: 'dept-market', links: { self: `/v1/complaints/${first}` } },
    });
    expect(listed.names.units['dept-market']).toBe('区市场监督管理局');
    // A street's supervisor sees no ruling on a case its area never held.
    expect(((await env.call(await env.key('supervisor', 'street-binhe'), 'GET', '/v1/rulings')).json<{ items: Array<{ caseNo: string }> }>()).items.map((r) => r.caseNo)).not.toContain(first);

    const id = listed.ruling.id as string;
    const before = (await env.call(supervisor, 'GET', '/v1/responsibility-list')).json<{ version: number; items: Array<{ category: string }> }>();
    expect((await env.call(supervisor, 'POST', `/v1/rulings/${id}/publish`, {})).statusCode).toBe(403);
    const published = await post('admin', undefined, `/v1/rulings/${id}/publish`, { name: '美容项目' });
    expect(published).toMatchObject({ id, status: 'published', names: { categories: { [beauty]: '美容项目' } } });
    expect(published.listVersion).toBeGreaterThan(before.version);
    const list = (await env.call(supervisor, 'GET', `/v1/responsibility-list?version=${published.listVersion as number}`)).json<{ items: Array<Record<string, unknown>> }>();
    expect(list.items.find((i) => i.category === beauty)).toEqual({ category: beauty, name: '美容项目', nameEn: null, level: 'district', departmentId: 'dept-market', coDepartmentIds: [] });
    // The rest of the list is the list that was in force.
    expect(list.items.filter((i) => i.category !== beauty).map((i) => i.category)).toEqual(expect.arrayContaining(before.items.map((i) => i.category).filter((c) => c !== beauty)));
    expect((await env.call(await env.key('admin'), 'POST', `/v1/rulings/${id}/publish`, {})).statusCode).toBe(409);
    expect((await env.call(await env.key('admin'), 'POST', `/v1/rulings/${id}/dismiss`, {})).statusCode).toBe(409);

    // The next case of the matter goes straight to market supervision.
    const second = await file(beauty);
    const routed = await waitFor(second, (v) => v.unitId !== null && v.deadline !== null, 'the second case routed');
    expect(routed).toMatchObject({ unitId: 'dept-market', level: 'district', routedLevel: 'district' });
  });

  it('reads the ruling shape with a lead and co-departments, once however often it is projected, and routes with the active co-departments', async () => {
    const caseNo = `synthetic-${t}`;
    const workflowId = complaintWorkflowId(caseNo);
    const base = await view(await file('neighbour-dispute'));
    const entry: TimelineEntry = {
      seq: 7,
      at: new Date().toISOString(),
      action: 'arbitrated',
      actor: { role: 'supervisor', id: 'key-centre', unitId: 'centre' },
      reason: 'Market supervision leads; health joins',
      toUnitId: 'dept-market',
      toLevel: 'district',
      detail: { onTime: true, proposedListChange: { category: tattoo, level: 'district', lead: 'dept-market', co: ['dept-health', retired] } },
    };
    const snapshot = { ...base, caseNo, workflowId, ticketId: caseNo, category: tattoo, seq: 7 };
    await activities.projectCase({ snapshot, entries: [entry] });
    await activities.projectCase({ snapshot, entries: [entry] });
    const rows = await env.database.db.select().from(arbitrationRulings).where(eq(arbitrationRulings.caseNo, caseNo));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: `${workflowId}:7`, category: tattoo, level: 'district', leadUnitId: 'dept-market', coUnitIds: ['dept-health', retired], ruledBy: 'key-centre', status: 'proposed' });

    const admin = await env.key('admin');
    const published = await post('admin', undefined, `/v1/rulings/${rows[0]!.id}/publish`, { name: '纹身清除', nameEn: 'Tattoo removal' });
    const item = (await env.call(admin, 'GET', `/v1/responsibility-list?version=${published.listVersion as number}`)).json<{ items: Array<Record<string, unknown>>; names: { units: Record<string, string> } }>();
    expect(item.items.find((i) => i.category === tattoo)).toMatchObject({ departmentId: 'dept-market', coDepartmentIds: ['dept-health', retired], name: '纹身清除', nameEn: 'Tattoo removal' });
    expect(item.names.units).toMatchObject({ 'dept-market': '区市场监督管理局', 'dept-health': '区卫生健康委员会', [retired]: '即将撤销的局' });

    // A co-department that has since closed is left out of routing; the lead and the active one remain.
    expect((await env.call(admin, 'PATCH', `/v1/units/${retired}`, { active: false })).statusCode).toBe(200);
    const route = await activities.routeComplaint({ category: tattoo, locationUnitId: 'comm-heping-north' });
    expect(route).toMatchObject({ kind: 'owner', level: 'district', departmentId: 'dept-market', listVersion: published.listVersion });
    expect(route.coDepartments).toEqual([{ id: 'dept-health', name: '区卫生健康委员会', level: 'district', kind: 'department' }]);
    // A new case of the matter goes to market supervision, with health joining it.
    const next = await file(tattoo);
    expect(await waitFor(next, (v) => v.lead !== null, 'the tattoo case at its lead')).toMatchObject({ lead: 'dept-market', coDepartments: ['dept-health'] });
    // A ruling whose units are no longer active departments cannot be published.
    await activities.projectCase({ snapshot: { ...snapshot, seq: 8 }, entries: [{ ...entry, seq: 8 }] });
    const stale = await env.call(admin, 'POST', `/v1/rulings/${workflowId}:8/publish`, {});
    expect(stale.statusCode, stale.body).toBe(422);
    expect(stale.json()).toMatchObject({ errors: [{ field: 'coUnitIds/1', message: 'is not an active department' }] });
    const dismissed = await post('admin', undefined, `/v1/rulings/${workflowId}:8/dismiss`);
    expect(dismissed).toMatchObject({ status: 'dismissed', listVersion: null });
    expect((await env.call(admin, 'POST', `/v1/rulings/${workflowId}:99/dismiss`, {})).statusCode).toBe(404);
    // Publishing needs no body.
    expect((await env.app.inject({ method: 'POST', url: `/v1/rulings/${workflowId}:99/publish`, headers: { authorization: `Bearer ${admin}` } })).statusCode).toBe(404);
    // The list in force names the closed department: other files that post that list back as it is (the
    // workbench's admin, process deployments) would be refused while it stays closed, so it opens again.
    expect((await env.call(admin, 'PATCH', `/v1/units/${retired}`, { active: true })).statusCode).toBe(200);
  });

  it('reads the older ruling shape (one owner) and lets the list API write co-departments', async () => {
    const older: TimelineEntry = {
      seq: 3,
      at: new Date().toISOString(),
      action: 'arbitrated',
      actor: { role: 'supervisor', id: 'k' },
      reason: 'Parking is a street matter',
      toUnitId: 'street-heping',
      toLevel: 'street',
      detail: { proposedListChange: { category: 'old-estate-parking', owner: 'street-heping' } },
    };
    expect(proposedOwner(older, 'x')).toEqual({ category: 'old-estate-parking', level: 'street', lead: 'street-heping', co: [] });
    expect(proposedOwner({ ...older, action: 'dispatched' }, 'x')).toBeUndefined();

    const admin = await env.key('admin');
    const bad = await env.call(admin, 'POST', '/v1/responsibility-list', {
      note: 'x',
      items: [{ category: 'a-b', name: 'A', level: 'district', departmentId: 'dept-market', coDepartmentIds: ['dept-market', 'street-heping'] }],
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json<{ errors: unknown[] }>().errors).toEqual([
      { field: 'body/items/0/coDepartmentIds/0', message: 'is the lead department' },
      { field: 'body/items/0/coDepartmentIds/1', message: 'is not an active department' },
    ]);
  });
});
