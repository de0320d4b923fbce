/**
 * Supervision orders: a supervisor above the unit answering for a case orders it to act by a deadline of the
 * order's own and to answer in writing. The order's deadline, the warning before it, and a missed order —
 * recorded against the unit (it counts in the unit's scores) and told to the issuer.
 */
import type { Actor } from '../case.js';
import { warningPoint } from '../calendar.js';
import type { SummonsStep } from './summons.js';
import type { SupervisionOrder } from './types.js';

const TIMER: Actor = { role: 'system', id: 'timer' };

/** How far into an order's limit the unit is warned. */
const ORDER_WARNING_RATIO = 0.75;

/** The open orders of a case (cases started before orders existed have none). */
export const ordersOf = (state: { orders?: SupervisionOrder[] }): SupervisionOrder[] => state.orders ?? [];

/** The order's deadline is known: it is issued now (recorded with its deadline), warned before it and checked at it. */
export function orderDeadlineKnown(step: SummonsStep, order: SupervisionOrder, deadline: string | null): void {
  order.awaiting = null;
  if (!order.open) return;
  order.deadline = deadline;
  step.record('order-issued', order.issuer, { toUnitId: order.to, reason: order.note, detail: { order: order.n, limit: order.limit, deadline } });
  step.notify('order', [order.to], `Case ${step.state.caseNo}: supervision order ${order.n} from ${order.by}, answer in writing by ${deadline ?? 'its deadline'}`);
  if (deadline === null) return;
  step.timer(order, 'order-warning', warningPoint(new Date(order.at), new Date(deadline), ORDER_WARNING_RATIO).toISOString());
  step.timer(order, 'order-limit', deadline);
}

/** Before the deadline the unit is warned; at it, an unanswered order is missed, recorded against the unit and told to the issuer. */
export function orderTimerFired(step: SummonsStep, order: SupervisionOrder, timerId: string): void {
  const timer = order.timers.find((t) => t.id === timerId)!;
  order.timers = order.timers.filter((t) => t.id !== timerId);
  if (!order.open) return;
  const caseNo = step.state.caseNo;
  if (timer.purpose === 'order-warning') {
    order.warned = true;
    step.record('order-warning', TIMER, { toUnitId: order.to, detail: { order: order.n, deadline: order.deadline } });
    step.notify('warning', [order.to], `Case ${caseNo}: supervision order ${order.n} is due at ${order.deadline}`);
    return;
  }
  order.open = false;
  order.missed = true;
  step.record('order-missed', TIMER, { toUnitId: order.to, detail: { order: order.n, deadline: order.deadline, issuedBy: order.by } });
  step.notify('escalated', [order.by], `Case ${caseNo}: ${order.to} did not answer supervision order ${order.n} by ${order.deadline}`);
}
