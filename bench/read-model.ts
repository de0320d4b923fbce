import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { caseStatistics, listCases } from '../db/case-queries.js';
import { createDb } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { percentile, Progress, round } from './progress.js';
import type { BenchStack } from './stack.js';

export interface ReadModelRow {
  rows: number;
  query: string;
  p50Ms: number;
  p95Ms: number;
}

const QUERIES: Array<[string, (db: Parameters<typeof listCases>[0]) => Promise<unknown>]> = [
  ['newest cases (admin list)', (db) => listCases(db, {}, { kind: 'all' }, { sort: '-created', limit: 50 })],
  ['a portal\'s cases', (db) => listCases(db, {}, { kind: 'source', source: 'p3' }, { sort: '-created', limit: 50 })],
  ['what a unit has held', (db) => listCases(db, {}, { kind: 'held', unitIds: ['u17'] }, { sort: '-created', limit: 50 })],
  ['unsigned, by deadline', (db) => listCases(db, { status: ['awaiting-sign'] }, { kind: 'all' }, { sort: 'deadline', limit: 50 })],
  ['title search', (db) => listCases(db, { q: 'lift' }, { kind: 'all' }, { sort: '-created', limit: 50 })],
  ['stuck over 6 days', (db) => listCases(db, { waitingSince: new Date(Date.now() - 6 * 86_400_000) }, { kind: 'all' }, { sort: 'waiting', limit: 50 })],
  ['statistics, district, 30 days', (db) => caseStatistics(db, { from: new Date(Date.now() - 30 * 86_400_000), to: new Date(), scope: { kind: 'all' }, districtId: 'd1' })],
  ['statistics, one street, 30 days', (db) => caseStatistics(db, { from: new Date(Date.now() - 30 * 86_400_000), to: new Date(), scope: { kind: 'held', unitIds: ['s3', 'u3', 'u13', 'u23'] } })],
];

async function seed(pool: pg.Pool, from: number, to: number): Promise<void> {
  // A year of cases across one district, 10 portals, 10 streets and 100 communities; a tenth of them open.
  await pool.query(
    `INSERT INTO cases (case_no, workflow_id, source, ticket_id, title, category, urgency, status, district_id, routed_level, level, unit_id, step,
                        deadline, warning, overdue, overdue_at_top, escalations, rating, holders, seq, received_at, step_since, closed_at, location_unit_id)
     SELECT 'p' || (i % 10) || '-' || i, 'complaint-p' || (i % 10) || '-' || i, 'p' || (i % 10), i::text,
            (ARRAY['loud music', 'broken lift', 'parking', 'garbage', 'water leak', 'street light'])[1 + i % 6] || ' ' || md5(i::text),
            (ARRAY['neighbour-dispute', 'property-management', 'food-safety'])[1 + i % 3], CASE WHEN i % 7 = 0 THEN 'urgent' ELSE 'normal' END,
            s.status, 'd1', (ARRAY['community', 'street', 'district'])[1 + i % 3], 'community', 'u' || (i % 100), 'community-sign',
            CASE WHEN s.status LIKE 'closed%' THEN NULL ELSE now() + ((i % 500) || ' minutes')::interval END,
            i % 11 = 0, i % 13 = 0, false, i % 3, CASE WHEN s.status = 'closed' THEN 'satisfied' END,
            ARRAY['u' || (i % 100), 's' || (i % 10)], 5,
            now() - ((i % 525600) || ' minutes')::interval, now() - ((i % 9000) || ' minutes')::interval,
            CASE WHEN s.status LIKE 'closed%' THEN now() - ((i % 525000) || ' minutes')::interval + interval '1 hour' END, 'u' || (i % 100)
     FROM generate_series($1::int, $2::int) AS i
     CROSS JOIN LATERAL (SELECT (ARRAY['closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'awaiting-sign', 'handling'])[1 + i % 10] AS status) s`,
    [from, to - 1],
  );
  await pool.query('ANALYZE cases');
}

/** List and statistics query latency on read models of 100k and 1M cases (seeded rows, in a database of its own). */
export async function benchReadModel(stack: BenchStack, { sizes = [100_000, 1_000_000], iterations = 30 } = {}): Promise<ReadModelRow[]> {
  const name = `bench_read_${randomUUID().slice(0, 8)}`;
  const adminUrl = new URL(stack.config.databaseUrl!);
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  adminUrl.pathname = `/${name}`;
  const database = createDb({ url: adminUrl.toString(), max: 2 });
  const results: ReadModelRow[] = [];
  try {
    await migrateDatabase(database.pool);
    let seeded = 0;
    for (const size of sizes) {
      const progress = new Progress(`read ${size / 1000}k`);
      for (let from = seeded; from < size; from += 100_000) {
        await seed(database.pool, from, Math.min(size, from + 100_000));
        progress.update(Math.min(size, from + 100_000), size, 'rows seeded');
      }
      seeded = size;
      for (const [query, run] of QUERIES) {
        await run(database.db);
        const times: number[] = [];
        for (let i = 0; i < iterations; i += 1) {
          const t0 = performance.now();
          await run(database.db);
          times.push(performance.now() - t0);
        }
        results.push({ rows: size, query, p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)) });
      }
      progress.note(`measured ${QUERIES.length} queries`);
    }
  } finally {
    await database.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  }
  return results;
}
