import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { ApplicationFailure } from '@temporalio/common';
import { processFor } from '../db/process-rules.js';
import { responsibilityList } from '../db/reference-queries.js';
import { recordRulings } from '../db/rulings.js';
import { caseTimeline, cases, processDefinitions, units, type NewCaseRow } from '../db/schema.js';
import { loadUnitChain } from '../db/units.js';
import { computeDeadlines, InvalidLimitError } from '../domain/calendar.js';
import type { CaseSnapshot, TimelineEntry } from '../domain/case.js';
import type { NotificationInput, RouteResult } from '../domain/engine/types.js';
import type { ProcessDefinition } from '../domain/process/definition.js';
import { routeOn } from '../domain/routing.js';
import type { UnitRef } from '../domain/units.js';
import { createAccountabilityActivities } from './accountability.js';
import type { ActivityDeps } from './deps.js';
import { CalendarCache } from './calendar-cache.js';

/** Error types of activity failures that retrying cannot fix. */
export const ActivityErrors = {
  unknownProcess: 'UnknownProcess',
  invalidLimit: 'InvalidLimit',
} as const;

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
    locationUnitId: s.locationUnitId,
    processKey: s.processKey,
    processVersion: s.processVersion,
    districtId: s.districtId,
    routedLevel: s.routedLevel,
    level: s.level,
    unitId: s.unitId,
    step: s.step,
    deadline: date(s.deadline),
    warning: s.warning,
    overdue: s.overdue,
    overdueAtTop: s.overdueAtTop,
    escalations: s.escalations,
    rating: s.rating,
    holders: s.holders,
    summoned: s.summoned ?? [],
    citizenName: s.citizen.name ?? null,
    citizenPhone: s.citizen.phone ?? null,
    description: s.description,
    seq: s.seq,
    receivedAt: new Date(s.receivedAt),
    stepSince: new Date(s.stepSince),
    closedAt: date(s.closedAt),
    resolvedAt: date(s.resolvedAt ?? null),
    streetId: s.streetId ?? null,
    communityHeld: s.communityHeld ?? false,
    streetHandled: s.streetHandled ?? false,
    reachedTop: s.reachedTop ?? false,
    whistleTier: s.whistleTier ?? null,
    caseType: s.caseType ?? 'complaint',
    origin: s.origin ?? 'citizen',
    privacy: s.privacy ?? 'open',
  };
}

const unitRef = (u: { id: string; name: string; level: string; kind: string }): UnitRef => ({ id: u.id, name: u.name, level: u.level, kind: u.kind });

/**
 * Errors that leave an activity end up in Temporal's history and the worker's log. A failed query's
 * message lists its parameters (citizen names, phones, free text), so only the database's own reason
 * and code go on; typed failures pass through unchanged.
 */
export function sanitizeError(error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof Error && error.name === 'DrizzleQueryError') {
    const cause = error.cause as { message?: string; code?: string } | undefined;
    const sanitized = new Error(`Database error${cause?.code ? ` ${cause.code}` : ''}: ${cause?.message ?? 'query failed'}`);
    sanitized.name = 'DatabaseError';
    return sanitized;
  }
  return error;
}

function withSanitizedErrors<T extends Record<string, (input: never) => Promise<unknown>>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      async (input: never) => {
        try {
          return await fn(input);
        } catch (error) {
          throw sanitizeError(error);
        }
      },
    ]),
  ) as T;
}

/** Activities take one object and return one object; one factory builds them all from their dependencies. */
export function createActivities(deps: ActivityDeps) {
  return withSanitizedErrors(buildActivities(deps));
}

