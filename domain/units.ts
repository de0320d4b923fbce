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

/** The unit at `level` on the chain (the unit itself or an ancestor), if any. */
export function unitAtLevel(chain: UnitChain, level: string): UnitRef | undefined {
  return [chain.unit, ...chain.ancestors].find((u) => u.level === level);
}
