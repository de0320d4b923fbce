/**
 * Names people read: the sample district carries Chinese display names (English kept), every answer that
 * mentions a unit or a category by id carries their names, and a database seeded with the old English
 * names gets the Chinese ones from the migration step — except where an admin renamed a row.
 */
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATEGORY_FIELDS, UNIT_FIELDS } from '../../api/names.js';
import { createDb } from '../../db/client.js';
import { prepareDatabase } from '../../db/prepare.js';
import { responsibilityItems, units } from '../../db/schema.js';
import { caseStateQuery, complaintWorkflowId } from '../../workflows/messages.js';
import { createTestEnv, eventually, startSeededPostgres, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
let caseNo: string;
const HEPING = { 'comm-heping-north': '和平北社区', 'street-heping': '和平街道', centre: '示范区联合调度中心' };

beforeAll(async () => {
  env = await createTestEnv();
  const response = await env.call(await env.key('intake', 'hotline'), 'POST', '/v1/complaints', {
    ticketId: env.ticket('names'),
    title: 'Drilling at night',
    description: 'The neighbour drills after midnight',
    category: 'neighbour-dispute',
    location: { unitId: 'comm-heping-north' },
    citizen: { name: 'Wang Fang', phone: '13800000000' },
  });
  caseNo = response.json<{ caseNo: string }>().caseNo;
  await eventually(async () => ((await env.client.workflow.getHandle(complaintWorkflowId(caseNo)).query(caseStateQuery)).deadline !== null ? true : undefined));
});
afterAll(async () => {
  await env?.close();
});

type Named = { names: { units: Record<string, string>; categories: Record<string, string> } };

describe('names beside ids', () => {
  it('in the case view, a case action answer and the timeline', async () => {
    const admin = await env.key('admin');
    const view = (await env.call(admin, 'GET', `/v1/complaints/${caseNo}`)).json<Named>();
    expect(view.names).toEqual({ units: HEPING, categories: { 'neighbour-dispute': '邻里纠纷' } });
    const signed = await env.call(await env.key('handler', 'comm-heping-north'), 'POST', `/v1/complaints/${caseNo}/sign-for`, {});
    expect(signed.statusCode, signed.body).toBe(200);
    expect(signed.json<Named>().names.units).toMatchObject({ 'comm-heping-north': '和平北社区' });
    // The departments a community summons are in the view, with their names.
    const summoned = await env.call(await env.key('handler', 'comm-heping-north'), 'POST', `/v1/complaints/${caseNo}/summons`, { departmentIds: ['dept-urban', 'dept-sanitation'], tier: 'routine', note: 'The refuse station overflows' });
    expect(summoned.statusCode, summoned.body).toBe(200);
    const withSummons = summoned.json<Named & { summons: Array<{ by: string; tier: string; departments: Array<{ unitId: string }> }> }>();
    expect(withSummons.summons).toMatchObject([{ by: 'comm-heping-north', tier: 'routine', departments: [{ unitId: 'dept-urban' }, { unitId: 'dept-sanitation' }] }]);
    expect(withSummons.names.units).toMatchObject({ 'dept-urban': '区城市管理综合行政执法局', 'dept-sanitation': '区环境卫生管理局' });
    const timeline = await eventually(async () => {
      const body = (await env.call(admin, 'GET', `/v1/complaints/${caseNo}/timeline`)).json<Named & { entries: unknown[] }>();
      return body.entries.length >= 2 ? body : undefined;
    });
    expect(timeline.names.units).toMatchObject({ 'comm-heping-north': '和平北社区' });
  });

  it('in rankings and performance, and English kept on units and the list', async () => {
    const supervisor = await env.key('supervisor', 'centre');
    expect((await env.call(supervisor, 'GET', '/v1/rankings?period=2025-01&district=centre')).json<Named>().names.units).toEqual({ centre: '示范区联合调度中心' });
    expect((await env.call(supervisor, 'GET', '/v1/units/dept-market/performance?period=2025-01')).json<Named>().names.units).toEqual({ 'dept-market': '区市场监督管理局' });
    const unitList = (await env.call(supervisor, 'GET', '/v1/units')).json<Array<Record<string, unknown>>>();
    expect(unitList.find((u) => u.id === 'street-binhe')).toMatchObject({ name: '滨河街道', nameEn: 'Binhe Street' });
    const list = (await env.call(supervisor, 'GET', '/v1/responsibility-list')).json<Named & { items: Array<Record<string, unknown>> }>();
    expect(list.items.find((i) => i.category === 'food-safety')).toMatchObject({ name: '食品安全', nameEn: 'Food safety', departmentId: 'dept-market', coDepartmentIds: [] });
    expect(list.names.units['dept-market']).toBe('区市场监督管理局');
  });

  it('on every answer of the OpenAPI document that mentions units or categories by id', async () => {
    const doc = (await env.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>; components: { schemas: Record<string, unknown> } }>();
    const resolve = (schema: unknown): Record<string, unknown> => {
      const ref = (schema as { $ref?: string }).$ref;
      return ref ? resolve(doc.components.schemas[ref.split('/').at(-1)!]) : (schema as Record<string, unknown>);
    };
    /** Whether a schema has a unit or category field anywhere (not counting `names`). */
    const mentions = (schema: unknown, depth = 0): boolean => {
      if (!schema || typeof schema !== 'object' || depth > 12) return false;
      const s = resolve(schema);
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      if (Object.keys(properties).some((k) => UNIT_FIELDS.has(k) || CATEGORY_FIELDS.has(k))) return true;
      return [...Object.entries(properties).filter(([k]) => k !== 'names').map(([, v]) => v), s.items, ...((s.anyOf ?? s.oneOf ?? []) as unknown[])].some((inner) => mentions(inner, depth + 1));
    };
    // Units are their own names; Open311 answers in its spec's format (service_name, address); the codec's
    // and workbench sessions say which key signed in; strikes and sanctions of one unit are the accountability engineer's.
    const exempt = /^(GET|POST|PATCH) \/v1\/units(\/\{unitId\})?$|\/open311\/|^(GET|POST) \/(codec|app\/api)\/session$|\/v1\/units\/\{unitId\}\/accountability/;
    const missing = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).flatMap(([method, op]) => {
        const route = `${method.toUpperCase()} ${path}`;
        return Object.entries(op.responses ?? {})
          .filter(([status]) => status.startsWith('2'))
          .flatMap(([status, r]) => {
            const schema = r.content?.['application/json']?.schema;
            if (!schema || exempt.test(route) || !mentions(schema)) return [];
            return (resolve(schema).properties as Record<string, unknown> | undefined)?.names ? [] : [`${route} ${status}`];
          });
      }),
    );
    expect(missing).toEqual([]);
  });
});

