/** Rules of the actions that place a case or supervise it: dispatch, arbitration, reassignment, cancelling a duplicate, urging, comments. */
import { DEFAULT_CASE_LIMITS } from '../../process/definition.js';
import { ActionInputs } from '../action-inputs.js';
import type { CaseReader } from '../reader.js';
import { refuse } from '../actor-rules.js';
import { REFUSALS } from '../types.js';
import { AT_A_UNIT, coDepartmentProblem, need, noteLimit, place, targetProblem, text, type ActionRules } from './common.js';

/** Comments and the citizen's follow-ups both count against the case's comment limit. */
const commentLimited = { refusals: [REFUSALS.limitReached], when: (read: CaseReader) => noteLimit(read, 'comments') };

export const supervisionRules: {
  dispatch: ActionRules<'dispatch'>;
  arbitrate: ActionRules<'arbitrate'>;
  reassign: ActionRules<'reassign'>;
  cancel: ActionRules<'cancel'>;
  urge: ActionRules<'urge'>;
  comment: ActionRules<'comment'>;
  followUp: ActionRules<'followUp'>;
} = {
  dispatch: {
    summary: 'Dispatch the case to a unit; at the centre, to a lead department and co-departments',
    input: ActionInputs.dispatch,
    unitFields: [
      { body: 'unitId', action: 'unit' },
      { body: 'coUnitIds', action: 'coUnits', many: true },
    ],
    refusals: [REFUSALS.invalidTarget],
    when: (read) => need(read, ['dispatch'], 'The case is not waiting for dispatch'),
    guard: (read, action) => targetProblem(read, action.unit) ?? coDepartmentProblem(action.unit, action.coUnits),
    effect: place,
  },
  arbitrate: {
    summary: 'Rule who owns a disputed case; the ruling is final',
    input: ActionInputs.arbitrate,
    unitFields: [
      { body: 'unitId', action: 'unit' },
      { body: 'coUnitIds', action: 'coUnits', many: true },
    ],
    refusals: [REFUSALS.invalidTarget],
    when: (read) => need(read, ['arbitrate'], 'The case is not waiting for arbitration'),
    guard: (read, action) => targetProblem(read, action.unit) ?? coDepartmentProblem(action.unit, action.coUnits) ?? text(action.ruling, 'ruling'),
    effect: place,
  },
  reassign: {
    summary: 'Move the case to another unit at the same level (joint handling: another lead department)',
    input: ActionInputs.reassign,
    unitFields: [{ body: 'unitId', action: 'unit' }],
    refusals: [REFUSALS.invalidTarget],
    when: (read) => need(read, AT_A_UNIT, 'Only a case waiting at a unit can be reassigned'),
    guard(read, action, actor) {
      const current = read.state.vars.unit!;
      const joint = read.task(...AT_A_UNIT)!.node.task === 'jointHandle';
      if (joint ? action.unit.unit.kind !== 'department' : action.unit.unit.level !== current.level || action.unit.unit.kind === 'department') {
        return refuse(REFUSALS.invalidTarget, joint ? 'Joint handling is reassigned to another department' : `Reassign to another unit at level ${current.level}`);
      }
      if (!read.within(action.unit, actor.unitId!)) return refuse(REFUSALS.invalidTarget, `${action.unit.unit.id} is outside your area`);
      if (action.unit.unit.id === read.answering()!.id) return refuse(REFUSALS.invalidTarget, 'The case is already there');
      return text(action.reason, 'reason');
    },
    effect(step, action, actor) {
      const v = step.state.vars;
      const { token, node } = step.task(...AT_A_UNIT)!;
      const from = step.answering()?.id;
      if (node.task === 'jointHandle') {
        v.lead = action.unit.unit;
        v.co = v.co.filter((u) => u.id !== action.unit.unit.id);
        step.hold(action.unit.unit);
      } else {
        step.assign(action.unit.unit, action.unit.ancestors);
      }
      step.record('reassigned', actor, { reason: action.reason, fromUnitId: from, toUnitId: action.unit.unit.id, toLevel: action.unit.unit.level });
      step.leave(token);
      step.startTask(node, null);
    },
  },
  cancel: {
    summary: 'Cancel a duplicate, naming the original case',
    input: ActionInputs.cancel,
    refusals: [],
    when: () => null,
    guard: (read, action) =>
      action.originalCaseNo === read.state.caseNo ? refuse(REFUSALS.invalidInput, 'A case cannot duplicate itself') : text(action.originalCaseNo, 'original case number') ?? text(action.reason, 'reason'),
    effect(step, action, actor) {
      step.record('cancelled', actor, { reason: action.reason, detail: { originalCaseNo: action.originalCaseNo } });
      step.terminate('cancelled');
    },
  },
  urge: {
    summary: "Urge the unit to act; recorded and notified (a case takes its process's most urges, then 409 LimitReached)",
    input: ActionInputs.urge,
    refusals: [REFUSALS.limitReached],
    when: (read) => noteLimit(read, 'urges'),
    effect(step, action, actor) {
      const main = step.mainTask();
      step.state.notes.urges += 1;
      step.record('urged', actor, { ...step.here(), ...(action.note ? { reason: action.note } : {}) });
      step.notify('urge', main ? step.unitsOf(main) : [], `Case ${step.state.caseNo}: a supervisor urges you to act`);
    },
  },
  comment: {
    summary: "Add a note to the case's timeline (a case takes its process's most comments, then 409 LimitReached)",
    input: ActionInputs.comment,
    ...commentLimited,
    guard: (_read, action) => text(action.text, 'comment'),
    effect(step, action, actor) {
      step.state.notes.comments += 1;
      step.record('commented', actor, { detail: { comment: action.text } });
    },
  },
  followUp: {
    summary: "The citizen, through the portal, adds information or asks about progress (a case takes its process's most comments, follow-ups included); repeated progress asks make a normal case urgent",
    input: ActionInputs.followUp,
    ...commentLimited,
    guard: (_read, action) => text(action.text, 'text'),
    effect(step, action, actor) {
      const s = step.state;
      s.notes.comments += 1;
      if (action.kind === 'progress') s.progressAsks = (s.progressAsks ?? 0) + 1;
      step.record('citizen-follow-up', actor, { ...step.here(), detail: { kind: action.kind, text: action.text, progressAsks: s.progressAsks ?? 0 } });
      const main = step.mainTask();
      step.notify('urge', main ? step.unitsOf(main) : [], `Case ${s.caseNo}: the citizen ${action.kind === 'progress' ? 'asks about progress' : 'adds information'}`);
      const threshold = step.limits.followUpsToUrgent ?? DEFAULT_CASE_LIMITS.followUpsToUrgent!;
      if (action.kind === 'progress' && s.urgency === 'normal' && (s.progressAsks ?? 0) >= threshold) {
        // The limits of the steps that follow are the urgent ones; the current step keeps its deadline.
        s.urgency = 'urgent';
        step.record('priority-raised', { role: 'system', id: 'engine' }, { ...step.here(), reason: `${s.progressAsks} progress follow-ups`, detail: { urgency: 'urgent', threshold } });
      }
    },
  },
};