function buildActivities(deps: ActivityDeps) {
  const { db, logger, outbox } = deps;
  const calendar = new CalendarCache(db);

  async function deadlines({ from, limits }: { from: string; limits: Record<string, string> }): Promise<Record<string, string>> {
    try {
      const { deadlines: result, fallbackYears } = computeDeadlines(from, limits, await calendar.get());
      if (fallbackYears.length > 0) logger.warn({ years: fallbackYears }, 'No holiday calendar for these years: counted Monday–Friday as working days');
      return result;
    } catch (error) {
      if (error instanceof InvalidLimitError) throw ApplicationFailure.create({ type: ActivityErrors.invalidLimit, message: error.message, nonRetryable: true });
      throw error;
    }
  }

  /** The active departments among `ids`, in the order given. */
  async function activeDepartments(ids: string[]): Promise<UnitRef[]> {
    const rows = await db
      .select({ id: units.id, name: units.name, level: units.level, kind: units.kind })
      .from(units)
      .where(and(inArray(units.id, ids), eq(units.active, true), eq(units.kind, 'department')));
    return ids.flatMap((id) => rows.filter((r) => r.id === id).map(unitRef));
  }

  return {
    ...createAccountabilityActivities(deps),

    /**
     * Loads the process definition a case pins: a given version, or the newest of the key. A new case
     * gives no key: the process rules choose one by its portal and category (`db/process-rules.ts`).
     */
    async loadProcess({ key: given, version, source, category }: { key: string | null; version: number | null; source?: string; category?: string }): Promise<{ definition: ProcessDefinition }> {
      const key = given ?? (await processFor(db, { ...(source !== undefined ? { source } : {}), ...(category !== undefined ? { category } : {}) }));
      const [row] = await db
        .select()
        .from(processDefinitions)
        .where(version === null ? eq(processDefinitions.key, key) : and(eq(processDefinitions.key, key), eq(processDefinitions.version, version)))
        .orderBy(desc(processDefinitions.version))
        .limit(1);
      if (!row) {
        throw ApplicationFailure.create({ type: ActivityErrors.unknownProcess, message: `No process ${key}${version === null ? '' : ` v${version}`}`, nonRetryable: true });
      }
      return { definition: row.definition };
    },

    /**
     * Judges a complaint: the category's owner in the list in force, the location's unit chain, and its
     * district centre. A location the unit tree no longer knows, or one under no district centre, cannot be
     * placed at all: the case says so (`unroutable`, visible in the API and the Temporal UI) and tries again
     * later, instead of the activity retrying forever out of sight.
     */
    async routeComplaint({ category, locationUnitId }: { category: string; locationUnitId: string }): Promise<RouteResult> {
      const location = (await loadUnitChain(db, locationUnitId)) ?? null;
      const list = location ? await responsibilityList(db, { category }) : undefined;
      const entry = list?.items[0];
      const route = routeOn({
        location,
        list: list ? { version: list.version, entry } : null,
        department: entry?.departmentId ? ((await loadUnitChain(db, entry.departmentId))?.unit ?? null) : null,
        coDepartments: entry && entry.coDepartmentIds.length > 0 ? await activeDepartments(entry.coDepartmentIds) : [],
      });
      if (route.kind === 'unroutable') logger.warn({ locationUnitId, reason: route.reason }, 'A case cannot be routed: fix the unit tree; it is tried again');
      return route;
    },

    /** Deadlines for limits from one instant, on the mainland China working-day calendar. */
    computeDeadlines: deadlines,

    /**
     * The same, plus the wall-clock time of the answer. For local activities: a workflow's clock stands
     * still while its local activities run, so a timer set from it would fire late by their duration.
     */
    async computeDeadlinesTimed(input: { from: string; limits: Record<string, string> }): Promise<{ deadlines: Record<string, string>; at: string }> {
      return { deadlines: await deadlines(input), at: new Date().toISOString() };
    },

    /** Records a notification once for the outbox to deliver: the case never waits for a receiver. */
    async notify(notification: NotificationInput): Promise<void> {
      await outbox.enqueue(notification);
    },

    /**
     * Writes the read model of one case: the case row (only if this state is not older than the stored
     * one), the timeline entries (keyed by workflow id and sequence), and the arbitration rulings among
     * them (keyed by their entry). Retries and replays converge to the same rows; nothing is duplicated
     * or skipped.
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
          await recordRulings(tx, { workflowId: row.workflowId, caseNo: row.caseNo, category: row.category, entries });
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

export type Activities = ReturnType<typeof buildActivities>;
