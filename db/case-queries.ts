/**
 * Read queries over the case read model for lists, search and statistics. Writes happen only in
 * activities; these only read, and every list is keyset-paginated on an indexed sort key.
 */
import { and, arrayContains, arrayOverlaps, asc, desc, eq, gte, ilike, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { caseClosed, caseClosedCounted, caseOpen } from './case-facts.js';
import type { Db } from './client.js';
import { cases, type CaseRow } from './schema.js';

export interface CaseListFilters {
  status?: string[];
  level?: string;
  unitId?: string;
  category?: string;
  urgency?: string;
  caseType?: string;
  /** Who raised the case: citizen, grid or unit. */
  origin?: string;
  overdue?: boolean;
  warning?: boolean;
  /** Only open (not closed or cancelled) cases. */
  open?: boolean;
  createdFrom?: Date;
  createdTo?: Date;
  deadlineBefore?: Date;
  /** Free text in the title. */
  q?: string;
  /** Open cases waiting in their current step since before this instant ("stuck"). */
  waitingSince?: Date;
  districtId?: string;
  /** Open cases waiting in this process step (a node id), e.g. for the live diagram. */
  step?: string;
  processKey?: string;
  /** Cases this department was summoned to. */
  summonedUnitId?: string;
}

/**
 * Which cases: all, a portal's, those a set of units has held, or those a street handled (the cases of its
 * area that came to it or its communities — the street's cases in the figures).
 */
/** `held`: cases these units held (what figures count); `read`: those too that they were summoned to (what they may read). */
export type CaseScope =
  | { kind: 'all' }
  | { kind: 'source'; source: string }
  | { kind: 'held'; unitIds: string[] }
  | { kind: 'read'; unitIds: string[] }
  | { kind: 'street'; streetId: string };

export const CASE_SORTS = ['-created', 'created', 'deadline', 'waiting'] as const;
export type CaseSort = (typeof CASE_SORTS)[number];

export interface CaseListOptions {
  sort: CaseSort;
  limit: number;
  cursor?: string;
}

const INFINITY = sql`'infinity'::timestamptz`;
const deadlineKey = sql`coalesce(${cases.deadline}, ${INFINITY})`;

function sortSpec(sort: CaseSort): { key: SQL | typeof cases.receivedAt | typeof cases.stepSince; direction: 'asc' | 'desc'; value: (row: CaseRow) => string } {
  switch (sort) {
    case '-created':
      return { key: cases.receivedAt, direction: 'desc', value: (r) => r.receivedAt.toISOString() };
    case 'created':
      return { key: cases.receivedAt, direction: 'asc', value: (r) => r.receivedAt.toISOString() };
    case 'deadline':
      return { key: deadlineKey, direction: 'asc', value: (r) => r.deadline?.toISOString() ?? 'infinity' };
    case 'waiting':
      return { key: cases.stepSince, direction: 'asc', value: (r) => r.stepSince.toISOString() };
  }
}

/** An opaque cursor: the sort key and case number of the last row of a page. */
export function encodeCursor(sortValue: string, caseNo: string): string {
  return Buffer.from(JSON.stringify([sortValue, caseNo])).toString('base64url');
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CASE_NO = /^[A-Za-z0-9][A-Za-z0-9._-]{0,96}$/;

/**
 * The sort key and row key (a case number, unless `keyPattern` says otherwise) of a cursor, or undefined
 * unless it is exactly what {@link encodeCursor} makes: an instant as `toISOString` writes it (PostgreSQL
 * reads every such value) or `infinity`, and a key. Anything looser ("2026", a date past year 9999) would
 * parse here and fail in the query.
 */
export function decodeCursor(cursor: string, keyPattern: RegExp = CASE_NO): [string, string] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const [sortValue, caseNo] = parsed as unknown[];
  if (typeof sortValue !== 'string' || typeof caseNo !== 'string' || !keyPattern.test(caseNo)) return undefined;
  const instant = sortValue === 'infinity' || (ISO_INSTANT.test(sortValue) && new Date(sortValue).toISOString() === sortValue);
  return instant ? [sortValue, caseNo] : undefined;
}

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export function scopeCondition(scope: CaseScope): SQL | undefined {
  if (scope.kind === 'all') return undefined;
  if (scope.kind === 'source') return eq(cases.source, scope.source);
  if (scope.kind === 'street') return and(eq(cases.streetId, scope.streetId), eq(cases.streetHandled, true));
  if (scope.kind === 'read') return or(arrayOverlaps(cases.holders, scope.unitIds), arrayOverlaps(cases.summoned, scope.unitIds));
  return arrayOverlaps(cases.holders, scope.unitIds);
}

export function filterConditions(f: CaseListFilters): SQL[] {
  const conditions: Array<SQL | undefined> = [
    f.status && f.status.length > 0 ? inArray(cases.status, f.status) : undefined,
    f.level ? eq(cases.level, f.level) : undefined,
    f.unitId ? eq(cases.unitId, f.unitId) : undefined,
    f.summonedUnitId ? arrayContains(cases.summoned, [f.summonedUnitId]) : undefined,
    f.category ? eq(cases.category, f.category) : undefined,
    f.caseType ? eq(cases.caseType, f.caseType) : undefined,
    f.origin ? eq(cases.origin, f.origin) : undefined,
    f.urgency ? eq(cases.urgency, f.urgency) : undefined,
    f.overdue !== undefined ? eq(cases.overdue, f.overdue) : undefined,
    f.warning !== undefined ? eq(cases.warning, f.warning) : undefined,
    f.open === true ? caseOpen : f.open === false ? caseClosed : undefined,
    f.createdFrom ? gte(cases.receivedAt, f.createdFrom) : undefined,
    f.createdTo ? lt(cases.receivedAt, f.createdTo) : undefined,
    f.deadlineBefore ? lt(cases.deadline, f.deadlineBefore) : undefined,
    f.q ? ilike(cases.title, `%${escapeLike(f.q)}%`) : undefined,
    f.waitingSince ? and(caseOpen, lte(cases.stepSince, f.waitingSince)) : undefined,
    f.districtId ? eq(cases.districtId, f.districtId) : undefined,
    f.step ? eq(cases.step, f.step) : undefined,
    f.processKey ? eq(cases.processKey, f.processKey) : undefined,
  ];
  return conditions.filter((c): c is SQL => c !== undefined);
}

/** The query of one page (one row more than the limit, to know whether another page follows). */
export function caseListQuery(db: Db, filters: CaseListFilters, scope: CaseScope, { sort, limit, cursor }: CaseListOptions) {
  const spec = sortSpec(sort);
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  if (cursor !== undefined && after === undefined) throw new RangeError('Invalid cursor');
  const keyset = after
    ? spec.direction === 'asc'
      ? sql`(${spec.key}, ${cases.caseNo}) > (${after[0]}::timestamptz, ${after[1]})`
      : sql`(${spec.key}, ${cases.caseNo}) < (${after[0]}::timestamptz, ${after[1]})`
    : undefined;
  const order = spec.direction === 'asc' ? [asc(spec.key as SQL), asc(cases.caseNo)] : [desc(spec.key as SQL), desc(cases.caseNo)];
  return db
    .select()
    .from(cases)
    .where(and(scopeCondition(scope), keyset, ...filterConditions(filters)))
    .orderBy(...order)
    .limit(limit + 1);
}

/** One page of cases and the cursor of the next page (null on the last one). */
export async function listCases(db: Db, filters: CaseListFilters, scope: CaseScope, options: CaseListOptions): Promise<{ rows: CaseRow[]; nextCursor: string | null }> {
  const { limit, sort } = options;
  const spec = sortSpec(sort);
  const rows = await caseListQuery(db, filters, scope, options);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > limit && last ? encodeCursor(spec.value(last), last.caseNo) : null };
}