describe('the sample district renamed by the migration step', () => {
  it('gives rows that still carry the old English names their Chinese names, and keeps names an admin chose', { timeout: 120_000 }, async () => {
    const postgres = await startSeededPostgres();
    const database = createDb({ url: postgres.url, max: 2 });
    try {
      const { db } = database;
      // As a database seeded before the names were Chinese: English names, no English column.
      await db.update(units).set({ name: 'Heping Street', nameEn: null }).where(eq(units.id, 'street-heping'));
      await db.update(units).set({ name: 'Health Commission', nameEn: null }).where(eq(units.id, 'dept-health'));
      await db.update(units).set({ name: 'Our own name for the water bureau', nameEn: null }).where(eq(units.id, 'dept-water'));
      await db.update(responsibilityItems).set({ name: 'Food safety', nameEn: null }).where(eq(responsibilityItems.category, 'food-safety'));
      await prepareDatabase(postgres.url, { sampleDistrict: false });
      const renamed = await db.select({ id: units.id, name: units.name, nameEn: units.nameEn }).from(units).where(inArray(units.id, ['street-heping', 'dept-health', 'dept-water'])).orderBy(units.id);
      expect(renamed).toEqual([
        { id: 'dept-health', name: '区卫生健康委员会', nameEn: 'Health Commission' },
        { id: 'dept-water', name: 'Our own name for the water bureau', nameEn: null },
        { id: 'street-heping', name: '和平街道', nameEn: 'Heping Street' },
      ]);
      const [food] = await db.select({ name: responsibilityItems.name, nameEn: responsibilityItems.nameEn }).from(responsibilityItems).where(eq(responsibilityItems.category, 'food-safety'));
      expect(food).toEqual({ name: '食品安全', nameEn: 'Food safety' });
    } finally {
      await database.close();
      await postgres.destroy();
    }
  });
});
