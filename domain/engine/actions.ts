/**
 * The action catalogue: everything a person can do to a case, in one place. For each action: the roles that
 * may take it and whom the actor must be (`who`), what it takes (`input`, the API's body schema), when the
 * case allows it (`when`: the open tasks and state it needs), what else must hold (`guard`), and what it does
 * (`effect`). The engine's refusals, each role's allowed actions in the case view, the API's routes and their
 * OpenAPI descriptions are all derived from this table. docs/lifecycle.md shows how to add an action.
 */
import type { TSchema } from 'typebox';
import type { Actor, Role } from '../case.js';
import { limitFits } from '../calendar.js';
import type { TaskKind } from '../process/definition.js';
import type { UnitChain } from '../units.js';
import { ActionInputs } from './action-inputs.js';
import { refuse, type ActorRule } from './actor-rules.js';
import type { CaseReader, OpenTask } from './reader.js';
import { REFUSALS, type ActionType, type CaseAction, type Refusal, type Token } from './types.js';
import type { Step } from './walker.js';

type ActionOf<T extends ActionType> = Extract<CaseAction, { type: T }>;

export interface ActionSpec<T extends ActionType> {
  /** The API path segment: `POST /v1/complaints/:caseNo/<path>`. */
  path: string;
  summary: string;
  /** The roles that may take the action, each with whom the actor of that role must be. */
  who: Partial<Record<Role, ActorRule>>;
  /** The request body (JSON Schema). */
  input: TSchema;
  /** Body fields holding unit ids, with the action field their unit chains go into. */
  unitFields?: Array<{ body: string; action: string; many?: boolean }>;
  /** The open tasks the action applies to (none: any time the case is open). */
  tasks?: readonly TaskKind[];
  /** The refusals the action can answer beyond the common ones (documentation). */
  refusals: readonly Refusal['type'][];
  /** Whether the case's state allows the action now, whoever asks (what the case view offers each role). */
  when(read: CaseReader): Refusal | null;
  /** What must also hold for this actor and input, once the actor is known to be the right one. */
  guard?(read: CaseReader, action: ActionOf<T>, actor: Actor, now: string): Refusal | null;
  /** What the action does. */
  effect(step: Step, action: ActionOf<T>, actor: Actor): void;
}

const text = (value: string | undefined, what: string): Refusal | null =>
  value === undefined || value.trim() === '' ? refuse(REFUSALS.invalidInput, `A ${what} is required`) : null;

const beforeDeadline = (token: Token, now: string): Refusal | null =>
  token.deadline !== null && now >= token.deadline ? refuse(REFUSALS.deadlinePassed, `The limit passed at ${token.deadline}`) : null;

/** The open task of these kinds, or the refusal that none is open. */
const openTask = (read: CaseReader, kinds: readonly TaskKind[], refusal: Refusal): OpenTask | Refusal => read.task(...kinds) ?? refusal;
const isOpen = (task: OpenTask | Refusal): task is OpenTask => 'token' in task;
const need = (read: CaseReader, kinds: readonly TaskKind[], message: string): Refusal | null => {
  const task = openTask(read, kinds, refuse(REFUSALS.notAllowedNow, message));
  return isOpen(task) ? null : task;
};

const AT_A_UNIT = ['signFor', 'handle', 'jointHandle'] as const;
const HANDLING = ['handle', 'jointHandle'] as const;

/** Refused once the case holds as many notes of a kind as its process allows. */
function noteLimit(read: CaseReader, kind: 'comments' | 'urges'): Refusal | null {
  const max = kind === 'comments' ? read.limits.maxComments : read.limits.maxUrges;
  if (!read.state.limitNotes || read.state.notes[kind] < max) return null;
  return refuse(REFUSALS.limitReached, `This case already has ${max} ${kind}, the most its process allows; its timeline keeps them all`);
}

