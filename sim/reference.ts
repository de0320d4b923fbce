/**
 * The reference data a simulation runs on — units, the responsibility list, the working-day calendar and
 * the process definition — held in memory, and the two activities the engine asks of them answered the way
 * the worker answers them: routing (`domain/routing.ts`) and deadlines (`domain/calendar.ts`).
 */
import { computeDeadline, computeDeadlines, type CalendarData } from '../domain/calendar.js';
import type { RouteResult } from '../domain/engine/types.js';
import type { ProcessDefinition } from '../domain/process/definition.js';
import { routeOn, type ListEntry } from '../domain/routing.js';
import type { UnitChain, UnitRef } from '../domain/units.js';

/** A unit of the simulated district: its reference and its parent. */
export interface SimUnit extends UnitRef {
  parentId: string | null;
}

/** A matter of a responsibility list, by category. */
export interface SimListItem extends ListEntry {
  category: string;
}

export interface ReferenceData {
  units: SimUnit[];
  list: { version: number; items: SimListItem[] };
  calendar: CalendarData;
  definition: ProcessDefinition;
}

export class SimReference {
  readonly units = new Map<string, SimUnit>();
  readonly list: Map<string, SimListItem>;
  private readonly chains = new Map<string, UnitChain | null>();

  constructor(readonly data: ReferenceData) {
    for (const u of data.units) this.units.set(u.id, u);
    this.list = new Map(data.list.items.map((i) => [i.category, i]));
  }

  get definition(): ProcessDefinition {
    return this.data.definition;
  }

  /** A unit and its ancestors, nearest first (null for an unknown unit), as `loadUnitChain` reads them. */
  chain(unitId: string): UnitChain | null {
    let chain = this.chains.get(unitId);
    if (chain === undefined) {
      const unit = this.units.get(unitId);
      const ancestors: UnitRef[] = [];
      for (let p = unit?.parentId ?? null; p !== null && ancestors.length < 16; p = this.units.get(p)?.parentId ?? null) {
        const parent = this.units.get(p);
        if (!parent) break;
        ancestors.push(ref(parent));
      }
      chain = unit ? { unit: ref(unit), ancestors } : null;
      this.chains.set(unitId, chain);
    }
    return chain;
  }

  /** What `routeComplaint` answers for a case. */
  route(category: string, locationUnitId: string): RouteResult {
    const entry = this.list.get(category);
    const department = entry?.departmentId ? (this.chain(entry.departmentId)?.unit ?? null) : null;
    const coDepartments = (entry?.coDepartmentIds ?? []).flatMap((id) => {
      const u = this.units.get(id);
      return u && u.kind === 'department' ? [ref(u)] : [];
    });
    return routeOn({ location: this.chain(locationUnitId), list: { version: this.data.list.version, entry }, department, coDepartments });
  }

  /** What `computeDeadlines` answers. */
  deadlines(from: string, limits: Record<string, string>): Record<string, string> {
    return computeDeadlines(from, limits, this.data.calendar).deadlines;
  }

  /** The instant `hours` working hours after `from` (units work office hours on working days). */
  afterWorkingHours(from: number, hours: number): number {
    if (hours <= 0) return from;
    return computeDeadline(new Date(from), { kind: 'workingHours', hours, text: `${hours} working hours` }, this.data.calendar).deadline.getTime();
  }
}

const ref = (u: UnitRef): UnitRef => ({ id: u.id, name: u.name, level: u.level, kind: u.kind });
