/**
 * The work queues, per role: which cases each lists (filters of GET /v1/complaints, sorted by deadline) and
 * which roles see it. The first queue a role may see is its home page.
 */
import type { Role } from './session.js';

export interface QueueSpec {
  roles: Role[];
  /** The list's filters; `unit` is the signed-in unit, `level` the chosen level. */
  filters(ctx: { unit: string | null; level: string | null; waiting: string }): Record<string, string | boolean | undefined>;
  /** Stuck: the /stuck list, longest waiting first. */
  stuck?: boolean;
  /** Offers a level filter (defaulting to the signed-in unit's level). */
  byLevel?: boolean;
}

const OPEN = { open: true, sort: 'deadline' } as const;

export const QUEUES: Record<string, QueueSpec> = {
  mine: { roles: ['handler'], filters: ({ unit }) => ({ ...OPEN, unitId: unit ?? undefined }) },
  // Cases a department was summoned to (a street or community keeps them): it reports in and does its part.
  summoned: { roles: ['handler'], filters: ({ unit }) => ({ ...OPEN, summoned: unit ?? undefined }) },
  held: { roles: ['handler'], filters: () => ({ ...OPEN }) },
  dispatch: { roles: ['dispatcher', 'supervisor'], filters: () => ({ ...OPEN, status: 'awaiting-dispatch,awaiting-arbitration' }) },
  unsigned: { roles: ['dispatcher', 'supervisor', 'admin'], byLevel: true, filters: ({ level }) => ({ ...OPEN, status: 'awaiting-sign', level: level ?? undefined }) },
  stuck: { roles: ['dispatcher', 'supervisor', 'admin'], byLevel: true, stuck: true, filters: ({ level, waiting }) => ({ level: level ?? undefined, waitingLongerThan: waiting }) },
  overdue: { roles: ['dispatcher', 'supervisor', 'admin'], byLevel: true, filters: ({ level }) => ({ ...OPEN, overdue: true, level: level ?? undefined }) },
  open: { roles: ['admin', 'dispatcher', 'supervisor'], filters: () => ({ ...OPEN }) },
};

/** Where a role lands after signing in. */
export function homeOf(role: Role): string {
  if (role === 'handler') return '/queue/mine';
  if (role === 'admin') return '/dashboard';
  return '/queue/dispatch';
}
