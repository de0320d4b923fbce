/**
 * The reference data in force, as the simulator takes it: the active units with their parents, the
 * responsibility list in force and the working-day calendar. What the worker reads case by case, read once.
 */
import { eq } from 'drizzle-orm';
import type { CalendarData } from '../domain/calendar.js';
import type { ListEntry } from '../domain/routing.js';
import type { UnitRef } from '../domain/units.js';
import type { Db } from './client.js';
import { responsibilityList } from './reference-queries.js';
import { calendarYears, units } from './schema.js';

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
