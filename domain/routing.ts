/**
 * Judging a complaint (the "judge" of the loop): where the responsibility list and the unit tree place a
 * case. Pure: the routing activity reads the facts from PostgreSQL, the simulator from its scenario, and
 * both decide here.
 */
import type { RouteResult } from './engine/types.js';
import { unitAtLevel, type UnitChain, type UnitRef } from './units.js';

/** A matter of the responsibility list, as routing needs it. */
export interface ListEntry {
  level: string;
  departmentId: string | null;
  coDepartmentIds: string[];
}

/** What routing reads for one case. */
export interface RoutingFacts {
  /** The location's unit and its ancestors; null when the unit tree does not know it (or it is inactive). */
  location: UnitChain | null;
  /** The list in force (null: none published) and its entry for the case's category (undefined: not on it). */
  list: { version: number; entry: ListEntry | undefined } | null;
  /** The entry's lead department, when it names one: null when that department is unknown or inactive. */
  department: UnitRef | null;
  /** The entry's co-departments that are active departments, in the list's order. */
  coDepartments: UnitRef[];
}

/**
 * Where a case goes: to its owner on the list (a department, or the location's unit at the owning level),
 * to its centre's dispatcher when the list does not say, or nowhere (`unroutable`) when the location is
 * unknown or under no district centre.
 */
export function routeOn({ location, list, department, coDepartments }: RoutingFacts): RouteResult {
  const centreUnit = location ? [location.unit, ...location.ancestors].find((u) => u.kind === 'centre') : undefined;
  if (!location || !centreUnit) {
    const reason = location ? 'no-district-centre' : 'unknown-location';
    return { kind: 'unroutable', reason, level: null, department: null, departmentId: null, coDepartments: [], listVersion: null, location, centre: null };
  }
  const centre: UnitRef = { id: centreUnit.id, name: centreUnit.name, level: centreUnit.level, kind: centreUnit.kind };
  const entry = list?.entry;
  const base = { listVersion: list?.version ?? null, location, centre, department: null, departmentId: null, coDepartments: entry && entry.coDepartmentIds.length > 0 ? coDepartments : [] };
  if (!entry) return { ...base, kind: 'dispatch', level: null, reason: 'unknown-category' };
  if (entry.departmentId !== null) {
    if (!department) return { ...base, kind: 'dispatch', level: null, reason: 'owner-inactive' };
    return { ...base, kind: 'owner', level: entry.level, department, departmentId: department.id };
  }
  if (unitAtLevel([location.unit, ...location.ancestors], entry.level) < 0) return { ...base, kind: 'dispatch', level: null, reason: 'no-owner-at-location' };
  return { ...base, kind: 'owner', level: entry.level };
}
