/**
 * Rules of difficult cases and staged completion: the unit answering for a case applies for difficult status
 * with a reason and a longer limit, the district centre decides; a difficult case may be completed in stages —
 * what was done, the plan, a follow-up date on which the case comes back to the unit. The citizen is told at
 * each stage (a `citizen-informed` entry the hotline calls back from), unless there is no citizen to tell.
 */
import { limitFits, parseLimit } from '../../calendar.js';
import { ActionInputs } from '../action-inputs.js';
import { refuse } from '../actor-rules.js';
import { informCitizen } from '../stages.js';
import { REFUSALS, type Refusal } from '../types.js';
import { beforeDeadline, HANDLING, need, text, type ActionRules } from './common.js';

const validLimit = (limit: string): Refusal | null => {
  try {
    parseLimit(limit);
    return null;
  } catch (error) {
    return refuse(REFUSALS.invalidInput, (error as Error).message);
  }
};

export const difficultRules: { applyDifficult: ActionRules<'applyDifficult'>; decideDifficult: ActionRules<'decideDifficult'>; completeStage: ActionRules<'completeStage'> } = {
  applyDifficult: {
    summary: 'Apply for difficult status: a reason and the longer limit the case needs; the district centre decides',
    input: ActionInputs.applyDifficult,
    refusals: [REFUSALS.deadlinePassed],
    when(read) {
      const status = read.state.difficult?.status;
      if (status === 'pending' || status === 'approved') return refuse(REFUSALS.notAllowedNow, status === 'pending' ? 'An application for difficult status is waiting for the centre' : 'The case is already difficult');
      return need(read, HANDLING, 'Difficult status is for cases being handled');
    },
    guard(read, action, _actor, now) {
      const { token } = read.task(...HANDLING)!;
      const invalid = text(action.reason, 'reason') ?? validLimit(action.limit) ?? beforeDeadline(token, now);
      if (invalid) return invalid;
      return token.limit !== null && limitFits(action.limit, token.limit, 1) ? refuse(REFUSALS.invalidInput, `A difficult case needs a longer limit than ${token.limit}`) : null;
    },
    effect(step, action, actor) {
      step.state.difficult = { status: 'pending', reason: action.reason, limit: action.limit, appliedBy: actor, at: step.now, decidedAt: null };
      step.record('difficult-applied', actor, { ...step.here(), reason: action.reason, detail: { limit: action.limit } });
      const centre = step.state.vars.route?.centre.id;
      if (centre) step.notify('warning', [centre], `Case ${step.state.caseNo}: difficult status is applied for`);
    },
  },
  decideDifficult: {
    summary: 'Approve or deny difficult status (the district centre): approved, the task\'s limit becomes the longer one, counted from its start',
    input: ActionInputs.decideDifficult,
    refusals: [],
    when: (read) => (read.state.difficult?.status === 'pending' && read.task(...HANDLING) ? null : refuse(REFUSALS.notAllowedNow, 'No application for difficult status is waiting')),
    guard(read, action, actor) {
      const centre = read.state.vars.route?.centre.id;
      if (actor.unitId !== centre) return refuse(REFUSALS.notYourCase, `Difficult status is for the district centre (${centre ?? 'none'}) to decide`);
      return action.limit === undefined ? null : validLimit(action.limit);
    },
    effect(step, action, actor) {
      const difficult = step.state.difficult!;
      difficult.decidedAt = step.now;
      const note = action.note ? { reason: action.note } : {};
      if (!action.approve) {
        difficult.status = 'denied';
        step.record('difficult-denied', actor, { ...step.here(), ...note });
        return;
      }
      difficult.status = 'approved';
      difficult.limit = action.limit ?? difficult.limit;
      const { token } = step.task(...HANDLING)!;
      token.limit = difficult.limit;
      step.record('difficult-approved', actor, { ...step.here(), ...note, detail: { limit: difficult.limit, previousDeadline: token.deadline } });
      // The longer limit replaces the task's own, counted from when the task began.
      token.awaiting = step.activity({ name: 'computeDeadlines', input: { from: token.enteredAt, limits: { extension: difficult.limit } } }, true);
      informCitizen(step, `Your case ${step.state.caseNo} needs longer to solve; it has a new limit of ${difficult.limit}`);
    },
  },
  completeStage: {
    summary: 'Complete a difficult case in stages: what was done, the plan and a follow-up date, on which the case comes back to the unit',
    input: ActionInputs.completeStage,
    refusals: [],
    when(read) {
      if (read.state.difficult?.status !== 'approved') return refuse(REFUSALS.notAllowedNow, 'Only a difficult case is completed in stages');
      const task = read.task(...HANDLING);
      if (task?.token.staged) return refuse(REFUSALS.notAllowedNow, `The case waits for its follow-up on ${task.token.staged.followUpAt}`);
      return need(read, HANDLING, 'The case is not being handled');
    },
    guard: (_read, action, _actor, now) =>
      text(action.done, 'account of what was done') ?? text(action.plan, 'plan') ?? (Date.parse(action.followUpAt) > Date.parse(now) ? null : refuse(REFUSALS.invalidInput, 'The follow-up date must be in the future')),
    effect(step, action, actor) {
      const { token } = step.task(...HANDLING)!;
      const followUpAt = new Date(action.followUpAt).toISOString();
      // Its limit rests until the follow-up: the timers of the deadline and the warning are off, the follow-up's on.
      step.cancelTimers(token, (purpose) => purpose === 'reportIn');
      token.staged = { done: action.done, plan: action.plan, followUpAt, at: step.now };
      step.timer(token, 'follow-up', followUpAt);
      step.record('stage-completed', actor, { ...step.here(), detail: { done: action.done, plan: action.plan, followUpAt } });
      informCitizen(step, `Your case ${step.state.caseNo}: done so far: ${action.done}. Next: ${action.plan}. We follow up on ${followUpAt}`);
    },
  },
};