/** A dispatch or arbitration target: under the deciding unit; departments only from the top level. */
function targetProblem(read: CaseReader, target: UnitChain): Refusal | null {
  const v = read.state.vars;
  const scopeId = v.unit!.id;
  const atTop = read.levelIndex(v.unit!.level) === read.definition.levels.length - 1;
  if (!read.within(target, scopeId)) return refuse(REFUSALS.invalidTarget, `${target.unit.id} is not under ${scopeId}`);
  if (target.unit.kind === 'department') return atTop ? null : refuse(REFUSALS.invalidTarget, 'Only the district centre dispatches to departments');
  if (!read.definition.levels.includes(target.unit.level)) return refuse(REFUSALS.invalidTarget, `Level ${target.unit.level} is not part of this process`);
  return null;
}

/** Dispatch and arbitration both place the case: with a lead department (and co-departments), or at a unit. */
function place(step: Step, action: ActionOf<'dispatch'> | ActionOf<'arbitrate'>, actor: Actor): void {
  const s = step.state;
  const v = s.vars;
  const { token, node } = step.task(action.type)!;
  const target = action.unit;
  if (target.unit.kind === 'department') {
    v.lead = target.unit;
    v.co = (action.type === 'dispatch' ? action.coUnits ?? [] : []).map((c) => c.unit);
    step.hold(target.unit);
    v.co.forEach((u) => step.hold(u));
  } else {
    v.lead = null;
    v.co = [];
    step.assign(target.unit, target.ancestors);
  }
  if (action.type === 'arbitrate') v.arbitrated = true;
  const onTime = token.deadline === null || step.now <= token.deadline;
  step.record(action.type === 'dispatch' ? 'dispatched' : 'arbitrated', actor, {
    toUnitId: target.unit.id,
    toLevel: target.unit.level,
    ...(action.type === 'arbitrate'
      ? { reason: action.ruling, detail: { onTime, proposedListChange: { category: s.complaint.category, owner: target.unit.id } } }
      : { detail: { onTime, coDepartments: v.co.map((u) => u.id), ...(action.note ? { note: action.note } : {}) } }),
  });
  step.notify('dispatched', [target.unit.id, ...v.co.map((u) => u.id)], `Case ${s.caseNo} is assigned to you`);
  step.leave(token);
  step.enter(node.next, null, null);
}

