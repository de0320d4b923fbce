import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema.js';

export type Db = NodePgDatabase<typeof schema>;
/** An open transaction on the database. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface Database {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  url: string;
  /** Pool size; the worker and the API each hold one pool. */
  max?: number;
  /** Fail fast when the database is down, so intake and health checks answer instead of hanging. */
  connectionTimeoutMillis?: number;
}

/** A pool and a typed drizzle handle. Nothing connects until the first query. */
export function createDb({ url, max = 10, connectionTimeoutMillis = 5_000 }: CreateDbOptions): Database {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis, idleTimeoutMillis: 30_000 });
  // An idle client losing its server (restart, outage) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const db = drizzle(pool, { schema });
  return { db, pool, close: () => pool.end() };
}
