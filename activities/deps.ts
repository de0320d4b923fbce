import type { Client } from '@temporalio/client';
import type { Db } from '../db/client.js';
import type { Logger } from '../infra/logger.js';
import type { NotificationOutbox } from './outbox.js';

/** What every activity may use. Built once per worker. */
export interface ActivityDeps {
  db: Db;
  logger: Logger;
  /** Notifications are recorded here and delivered by the outbox, never by the activity itself. */
  outbox: NotificationOutbox;
  /** For signal-with-start of accountability workflows. */
  client: Client;
}
