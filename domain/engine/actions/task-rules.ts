/** Rules of the actions on the task a case waits in: sign for, resolve, return, whistle up, dispute, extensions, the citizen's rating. */
import { limitFits } from '../../calendar.js';
import { ActionInputs } from '../action-inputs.js';
import { refuse } from '../actor-rules.js';
import { REFUSALS } from '../types.js';
import { AT_A_UNIT, beforeDeadline, HANDLING, listOwns, need, text, type ActionRules } from './common.js';

export const taskRules: { signFor: ActionRules<'signFor'>; resolve: ActionRules<'resolve'>; return: ActionRules<'return'>; whistle: ActionRules<'whistle'>; dispute: ActionRules<'dispute'>; requestExtension: ActionRules<'requestExtension'>; decideExtension: ActionRules<'decideExtension'>; evaluate: ActionRules<'evaluate'> } = {
  signFor: {
    summary: 'Sign for the case: the unit owns it and its handling clock starts',
    input: ActionInputs.signFor,
    refusals: [REFUSALS.alreadySigned, REFUSALS.deadlinePassed],
    when: (read) =>
      read.task('signFor') ? null : read.task(...HANDLING, 'evaluate') ? refuse(REFUSALS.alreadySigned, 'The case is already signed for') : refuse(REFUSALS.notAllowedNow, 'The case is not waiting to be signed for'),
    guard: (read, _action, _actor, now) => beforeDeadline(read.task('signFor')!.token, now),
    effect(step, _action, actor) {
      const { token, node } = step.task('signFor')!;
      step.record('signed', actor, step.here());
      step.leave(token);
      step.enter(node.next, null, null);
    },
  },
  resolve: {
    summary: 'Resolve the case with the reply to the citizen',
    input: ActionInputs.resolve,
    refusals: [REFUSALS.notSignedYet, REFUSALS.notReportedIn],
    when: (read) => (read.task('signFor') ? refuse(REFUSALS.notSignedYet, 'Sign for the case before resolving it') : need(read, HANDLING, 'The case is not being handled')),
    guard(read, action) {
      const { node, token } = read.task(...HANDLING)!;
      const lead = read.state.vars.lead?.id;
      return text(action.reply, 'reply to the citizen') ?? (node.task === 'jointHandle' && !token.reportIns.find((r) => r.unitId === lead)?.at ? refuse(REFUSALS.notReportedIn, 'The lead department must report in before resolving') : null);
    },
    effect(step, action, actor) {
      const { token, node } = step.task(...HANDLING)!;
      step.record('resolved', actor, { ...step.here(), detail: { reply: action.reply, onTime: token.deadline === null || step.now <= token.deadline } });
      step.state.resolvedAt ??= step.now;
      step.leave(token);
      step.enter(node.next, null, null);
    },
  },
  return: {
    summary: 'Return the case as not our responsibility, with a reason',
    input: ActionInputs.return,
    refusals: [REFUSALS.rulingFinal],
    when(read) {
      const task = read.task(...AT_A_UNIT);
      if (!task || !read.boundary(task.node, 'returned')) return refuse(REFUSALS.notAllowedNow, 'The case cannot be returned at this step');
      return read.state.vars.arbitrated ? refuse(REFUSALS.rulingFinal, "The centre's arbitration ruling is final") : null;
    },
    guard: (_read, action) => text(action.reason, 'reason'),
    effect(step, action, actor) {
      const v = step.state.vars;
      v.returns += 1;
      const from = step.answering();
      step.record('returned', actor, { reason: action.reason, fromUnitId: from?.id, fromLevel: v.unit?.level, detail: { returns: v.returns, listOwner: listOwns(step, from) } });
      const { token, node } = step.task(...AT_A_UNIT)!;
      step.leave(token);
      v.lead = null;
      v.co = [];
      step.enter(step.boundary(node, 'returned')!.target, 'returned', null);
    },
  },
  whistle: {
    summary: 'Blow the whistle: escalate the case on purpose, with a reason',
    input: ActionInputs.whistle,
    refusals: [],
    when(read) {
      const task = read.task(...AT_A_UNIT);
      return task && read.boundary(task.node, 'whistle') ? null : refuse(REFUSALS.notAllowedNow, 'The case cannot be escalated by whistle at this step');
    },
    guard: (_read, action) => text(action.reason, 'reason'),
    effect(step, action, actor) {
      const v = step.state.vars;
      step.record('whistled', actor, { reason: action.reason, fromUnitId: v.unit?.id, fromLevel: v.unit?.level });
      const { token, node } = step.task(...AT_A_UNIT)!;
      step.leave(token);
      step.enter(step.boundary(node, 'whistle')!.target, 'whistle', null);
    },
  },
  dispute: {
    summary: 'Dispute the duty at once: the case goes to arbitration at the centre',
    input: ActionInputs.dispute,
    refusals: [REFUSALS.rulingFinal],
    when(read) {
      const task = read.task(...AT_A_UNIT);
      if (!task || !read.boundary(task.node, 'dispute')) return refuse(REFUSALS.notAllowedNow, "The case's duty cannot be disputed at this step");
      return read.state.vars.arbitrated ? refuse(REFUSALS.rulingFinal, "The centre's arbitration ruling is final") : null;
    },
    guard: (_read, action) => text(action.reason, 'reason'),
    effect(step, action, actor) {
      const v = step.state.vars;
      step.record('disputed', actor, { reason: action.reason, fromUnitId: step.answering()?.id, fromLevel: v.unit?.level });
      const { token, node } = step.task(...AT_A_UNIT)!;
      step.leave(token);
      v.lead = null;
      v.co = [];
      step.enter(step.boundary(node, 'dispute')!.target, 'dispute', null);
    },
  },
  requestExtension: {
    summary: 'Ask the level above for more time',
    input: ActionInputs.requestExtension,
    refusals: [REFUSALS.extensionPending, REFUSALS.extensionLimitReached, REFUSALS.extensionTooLong, REFUSALS.deadlinePassed],
    when(read) {
      const task = read.task(...HANDLING);
      if (!task) return refuse(REFUSALS.notAllowedNow, 'Extensions are for cases being handled');
      if (task.token.pendingExtension) return refuse(REFUSALS.extensionPending, 'An extension request is already waiting for a decision');
      const { max } = read.definition.settings.extension;
      return task.token.extensions >= max ? refuse(REFUSALS.extensionLimitReached, `At most ${max} extension(s) per step`) : null;
    },
    guard(read, action, _actor, now) {
      const { token } = read.task(...HANDLING)!;
      const { maxRatio } = read.definition.settings.extension;
      const denied = text(action.reason, 'reason') ?? beforeDeadline(token, now);
      if (denied) return denied;
      if (action.extendBy !== undefined && token.limit !== null && !limitFits(action.extendBy, token.limit, maxRatio)) {
        return refuse(REFUSALS.extensionTooLong, `An extension may be at most ${maxRatio} × ${token.limit}`);
      }
      return null;
    },
    effect(step, action, actor) {
      const { token } = step.task(...HANDLING)!;
      token.pendingExtension = { reason: action.reason, extendBy: action.extendBy ?? token.limit!, requestedBy: actor, at: step.now };
      step.record('extension-requested', actor, { ...step.here(), reason: action.reason, detail: { extendBy: token.pendingExtension.extendBy, deadline: token.deadline } });
      const approver = step.approver();
      if (approver) step.notify('warning', [approver.id], `Case ${step.state.caseNo}: an extension is requested`);
    },
  },
  decideExtension: {
    summary: 'Approve or deny a pending extension',
    input: ActionInputs.decideExtension,
    refusals: [REFUSALS.noExtensionPending, REFUSALS.deadlinePassed],
    when: (read) => (read.task(...HANDLING)?.token.pendingExtension ? null : refuse(REFUSALS.noExtensionPending, 'No extension request is waiting')),
    guard: (read, _action, _actor, now) => beforeDeadline(read.task(...HANDLING)!.token, now),
    effect(step, action, actor) {
      const { token } = step.task(...HANDLING)!;
      const request = token.pendingExtension!;
      token.pendingExtension = null;
      const note = action.note ? { reason: action.note } : {};
      if (!action.approve) {
        step.record('extension-denied', actor, { ...step.here(), ...note, detail: { deadline: token.deadline } });
        return;
      }
      token.extensions += 1;
      step.record('extension-approved', actor, { ...step.here(), ...note, detail: { extendBy: request.extendBy, previousDeadline: token.deadline } });
      token.awaiting = step.activity({ name: 'computeDeadlines', input: { from: token.deadline ?? step.now, limits: { extension: request.extendBy } } }, true);
    },
  },
  evaluate: {
    summary: "The citizen's rating of the reply",
    input: ActionInputs.evaluate,
    refusals: [REFUSALS.caseStillOpen],
    when: (read) => (read.task('evaluate') ? null : refuse(REFUSALS.caseStillOpen, 'The case has not been resolved yet')),
    effect(step, action, actor) {
      const { token, node } = step.task('evaluate')!;
      step.state.vars.rating = action.rating;
      step.record('evaluated', actor, { ...step.here(), detail: { rating: action.rating, ...(action.comment ? { comment: action.comment } : {}) } });
      step.leave(token);
      step.enter(node.next, null, null);
    },
  },
};
