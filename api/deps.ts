import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.js';
import type { Config } from '../infra/config.js';
import type { Logger } from '../infra/logger.js';
import type { KeyStore } from './auth.js';
import type { CategoryDirectory } from './names.js';
import type { SessionStore } from './sessions.js';
import type { UnitDirectory } from './units.js';

/** What the API needs from the outside world; tests build it against the real servers. */
export interface ApiDeps {
  config: Config;
  logger: Logger;
  temporal: { client: Client; taskQueue: string };
  database: Database;
}

/** What route plugins get: the outside world plus the in-memory caches the app keeps. */
export interface RouteDeps extends ApiDeps {
  keys: KeyStore;
  units: UnitDirectory;
  /** Category display names (`api/names.ts`). */
  categories: CategoryDirectory;
  /** Browser sessions (the Temporal UI's codec, the workbench). */
  sessions: SessionStore;
}
