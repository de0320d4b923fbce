/**
 * Readying a database for Jiesu: one step an operator runs before deploying (`npm run db:migrate`), which
 * development and the tests run for themselves. Workers and API processes only check it was done.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { createDb } from './client.js';
import { migrateDatabase, migrationsFolder } from './migrate.js';
import { seedReferenceData, seedSampleDistrict } from './seed.js';

/**
 * Applies the committed migrations and loads the reference data every installation needs (the working-day
 * calendar, the default process, the ranking policy); with `sampleDistrict`, also the sample district's units
 * and responsibility list. Idempotent: rows that exist are kept.
 */
export async function prepareDatabase(url: string, { sampleDistrict }: { sampleDistrict: boolean }): Promise<void> {
  const database = createDb({ url, max: 2 });
  try {
    await migrateDatabase(database.pool);
    await (sampleDistrict ? seedSampleDistrict(database.db) : seedReferenceData(database.db));
  } finally {
    await database.close();
  }
}

/** How many committed migrations the database lacks (0 when it is current). */
export async function missingMigrations(pool: pg.Pool): Promise<number> {
  const journal = JSON.parse(await readFile(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
  const { rows } = await pool.query<{ applied: number }>(
    `SELECT CASE WHEN to_regclass('drizzle.__drizzle_migrations') IS NULL THEN 0 ELSE (SELECT count(*)::int FROM drizzle.__drizzle_migrations) END AS applied`,
  );
  return Math.max(0, journal.entries.length - (rows[0]?.applied ?? 0));
}

/** A clear stop for a process started against a database nobody has migrated. */
export async function requireCurrentSchema(pool: pg.Pool): Promise<void> {
  const missing = await missingMigrations(pool);
  if (missing > 0) throw new Error(`The database lacks ${missing} migration(s): run \`npm run db:migrate\` (with DATABASE_URL) before starting workers and the API`);
}
