import pg from 'pg';
import type { Logger } from '../infra/logger.js';

/** The channel the read model announces changed cases on (migration 0011: a trigger on `cases`). */
export const CASE_CHANGES_CHANNEL = 'jiesu_cases';

/** What listeners hear: the case numbers that changed, or `all` when too many changed to list (or some may have been missed). */
export type CaseChange = { kind: 'cases'; caseNos: string[] } | { kind: 'all' };

/** Parses a notification's payload: comma-separated case numbers, or `*`. */
export function parseCaseChange(payload: string | undefined): CaseChange {
  if (payload === undefined || payload === '*' || payload === '') return { kind: 'all' };
  return { kind: 'cases', caseNos: payload.split(',') };
}

/**
 * Changes of the case read model as they commit, from PostgreSQL's LISTEN/NOTIFY: every API process holds
 * one connection of its own listening on {@link CASE_CHANGES_CHANNEL}, whichever process or worker wrote the
 * row, so live updates work with any number of API processes. The connection opens with the first listener
 * and closes with the last; when it drops, it reconnects and tells listeners `all` (changes may have been
 * missed meanwhile), so they read again rather than trust a stale view.
 */
export class CaseChangeFeed {
  private readonly listeners = new Set<(change: CaseChange) => void>();
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly connection: pg.ClientConfig,
    private readonly logger: Logger,
    private readonly retryMs = 2_000,
  ) {}

  /** Calls `listener` with every change until the returned function is called. */
  subscribe(listener: (change: CaseChange) => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) void this.connect(false);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.disconnect();
    };
  }

  /** Ends the connection for good (the API is closing). */
  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.disconnect();
  }

  private emit(change: CaseChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private async connect(reconnecting: boolean): Promise<void> {
    if (this.closed || this.client || this.listeners.size === 0) return;
    const client = new pg.Client(this.connection);
    this.client = client;
    const lost = (error?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      client.removeAllListeners();
      void client.end().catch(() => {});
      if (this.listeners.size === 0 || this.closed) return;
      this.logger.warn({ err: error }, 'Case change feed lost its database connection; reconnecting');
      this.retry = setTimeout(() => void this.connect(true), this.retryMs);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      if (message.channel === CASE_CHANGES_CHANNEL) this.emit(parseCaseChange(message.payload));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CASE_CHANGES_CHANNEL}`);
      if (reconnecting) this.emit({ kind: 'all' });
    } catch (error) {
      lost(error as Error);
    }
  }

  private disconnect(): void {
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => {});
      void client.end().catch(() => {});
    }
  }
}
