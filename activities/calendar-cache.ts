import type { Db } from '../db/client.js';
import { calendarYears } from '../db/schema.js';
import type { CalendarData } from '../domain/calendar.js';

/**
 * The working-day calendar as the worker sees it: read from PostgreSQL, kept for a minute, so
 * deadline computations do not query the database each time while an admin's new year still
 * reaches every worker quickly.
 */
export class CalendarCache {
  private data: CalendarData | undefined;
  private loadedAt = 0;

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 60_000,
  ) {}

  async get(): Promise<CalendarData> {
    if (this.data && Date.now() - this.loadedAt < this.ttlMs) return this.data;
    const rows = await this.db.select().from(calendarYears);
    this.data = { years: Object.fromEntries(rows.map((r) => [String(r.year), { holidays: r.holidays, workdays: r.workdays }])) };
    this.loadedAt = Date.now();
    return this.data;
  }
}
