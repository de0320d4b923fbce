import { requireDatabaseUrl, type Config } from '../infra/config.js';
import { embeddedDatabaseUrl } from '../infra/postgres.js';

/** DATABASE_URL, or in development the embedded PostgreSQL that `npm run dev` runs. */
export function scriptDatabaseUrl(config: Config): string {
  if (config.databaseUrl !== undefined || config.mode !== 'development') return requireDatabaseUrl(config);
  return embeddedDatabaseUrl(config.dev.postgresPort);
}