export const ACTIONS: { [T in ActionType]: ActionSpec<T> } = {
  signFor: {
    path: 'sign-for',
    summary: 'Sign for the case: the unit owns it and its handling clock starts',
    who: { handler: 'holder' },
    input: ActionInputs.signFor,
    tasks: ['signFor'],
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
    path: 'resolve',
    summary: 'Resolve the case with the reply to the citizen',
    who: { handler: 'answering' },
    input: ActionInputs.resolve,
    tasks: HANDLING,
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
    path: 'return',
    summary: 'Return the case as not our responsibility, with a reason',
    who: { handler: 'answering' },
    input: ActionInputs.return,
    tasks: AT_A_UNIT,
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
      step.record('returned', actor, { reason: action.reason, fromUnitId: step.answering()?.id, fromLevel: v.unit?.level, detail: { returns: v.returns } });
      const { token, node } = step.task(...AT_A_UNIT)!;
      step.leave(token);
      v.lead = null;
      v.co = [];
      step.enter(step.boundary(node, 'returned')!.target, 'returned', null);
    },
  },
  whistle: {
    path: 'whistle',
    summary: 'Blow the whistle: escalate the case on purpose, with a reason',
    who: { handler: 'answering' },
    input: ActionInputs.whistle,
    tasks: AT_A_UNIT,
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
  requestExtension: {
    path: 'extension-request',
    summary: 'Ask the level above for more time',
    who: { handler: 'answering' },
    input: ActionInputs.requestExtension,
    tasks: HANDLING,
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
    path: 'extension-decision',
    summary: 'Approve or deny a pending extension',
    who: { supervisor: 'approver', dispatcher: 'approver' },
    input: ActionInputs.decideExtension,
    tasks: HANDLING,
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
  dispatch: {
    path: 'dispatch',
    summary: 'Dispatch the case to a unit; at the centre, to a lead department and co-departments',
    who: { dispatcher: 'decider', supervisor: 'decider' },
    input: ActionInputs.dispatch,
    unitFields: [
      { body: 'unitId', action: 'unit' },
      { body: 'coUnitIds', action: 'coUnits', many: true },
    ],
    tasks: ['dispatch'],
    refusals: [REFUSALS.invalidTarget],
    when: (read) => need(read, ['dispatch'], 'The case is not waiting for dispatch'),
    guard(read, action) {
      const target = targetProblem(read, action.unit);
      if (target) return target;
      for (const co of action.coUnits ?? []) {
        if (co.unit.kind !== 'department' || action.unit.unit.kind !== 'department') return refuse(REFUSALS.invalidTarget, 'Co-departments join a lead department');
        if (co.unit.id === action.unit.unit.id) return refuse(REFUSALS.invalidTarget, 'The lead cannot also be a co-department');
      }
      return null;
    },
    effect: place,
  },
  reportIn: {
    path: 'report-in',
    summary: 'A department summoned to the case reports in',
    who: { handler: 'summoned' },
    input: ActionInputs.reportIn,
    tasks: ['jointHandle'],
    refusals: [REFUSALS.alreadyReportedIn],
    when: (read) =>
      read.task('jointHandle')?.token.reportIns.some((r) => r.at === null) ? null : refuse(REFUSALS.notAllowedNow, 'No department is asked to report in'),
    guard: (read, _action, actor) =>
      read.task('jointHandle')!.token.reportIns.find((r) => r.unitId === actor.unitId)!.at !== null ? refuse(REFUSALS.alreadyReportedIn, 'Already reported in') : null,
    effect(step, _action, actor) {
      const { token } = step.task('jointHandle')!;
      const report = token.reportIns.find((r) => r.unitId === actor.unitId)!;
      report.at = step.now;
      // Already marked late when the report-in limit passed; otherwise late if after the limit.
      report.late ||= token.reportInDeadline !== null && step.now > token.reportInDeadline;
      step.record('reported-in', actor, { toUnitId: report.unitId, toLevel: step.state.vars.unit?.level, detail: { late: report.late, lead: report.unitId === step.state.vars.lead?.id } });
    },
  },
  evaluate: {
    path: 'evaluation',
    summary: "The citizen's rating of the reply",
    who: { evaluator: 'anyone' },
    input: ActionInputs.evaluate,
    tasks: ['evaluate'],
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
  arbitrate: {
    path: 'arbitration',
    summary: 'Rule who owns a disputed case; the ruling is final',
    who: { dispatcher: 'decider', supervisor: 'decider' },
    input: ActionInputs.arbitrate,
    unitFields: [{ body: 'unitId', action: 'unit' }],
    tasks: ['arbitrate'],
    refusals: [REFUSALS.invalidTarget],
    when: (read) => need(read, ['arbitrate'], 'The case is not waiting for arbitration'),
    guard: (read, action) => targetProblem(read, action.unit) ?? text(action.ruling, 'ruling'),
    effect: place,
  },
  reassign: {
    path: 'reassign',
    summary: 'Move the case to another unit at the same level (joint handling: another lead department)',
    who: { supervisor: 'area' },
    input: ActionInputs.reassign,
    unitFields: [{ body: 'unitId', action: 'unit' }],
    tasks: AT_A_UNIT,
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
    path: 'cancel',
    summary: 'Cancel a duplicate, naming the original case',
    who: { supervisor: 'area' },
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
    path: 'urge',
    summary: "Urge the unit to act; recorded and notified (a case takes its process's most urges, then 409 LimitReached)",
    who: { supervisor: 'area', dispatcher: 'area' },
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
    path: 'comments',
    summary: "Add a note to the case's timeline (a case takes its process's most comments, then 409 LimitReached)",
    who: { supervisor: 'area', dispatcher: 'area', handler: 'pastHolder' },
    input: ActionInputs.comment,
    refusals: [REFUSALS.limitReached],
    when: (read) => noteLimit(read, 'comments'),
    guard: (_read, action) => text(action.text, 'comment'),
    effect(step, action, actor) {
      step.state.notes.comments += 1;
      step.record('commented', actor, { detail: { comment: action.text } });
    },
  },
};

/** The roles that may take an action. */
export const rolesOf = (type: ActionType): Role[] => Object.keys(ACTIONS[type].who) as Role[];
