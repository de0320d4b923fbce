/** List queries use indexes on a read model of 100k cases (one in fifty with a summoned department) (checked with EXPLAIN, in a database of the test's own). */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { caseListQuery, encodeCursor, type CaseListFilters, type CaseListOptions, type CaseScope } from '../../db/case-queries.js';
import { createDb, type Database } from '../../db/client.js';
import { migrateDatabase } from '../../db/migrate.js';

const ROWS = 100_000;
const name = `jiesu_explain_${randomUUID().slice(0, 8)}`;
let admin: pg.Client;
let database: Database;

beforeAll(async () => {
  const url = new URL(inject('databaseUrl'));
  admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  url.pathname = `/${name}`;
  database = createDb({ url: url.toString(), max: 2 });
  await migrateDatabase(database.pool);
  // A year of cases across one district, 10 portals and 100 units, seeded in one statement.
  await database.pool.query(
    `INSERT INTO cases (case_no, workflow_id, source, ticket_id, title, category, urgency, status, district_id, routed_level, level, unit_id, step,
                        deadline, warning, overdue, overdue_at_top, escalations, holders, summoned, seq, received_at, step_since, closed_at)
     SELECT 'p' || (i % 10) || '-' || i, 'complaint-p' || (i % 10) || '-' || i, 'p' || (i % 10), i::text,
            (ARRAY['loud music', 'broken lift', 'parking', 'garbage', 'water leak', 'street light'])[1 + i % 6] || ' ' || md5(i::text),
            (ARRAY['neighbour-dispute', 'property-management', 'food-safety'])[1 + i % 3], CASE WHEN i % 7 = 0 THEN 'urgent' ELSE 'normal' END,
            s.status, 'd1', 'community', 'community', 'u' || (i % 100), 'community-sign',
            CASE WHEN s.status LIKE 'closed%' THEN NULL ELSE now() + ((i % 500) || ' minutes')::interval END,
            i % 11 = 0, i % 13 = 0, false, i % 3, ARRAY['u' || (i % 100), 's' || (i % 10)],
            CASE WHEN i % 50 = 0 THEN ARRAY['dept' || (i % 7)] ELSE '{}'::text[] END, 3,
            now() - ((i % 525600) || ' minutes')::interval, now() - ((i % 9000) || ' minutes')::interval,
            CASE WHEN s.status LIKE 'closed%' THEN now() - ((i % 1000) || ' minutes')::interval END
     FROM generate_series(1, ${ROWS}) AS i
     CROSS JOIN LATERAL (SELECT (ARRAY['closed', 'closed', 'closed', 'closed', 'awaiting-sign', 'handling', 'awaiting-evaluation', 'closed-unevaluated'])[1 + i % 8] AS status) s`,
  );
  await database.pool.query('ANALYZE cases');
}, 180_000);
afterAll(async () => {
  await database?.close();
  await admin?.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin?.end();
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

async function plan(filters: CaseListFilters, scope: CaseScope, options: CaseListOptions): Promise<PlanNode[]> {
  const { sql, params } = caseListQuery(database.db, filters, scope, options).toSQL();
  const result = await database.pool.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
  return nodes(result.rows[0]!['QUERY PLAN'][0]!.Plan);
}

const page: CaseListOptions = { sort: '-created', limit: 50 };
const cases: Array<[string, CaseListFilters, CaseScope, CaseListOptions]> = [
  ['the newest cases (admin)', {}, { kind: 'all' }, page],
  ['a portal\'s own cases', {}, { kind: 'source', source: 'p3' }, page],
  ['what a unit has held', {}, { kind: 'held', unitIds: ['u17'] }, page],
  ['what a unit may read (held or summoned to)', {}, { kind: 'read', unitIds: ['u17'] }, page],
  ['the cases a department was summoned to', { summonedUnitId: 'dept3', open: true }, { kind: 'read', unitIds: ['dept3'] }, { sort: 'deadline', limit: 50 }],
  ['unsigned cases by deadline', { status: ['awaiting-sign'] }, { kind: 'all' }, { sort: 'deadline', limit: 50 }],
  ['free text in the title', { q: '3f9c' }, { kind: 'all' }, page],
  ['cases stuck in a step', { waitingSince: new Date(Date.now() - 6 * 86_400_000) }, { kind: 'all' }, { sort: 'waiting', limit: 50 }],
  ['a later page', {}, { kind: 'all' }, { ...page, cursor: encodeCursor(new Date(Date.now() - 86_400_000).toISOString(), 'p5-99') }],
  ['a district in a date range', { districtId: 'd1', createdFrom: new Date(Date.now() - 7 * 86_400_000), createdTo: new Date(Date.now() - 86_400_000) }, { kind: 'all' }, page],
];

describe(`list queries on ${ROWS.toLocaleString('en')} cases`, () => {
  it.each(cases)('%s uses an index, never a sequential scan of cases', async (_what, filters, scope, options) => {
    const used = await plan(filters, scope, options);
    const onCases = used.filter((n) => n['Relation Name'] === 'cases');
    expect(onCases.map((n) => n['Node Type'])).not.toContain('Seq Scan');
    const indexes = used.flatMap((n) => (n['Index Name'] ? [n['Index Name']] : []));
    expect(indexes.some((i) => i.startsWith('cases_')), `indexes used: ${indexes.join(', ') || 'none'}`).toBe(true);
  });
});
