import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { notifications } from '../db/schema.js';
import type { NotificationInput } from '../domain/engine/types.js';
import type { Logger } from '../infra/logger.js';
import type { Notifier } from './notifier.js';

/** A notification as the outbox stores it: the input plus its stored kind (sanctions name theirs, e.g. `sanction-notice`). */
export type OutboxNotification = NotificationInput & { storedKind?: string };

export interface OutboxOptions {
  /** The task queue whose notifications this outbox delivers. */
  queue: string;
  /** Attempts before a notification is given up on (recorded as failed, logged as an error). */
  maxAttempts: number;
  /** Wait before attempt n + 1 after n failures. */
  backoffMs: (failures: number) => number;
  /** How often due notifications are looked for when nobody wakes the outbox. */
  pollMs: number;
  /** How long a claimed notification is reserved for the claiming worker before another may try it. */
  leaseMs: number;
  batch: number;
}

/** Doubling from one second, at most ten minutes: ten attempts span about a quarter of an hour. */
export const DEFAULT_BACKOFF = (failures: number): number => Math.min(1_000 * 2 ** Math.max(0, failures - 1), 600_000);

/**
 * Delivers notifications from the `notifications` table (the outbox) with bounded retries. Activities only
 * record a notification, in the same breath as what caused it, so a case never waits for a receiver and a
 * dead receiver never holds a closed case open; the workers of the case's task queue deliver it, each
 * claiming a batch with a lease so two workers never send the same notification at once.
 */
export class NotificationOutbox {
  private readonly options: OutboxOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private unreachable = false;

  constructor(
    private readonly db: Db,
    private readonly notifier: Notifier,
    private readonly logger: Logger,
    options: Partial<OutboxOptions> & Pick<OutboxOptions, 'queue'>,
  ) {
    this.options = { maxAttempts: 10, backoffMs: DEFAULT_BACKOFF, pollMs: 1_000, leaseMs: 60_000, batch: 20, ...options };
  }

  /** Records a notification for delivery (once per id) and wakes the outbox. */
  async enqueue(notification: OutboxNotification, db: Pick<Db, 'insert'> = this.db): Promise<void> {
    const { storedKind, ...input } = notification;
    await db
      .insert(notifications)
      .values({ id: input.id, kind: storedKind ?? input.kind, caseNo: input.caseNo, unitIds: input.unitIds, message: input.message, queue: this.options.queue })
      // Rows recorded before the outbox existed carry no queue: the first worker to see them again adopts them.
      .onConflictDoUpdate({ target: notifications.id, set: { queue: this.options.queue }, setWhere: sql`${notifications.queue} = '' AND ${notifications.deliveredAt} IS NULL` });
    this.wake();
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Stops looking for work and waits for the delivery in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Delivers what is due soon (now, or after the current pass). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.wake();
      } else {
        this.timer = setTimeout(() => this.wake(), this.options.pollMs);
        this.timer.unref();
      }
    });
  }

  private async pass(): Promise<void> {
    try {
      while (!this.stopped && (await this.deliverDue()) === this.options.batch);
      if (this.unreachable) this.logger.info('Notification outbox: the database answers again');
      this.unreachable = false;
    } catch (error) {
      // Once per outage, not once per poll.
      if (!this.unreachable) this.logger.warn({ err: error }, 'Notification outbox: cannot read due notifications; trying again every poll');
      this.unreachable = true;
    }
  }

  /** Claims and sends one batch of due notifications; returns how many it claimed. */
  async deliverDue(): Promise<number> {
    const { queue, batch, leaseMs, maxAttempts } = this.options;
    const claimed = await this.db.execute<{ id: string; kind: string; case_no: string | null; unit_ids: string[]; message: string; attempts: number }>(sql`
      UPDATE ${notifications} SET attempts = attempts + 1, next_attempt_at = now() + ${`${leaseMs} milliseconds`}::interval
      WHERE id IN (
        SELECT id FROM ${notifications}
        WHERE queue = ${queue} AND delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
        ORDER BY next_attempt_at LIMIT ${batch} FOR UPDATE SKIP LOCKED)
      RETURNING id, kind, case_no, unit_ids, message, attempts`);
    await Promise.all(
      claimed.rows.map(async (row) => {
        const kind = (row.kind.startsWith('sanction') ? 'sanction' : row.kind) as NotificationInput['kind'];
        try {
          await this.notifier.send({ id: row.id, kind, caseNo: row.case_no, unitIds: row.unit_ids, message: row.message });
          await this.db.execute(sql`UPDATE ${notifications} SET delivered_at = now(), last_error = NULL WHERE id = ${row.id}`);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          if (row.attempts >= maxAttempts) {
            await this.db.execute(sql`UPDATE ${notifications} SET failed_at = now(), last_error = ${reason} WHERE id = ${row.id}`);
            this.logger.error({ notification: row.id, kind: row.kind, attempts: row.attempts, reason }, 'Notification given up after its last attempt');
          } else {
            const retryMs = this.options.backoffMs(row.attempts);
            await this.db.execute(sql`UPDATE ${notifications} SET next_attempt_at = now() + ${`${retryMs} milliseconds`}::interval, last_error = ${reason} WHERE id = ${row.id}`);
            this.logger.warn({ notification: row.id, attempts: row.attempts, retryMs, reason }, 'Notification not delivered; will retry');
          }
        }
      }),
    );
    return claimed.rows.length;
  }
}
