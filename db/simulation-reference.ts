/**
 * The reference data in force, as the simulator takes it: the active units with their parents, the
 * responsibility list in force and the working-day calendar. What the worker reads case by case, read once.
 */
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { CalendarData } from '../domain/calendar.js';
import { FIGURES_TIME_ZONE } from '../domain/figures.js';
import { caseCounted } from './case-facts.js';
import type { ListEntry } from '../domain/routing.js';
import type { UnitRef } from '../domain/units.js';
import type { Db } from './client.js';
import { responsibilityList } from './reference-queries.js';
import { calendarYears, cases, units } from './schema.js';

export interface ReferenceInForce {
  units: Array<UnitRef & { parentId: string | null }>;
  list: { version: number; items: Array<ListEntry & { category: string }> };
  calendar: CalendarData;
}

export async function referenceInForce(db: Db): Promise<ReferenceInForce> {
  const [unitRows, list, years] = await Promise.all([
    db.select({ id: units.id, name: units.name, level: units.level, kind: units.kind, parentId: units.parentId }).from(units).where(eq(units.active, true)),
    responsibilityList(db),
    db.select().from(calendarYears),
  ]);
  return {
    units: unitRows,
    list: { version: list?.version ?? 0, items: (list?.items ?? []).map(({ category, level, departmentId, coDepartmentIds }) => ({ category, level, departmentId, coDepartmentIds })) },
    calendar: { years: Object.fromEntries(years.map((r) => [String(r.year), { holidays: r.holidays, workdays: r.workdays }])) },
  };
}

/** An arrival model fitted from real cases: how many a day, and their mix by weekday, hour, category, urgency and place. */
export interface FittedArrivals {
  /** Cases received in the window (cancelled duplicates left out). */
  cases: number;
  perDay: number;
  /** Relative volume Monday … Sunday, and by hour of day (China Standard Time). */
  weekdays: number[];
  hours: number[];
  urgentShare: number;
  categories: Record<string, number>;
  locations: Record<string, number>;
}

/** Fits the arrival model of a district from the cases it received in [from, to). */
export async function fitArrivals(db: Db, { districtId, from, to }: { districtId: string; from: Date; to: Date }): Promise<FittedArrivals> {
  const local = sql`(${cases.receivedAt} at time zone ${FIGURES_TIME_ZONE})`;
  const rows = await db
    .select({
      category: cases.category,
      location: cases.locationUnitId,
      weekday: sql<number>`extract(isodow from ${local})::int`,
      hour: sql<number>`extract(hour from ${local})::int`,
      urgent: sql<number>`(count(*) filter (where ${cases.urgency} = 'urgent'))::int`,
      n: sql<number>`count(*)::int`,
    })
    .from(cases)
    .where(and(eq(cases.districtId, districtId), gte(cases.receivedAt, from), lt(cases.receivedAt, to), caseCounted))
    .groupBy(cases.category, cases.locationUnitId, sql`3`, sql`4`);
  const weekdays = new Array<number>(7).fill(0);
  const hours = new Array<number>(24).fill(0);
  const categories: Record<string, number> = {};
  const locations: Record<string, number> = {};
  let total = 0;
  let urgent = 0;
  for (const r of rows) {
    const n = Number(r.n);
    total += n;
    urgent += Number(r.urgent);
    weekdays[Number(r.weekday) - 1]! += n;
    hours[Number(r.hour)]! += n;
    categories[r.category] = (categories[r.category] ?? 0) + n;
    locations[r.location] = (locations[r.location] ?? 0) + n;
  }
  const days = Math.max(1, (to.getTime() - from.getTime()) / 86_400_000);
  return { cases: total, perDay: total / days, weekdays, hours, urgentShare: total === 0 ? 0 : urgent / total, categories, locations };
}
