import type { Logger } from '../infra/logger.js';
import type { Db } from '../db/client.js';
import { calendarYears } from '../db/schema.js';
import { calendarWarning, missingCalendarYears } from '../domain/calendar.js';

const EVERY_MS = 6 * 60 * 60_000;

/**
 * Warns in the worker's log, at start and every six hours, when the working-day calendar lacks the current
 * year or (from 1 November) the next: deadlines would silently count Monday–Friday. Returns its stop.
 */
export function watchCalendar(db: Db, logger: Logger, now: () => Date = () => new Date()): () => void {
  const check = async (): Promise<void> => {
    try {
      const rows = await db.select({ year: calendarYears.year }).from(calendarYears);
      const missing = missingCalendarYears(now(), rows.map((r) => r.year));
      const warning = calendarWarning(missing);
      if (warning) logger.warn({ missingYears: missing }, warning);
    } catch (error) {
      logger.warn({ err: error }, 'Could not check the working-day calendar');
    }
  };
  void check();
  const timer = setInterval(() => void check(), EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
