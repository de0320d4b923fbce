/**
 * Supervision orders as the read model knows them: from the timeline entries a case records when an order is
 * issued (`order-issued`), answered (`order-answered`) or missed (`order-missed`). Read queries for the API.
 */
import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import type { Db } from './client.js';
import { caseTimeline, cases } from './schema.js';

export interface OrderSummary {
  caseNo: string;
  n: number;
  issuedBy: string;
  issuer: string | null;
  to: string | null;
  note: string | null;
  deadline: string | null;
  issuedAt: string;
  /** open; answered; missed (the deadline passed unanswered); ended (the case closed first). */
  status: 'open' | 'answered' | 'missed' | 'ended';
  answeredAt: string | null;
  answeredOnTime: boolean | null;
  feedback: string | null;
}

/** The orders a unit issued, newest first, at most `limit`, issued before `before` (the next page). */
export async function ordersIssuedBy(db: Db, unitId: string, { limit, before }: { limit: number; before?: Date }): Promise<OrderSummary[]> {
  const issued = await db
    .select({ entry: caseTimeline, caseNo: cases.caseNo, closedAt: cases.closedAt })
    .from(caseTimeline)
    .innerJoin(cases, eq(cases.workflowId, caseTimeline.workflowId))
    .where(and(eq(caseTimeline.action, 'order-issued'), eq(caseTimeline.actorUnitId, unitId), before ? lt(caseTimeline.at, before) : undefined))
    .orderBy(desc(caseTimeline.at))
    .limit(limit);
  const workflows = [...new Set(issued.map((r) => r.entry.workflowId))];
  const outcomes =
    workflows.length === 0
      ? []
      : await db
          .select()
          .from(caseTimeline)
          .where(and(inArray(caseTimeline.workflowId, workflows), inArray(caseTimeline.action, ['order-answered', 'order-missed'])));
  const outcomeOf = (workflowId: string, n: number) => outcomes.find((o) => o.workflowId === workflowId && Number(o.detail?.order) === n);
  return issued.map(({ entry, caseNo, closedAt }) => {
    const n = Number(entry.detail?.order);
    const outcome = outcomeOf(entry.workflowId, n);
    const answered = outcome?.action === 'order-answered';
    return {
      caseNo,
      n,
      issuedBy: unitId,
      issuer: entry.actorId,
      to: entry.toUnitId,
      note: entry.reason,
      deadline: typeof entry.detail?.deadline === 'string' ? entry.detail.deadline : null,
      issuedAt: entry.at.toISOString(),
      status: outcome ? (answered ? 'answered' : 'missed') : closedAt ? 'ended' : 'open',
      answeredAt: answered ? outcome.at.toISOString() : null,
      answeredOnTime: answered ? outcome.detail?.onTime === true : null,
      feedback: answered && typeof outcome.detail?.feedback === 'string' ? outcome.detail.feedback : null,
    };
  });
}
