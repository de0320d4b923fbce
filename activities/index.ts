import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { caseTimeline, cases, responsibilityItems, responsibilityLists, type NewCaseRow } from '../db/schema.js';
import { loadUnitChain } from '../db/units.js';
import type { CaseSnapshot, TimelineEntry } from '../domain/case.js';
import type { UnitChain } from '../domain/units.js';
import type { Logger } from '../infra/logger.js';

/** What every activity may use. Built once per worker. */
export interface ActivityDeps {
  db: Db;
  logger: Logger;
}

export interface RouteComplaintInput {
  category: string;
  locationUnitId: string;
}

/** Where the responsibility list sends a case. `dispatch` means "a dispatcher at the centre decides". */
export type RouteComplaintResult =
  | { kind: 'owner'; listVersion: number; level: string; location: UnitChain; departmentId: string | null }
  | { kind: 'dispatch'; listVersion: number | null; reason: 'unknown-category' | 'no-owner-at-location'; location: UnitChain | null };

export interface ProjectCaseInput {
  snapshot: CaseSnapshot;
  entries: TimelineEntry[];
}

function toRow(s: CaseSnapshot): NewCaseRow {
  const date = (v: string | null): Date | null => (v === null ? null : new Date(v));
  return {
    caseNo: s.caseNo,
    workflowId: s.workflowId,
    source: s.source,
    ticketId: s.ticketId,
    title: s.title,
    category: s.category,
    urgency: s.urgency,
    status: s.status,
    level: s.level,
    unitId: s.unitId,
    step: s.step,
    deadline: date(s.deadline),
    warning: s.warning,
    overdue: s.overdue,
    overdueAtTop: s.overdueAtTop,
    escalations: s.escalations,
    rating: s.rating,
    citizenName: s.citizen.name,
    citizenPhone: s.citizen.phone,
    description: s.description,
    seq: s.seq,
    receivedAt: new Date(s.receivedAt),
    stepSince: new Date(s.stepSince),
    closedAt: date(s.closedAt),
  };
}

/** Activities take one object and return one object; one factory builds them all from their dependencies. */
export function createActivities({ db }: ActivityDeps) {
  return {
    /** Judges (判) a complaint: the category's owning level in the list in force, and the location's unit chain. */
    async routeComplaint({ category, locationUnitId }: RouteComplaintInput): Promise<RouteComplaintResult> {
      const location = (await loadUnitChain(db, locationUnitId)) ?? null;
      const [list] = await db.select().from(responsibilityLists).orderBy(desc(responsibilityLists.version)).limit(1);
      if (!list) return { kind: 'dispatch', listVersion: null, reason: 'unknown-category', location };
      const [item] = await db
        .select()
        .from(responsibilityItems)
        .where(and(eq(responsibilityItems.listVersion, list.version), eq(responsibilityItems.category, category)));
      if (!item) return { kind: 'dispatch', listVersion: list.version, reason: 'unknown-category', location };
      if (location === null) return { kind: 'dispatch', listVersion: list.version, reason: 'no-owner-at-location', location };
      return { kind: 'owner', listVersion: list.version, level: item.level, location, departmentId: item.departmentId };
    },

    /**
     * Writes the read model of one case: the case row (only if this state is newer than the stored one)
     * and the timeline entries (keyed by workflow id and sequence). Retries and replays converge to the
     * same rows; nothing is duplicated or skipped.
     */
    async projectCase({ snapshot, entries }: ProjectCaseInput): Promise<void> {
      const row = toRow(snapshot);
      await db.transaction(async (tx) => {
        if (entries.length > 0) {
          await tx
            .insert(caseTimeline)
            .values(
              entries.map((e) => ({
                workflowId: row.workflowId,
                seq: e.seq,
                at: new Date(e.at),
                action: e.action,
                actorRole: e.actor.role,
                actorId: e.actor.id,
                actorUnitId: e.actor.unitId ?? null,
                reason: e.reason ?? null,
                fromUnitId: e.fromUnitId ?? null,
                toUnitId: e.toUnitId ?? null,
                fromLevel: e.fromLevel ?? null,
                toLevel: e.toLevel ?? null,
                detail: e.detail ?? null,
              })),
            )
            .onConflictDoNothing();
        }
        const { caseNo: _key, ...update } = row;
        await tx
          .insert(cases)
          .values(row)
          .onConflictDoUpdate({ target: cases.caseNo, set: { ...update, updatedAt: sql`now()` }, setWhere: sql`${cases.seq} <= ${row.seq}` });
      });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
