import type { Logger } from '../infra/logger.js';

/**
 * Reference data held in memory and re-read from PostgreSQL on a fixed period, so requests are answered
 * without a query each, and keep being answered from the last known copy while the database is down.
 */
export abstract class RefreshingCache {
  private timer: NodeJS.Timeout | undefined;
  /** False until the data has been read once (an API started while PostgreSQL is down knows none yet). */
  loaded = false;

  constructor(
    protected readonly logger: Logger,
    protected readonly refreshMs: number,
    /** What is cached, for the log ("API keys", "the unit tree"). */
    private readonly what: string,
  ) {}

  /** Reads the data and replaces the copy in memory. */
  protected abstract load(): Promise<void>;

  async refresh(): Promise<void> {
    try {
      await this.load();
      this.loaded = true;
    } catch (error) {
      this.logger.warn({ err: error }, `Could not refresh ${this.what}; keeping the last known copy`);
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
