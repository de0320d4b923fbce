/** Rules of supervision orders: a supervisor above the unit answering for the case issues one; that unit answers it in writing. */
import { parseLimit } from '../../calendar.js';
import { ActionInputs } from '../action-inputs.js';
import { refuse } from '../actor-rules.js';
import { ordersOf } from '../orders.js';
import { REFUSALS } from '../types.js';
import { AT_A_UNIT, need, text, type ActionRules } from './common.js';

export const orderRules: { issueOrder: ActionRules<'issueOrder'>; answerOrder: ActionRules<'answerOrder'> } = {
  issueOrder: {
    summary: 'Issue a supervision order to the unit answering for the case: its own deadline and a required written answer; a missed order counts in the unit\'s scores',
    input: ActionInputs.issueOrder,
    refusals: [REFUSALS.invalidTarget],
    when: (read) => need(read, AT_A_UNIT, 'Supervision orders are for cases waiting at a unit'),
    guard(read, action, actor) {
      const answering = read.answering();
      if (!answering || read.participants().includes(actor.unitId ?? '')) return refuse(REFUSALS.invalidTarget, 'A supervision order comes from a level above the unit answering for the case');
      try {
        parseLimit(action.limit);
      } catch (error) {
        return refuse(REFUSALS.invalidInput, (error as Error).message);
      }
      return text(action.note, 'note');
    },
    effect(step, action, actor) {
      const orders = (step.state.orders ??= []);
      const order = {
        n: orders.length + 1,
        by: actor.unitId!,
        issuer: actor,
        to: step.answering()!.id,
        note: action.note,
        limit: action.limit,
        at: step.now,
        deadline: null,
        awaiting: null as string | null,
        timers: [],
        warned: false,
        feedback: null,
        missed: false,
        open: true,
      };
      order.awaiting = step.activity({ name: 'computeDeadlines', input: { from: step.now, limits: { order: action.limit } } }, true);
      orders.push(order);
    },
  },
  answerOrder: {
    summary: 'Answer a supervision order in writing (the unit it was addressed to)',
    input: ActionInputs.answerOrder,
    refusals: [],
    when: (read) => (ordersOf(read.state).some((o) => o.open && o.awaiting === null) ? null : refuse(REFUSALS.notAllowedNow, 'No supervision order is waiting for an answer')),
    guard(read, action, actor) {
      const order = ordersOf(read.state).find((o) => o.n === action.order);
      if (!order || !order.open) return refuse(REFUSALS.notAllowedNow, `Supervision order ${action.order} is not waiting for an answer`);
      if (order.to !== actor.unitId) return refuse(REFUSALS.notYourCase, `Supervision order ${action.order} is addressed to ${order.to}`);
      return text(action.feedback, 'written answer');
    },
    effect(step, action, actor) {
      const order = ordersOf(step.state).find((o) => o.n === action.order)!;
      const onTime = order.deadline === null || step.now <= order.deadline;
      step.cancelTimers(order);
      order.open = false;
      order.feedback = { text: action.feedback, at: step.now, by: actor, onTime };
      step.record('order-answered', actor, { toUnitId: order.by, detail: { order: order.n, feedback: action.feedback, onTime, deadline: order.deadline } });
      step.notify('order', [order.by], `Case ${step.state.caseNo}: ${order.to} answered supervision order ${order.n}`);
    },
  },
};
