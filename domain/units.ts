/** A unit as cases carry it: enough to address and escalate without looking it up again. */
export interface UnitRef {
  id: string;
  name: string;
  level: string;
  kind: string;
}

/** A unit with its ancestors, nearest first (community → street → centre). */
export interface UnitChain {
  unit: UnitRef;
  ancestors: UnitRef[];
}

/**
 * Where on `chain` (a unit followed by its ancestors, nearest first) the first unit at `level` is, leaving
 * out departments (they sit beside the levels, not on them); -1 if the chain has none.
 */
export function unitAtLevel(chain: readonly UnitRef[], level: string): number {
  return chain.findIndex((u) => u.level === level && u.kind !== 'department');
}
