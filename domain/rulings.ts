/**
 * Arbitration rulings as proposed changes to the responsibility list. Pure functions over
 * timeline entries; the read model keeps the proposals (`arbitration_rulings`) until an admin publishes one.
 */
import type { TimelineEntry } from './case.js';

/** Who a ruling says owns a matter: the owning level, the lead unit, and the departments that join it. */
export interface ProposedOwner {
  category: string;
  level: string;
  lead: string;
  co: string[];
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/**
 * The owner an `arbitrated` timeline entry proposes, from its `detail.proposedListChange`: either
 * `{ category, level, lead, co }` or the older `{ category, owner }` (the level then is the entry's
 * `toLevel`, and there are no co-departments). Undefined for any other entry, or one that names no owner.
 */
export function proposedOwner(entry: TimelineEntry, caseCategory: string): ProposedOwner | undefined {
  if (entry.action !== 'arbitrated') return undefined;
  const change = entry.detail?.proposedListChange as Record<string, unknown> | undefined;
  const lead = text(change?.lead) ?? text(change?.owner) ?? entry.toUnitId;
  const level = text(change?.level) ?? entry.toLevel;
  if (!lead || !level) return undefined;
  const co = Array.isArray(change?.co) ? change.co.filter((id): id is string => typeof id === 'string' && id !== lead) : [];
  return { category: text(change?.category) ?? caseCategory, level, lead, co: [...new Set(co)] };
}
