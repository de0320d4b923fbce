/**
 * Arbitration rulings in the read model: written when a ruling's timeline entry is projected, listed with
 * their cases, and published (as the next responsibility list version) or dismissed by an admin.
 */
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { TimelineEntry } from '../domain/case.js';
import { proposedOwner } from '../domain/rulings.js';
import { decodeCursor, encodeCursor, scopeCondition, type CaseScope } from './case-queries.js';
import type { Db, Tx } from './client.js';
import { responsibilityList } from './reference-queries.js';
import { publishResponsibilityList } from './responsibility-list.js';
import { arbitrationRulings, cases } from './schema.js';

export type RulingRow = typeof arbitrationRulings.$inferSelect;
export const RULING_STATUSES = ['proposed', 'published', 'dismissed'] as const;
export type RulingStatus = (typeof RULING_STATUSES)[number];

/** A ruling's id: its timeline entry. */
export const rulingId = (workflowId: string, seq: number): string => `${workflowId}:${seq}`;
const RULING_ID = /^complaint-[A-Za-z0-9][A-Za-z0-9._-]{0,96}:\d{1,10}$/;

/** Records the rulings among a case's newly projected entries, once each (inside the projection's transaction). */
export async function recordRulings(tx: Tx, { workflowId, caseNo, category, entries }: { workflowId: string; caseNo: string; category: string; entries: TimelineEntry[] }): Promise<void> {
  const rows = entries.flatMap((entry) => {
    const owner = proposedOwner(entry, category);
    if (!owner) return [];
    return [
      {
        id: rulingId(workflowId, entry.seq),
        caseNo,
        category: owner.category,
        level: owner.level,
        leadUnitId: owner.lead,
        coUnitIds: owner.co,
        ruling: entry.reason ?? '',
        ruledBy: entry.actor.id,
        ruledAt: new Date(entry.at),
      },
    ];
  });
  if (rows.length > 0) await tx.insert(arbitrationRulings).values(rows).onConflictDoNothing();
}

/** A ruling with the case it was made on (null if the case has left the read model). */
export interface RulingWithCase extends RulingRow {
  case: { caseNo: string; title: string; category: string; status: string; unitId: string | null; receivedAt: Date; closedAt: Date | null } | null;
}

const withCase = {
  ruling: arbitrationRulings,
  case: { caseNo: cases.caseNo, title: cases.title, category: cases.category, status: cases.status, unitId: cases.unitId, receivedAt: cases.receivedAt, closedAt: cases.closedAt },
};

/** One page of rulings, newest first, on cases within `scope`. */
export async function listRulings(
  db: Db,
  { status, scope, limit, cursor }: { status?: RulingStatus; scope: CaseScope; limit: number; cursor?: string },
): Promise<{ rows: RulingWithCase[]; nextCursor: string | null }> {
  const after = cursor === undefined ? undefined : decodeCursor(cursor, RULING_ID);
  if (cursor !== undefined && after === undefined) throw new RangeError('Invalid cursor');
  const keyset: SQL | undefined = after ? sql`(${arbitrationRulings.ruledAt}, ${arbitrationRulings.id}) < (${after[0]}::timestamptz, ${after[1]})` : undefined;
  const rows = await db
    .select(withCase)
    .from(arbitrationRulings)
    .leftJoin(cases, eq(cases.caseNo, arbitrationRulings.caseNo))
    .where(and(status ? eq(arbitrationRulings.status, status) : undefined, scopeCondition(scope), keyset))
    .orderBy(desc(arbitrationRulings.ruledAt), desc(arbitrationRulings.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit).map((r) => ({ ...r.ruling, case: r.case }));
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > limit && last ? encodeCursor(last.ruledAt.toISOString(), last.id) : null };
}

/** One ruling with its case. */
export async function getRuling(db: Db, id: string): Promise<RulingWithCase | undefined> {
  const [row] = await db
    .select(withCase)
    .from(arbitrationRulings)
    .leftJoin(cases, eq(cases.caseNo, arbitrationRulings.caseNo))
    .where(eq(arbitrationRulings.id, id));
  return row && { ...row.ruling, case: row.case };
}

/** What deciding a ruling came to: done, or refused because it was decided before. */
export type Decision = { kind: 'done'; listVersion: number | null } | { kind: 'decided-before'; status: string };

/** Locks a ruling that is still a proposal, or says how it was decided. */
async function lockProposal(tx: Tx, id: string): Promise<RulingRow | { decidedBefore: string }> {
  const [row] = await tx.select().from(arbitrationRulings).where(eq(arbitrationRulings.id, id)).for('update');
  if (!row) throw new RangeError(`No ruling ${id}`);
  return row.status === 'proposed' ? row : { decidedBefore: row.status };
}

/**
 * Publishes a ruling's proposal as the next responsibility list version — the list in force with the ruled
 * matter owned as the ruling says (a department lead with its co-departments, or a level) — and marks the
 * ruling published, in one transaction. `leadIsDepartment` says whether the lead is a department (else the
 * matter belongs to the lead's level); `name` names a matter the list does not have yet.
 */
export async function publishRuling(
  db: Db,
  { id, decidedBy, leadIsDepartment, name, nameEn, note }: { id: string; decidedBy: string; leadIsDepartment: boolean; name?: string; nameEn?: string; note?: string },
): Promise<Decision> {
  return db.transaction(async (tx) => {
    const ruling = await lockProposal(tx, id);
    if ('decidedBefore' in ruling) return { kind: 'decided-before', status: ruling.decidedBefore };
    const inForce = await responsibilityList(tx, {});
    const items = inForce?.items ?? [];
    const current = items.find((item) => item.category === ruling.category);
    const ruled = {
      category: ruling.category,
      name: name ?? current?.name ?? ruling.category,
      nameEn: nameEn ?? current?.nameEn ?? null,
      level: ruling.level,
      departmentId: leadIsDepartment ? ruling.leadUnitId : null,
      coDepartmentIds: ruling.coUnitIds,
    };
    const version = await publishResponsibilityList(tx, {
      note: note ?? `Arbitration ruling on case ${ruling.caseNo}: ${ruling.ruling}`.slice(0, 500),
      items: [...items.filter((item) => item.category !== ruling.category), ruled].sort((a, b) => (a.category < b.category ? -1 : 1)),
    });
    await tx.update(arbitrationRulings).set({ status: 'published', listVersion: version, decidedBy, decidedAt: new Date() }).where(eq(arbitrationRulings.id, id));
    return { kind: 'done', listVersion: version };
  });
}

/** Dismisses a ruling's proposal: the list stays as it is. */
export async function dismissRuling(db: Db, { id, decidedBy }: { id: string; decidedBy: string }): Promise<Decision> {
  return db.transaction(async (tx) => {
    const ruling = await lockProposal(tx, id);
    if ('decidedBefore' in ruling) return { kind: 'decided-before', status: ruling.decidedBefore };
    await tx.update(arbitrationRulings).set({ status: 'dismissed', decidedBy, decidedAt: new Date() }).where(eq(arbitrationRulings.id, id));
    return { kind: 'done', listVersion: null };
  });
}