/** How many cases match: all of them, those in warning (not yet overdue), and those overdue. */
export async function countCases(db: Db, filters: CaseListFilters, scope: CaseScope): Promise<{ total: number; warning: number; overdue: number }> {
  const [row] = await db
    .select({
      total: sql<number>`count(*)::int`,
      warning: sql<number>`(count(*) filter (where ${cases.warning} and not ${cases.overdue}))::int`,
      overdue: sql<number>`(count(*) filter (where ${cases.overdue}))::int`,
    })
    .from(cases)
    .where(and(scopeCondition(scope), ...filterConditions(filters)));
  return row ?? { total: 0, warning: 0, overdue: 0 };
}

/** How the cases received in a period stand: counts by status and level, where they were resolved, how long they took. The reform's figures are `db/figures.ts`. */
export interface CaseStatistics {
  from: string;
  to: string;
  /** Every case received, cancelled duplicates included (by status shows them). */
  total: number;
  byStatus: Array<{ status: string; cases: number }>;
  byLevel: Array<{ level: string; cases: number }>;
  /** Closed cases by the level that closed them. */
  resolvedByLevel: Array<{ level: string; cases: number; withoutEscalation: number }>;
  averageHandlingHours: number | null;
}

/** Statistics of the cases received in [from, to) within a scope. */
export async function caseStatistics(db: Db, { from, to, scope, districtId }: { from: Date; to: Date; scope: CaseScope; districtId?: string }): Promise<CaseStatistics> {
  const where = and(gte(cases.receivedAt, from), lt(cases.receivedAt, to), scopeCondition(scope), districtId ? eq(cases.districtId, districtId) : undefined);
  const closed = caseClosedCounted;
  const [byStatus, byLevel, resolved, [totals]] = await Promise.all([
    db.select({ status: cases.status, cases: sql<number>`count(*)::int` }).from(cases).where(where).groupBy(cases.status).orderBy(cases.status),
    db.select({ level: sql<string>`coalesce(${cases.level}, 'unrouted')`, cases: sql<number>`count(*)::int` }).from(cases).where(where).groupBy(sql`1`).orderBy(sql`1`),
    db
      .select({ level: sql<string>`coalesce(${cases.level}, 'unrouted')`, cases: sql<number>`count(*)::int`, withoutEscalation: sql<number>`(count(*) filter (where ${cases.escalations} = 0))::int` })
      .from(cases)
      .where(and(where, closed))
      .groupBy(sql`1`)
      .orderBy(sql`1`),
    db
      .select({
        total: sql<number>`count(*)::int`,
        handlingHours: sql<number | null>`avg(extract(epoch from ${cases.closedAt} - ${cases.receivedAt}) / 3600) filter (where ${closed})`,
      })
      .from(cases)
      .where(where),
  ]);
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    total: totals?.total ?? 0,
    byStatus,
    byLevel,
    resolvedByLevel: resolved,
    averageHandlingHours: totals?.handlingHours === null || totals?.handlingHours === undefined ? null : Math.round(Number(totals.handlingHours) * 100) / 100,
  };
}
