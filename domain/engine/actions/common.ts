/**
 * What every entry of the action catalogue (`../actions.ts`) is made of, and the checks and moves several
 * entries share.
 */
import type { TSchema } from 'typebox';
import type { Actor, Role } from '../../case.js';
import type { TaskKind } from '../../process/definition.js';
import type { UnitChain, UnitRef } from '../../units.js';
import { refuse, type ActorRule } from '../actor-rules.js';
import type { CaseReader, OpenTask } from '../reader.js';
import { REFUSALS, type ActionType, type CaseAction, type Refusal, type Token } from '../types.js';
import type { Step } from '../walker.js';

export type ActionOf<T extends ActionType> = Extract<CaseAction, { type: T }>;

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

export const text = (value: string | undefined, what: string): Refusal | null =>
  value === undefined || value.trim() === '' ? refuse(REFUSALS.invalidInput, `A ${what} is required`) : null;

export const beforeDeadline = (token: Token, now: string): Refusal | null =>
  token.deadline !== null && now >= token.deadline ? refuse(REFUSALS.deadlinePassed, `The limit passed at ${token.deadline}`) : null;

/** The open task of these kinds, or the refusal that none is open. */
const openTask = (read: CaseReader, kinds: readonly TaskKind[], refusal: Refusal): OpenTask | Refusal => read.task(...kinds) ?? refusal;
const isOpen = (task: OpenTask | Refusal): task is OpenTask => 'token' in task;
export const need = (read: CaseReader, kinds: readonly TaskKind[], message: string): Refusal | null => {
  const task = openTask(read, kinds, refuse(REFUSALS.notAllowedNow, message));
  return isOpen(task) ? null : task;
};

export const AT_A_UNIT = ['signFor', 'handle', 'jointHandle'] as const;
export const HANDLING = ['handle', 'jointHandle'] as const;

/** Refused once the case holds as many notes of a kind as its process allows. */
export function noteLimit(read: CaseReader, kind: 'comments' | 'urges'): Refusal | null {
  const max = kind === 'comments' ? read.limits.maxComments : read.limits.maxUrges;
  if (!read.state.limitNotes || read.state.notes[kind] < max) return null;
  return refuse(REFUSALS.limitReached, `This case already has ${max} ${kind}, the most its process allows; its timeline keeps them all`);
}

/** A dispatch or arbitration target: under the deciding unit; departments only from the top level. */
export function targetProblem(read: CaseReader, target: UnitChain): Refusal | null {
  const v = read.state.vars;
  const scopeId = v.unit!.id;
  const atTop = read.levelIndex(v.unit!.level) === read.definition.levels.length - 1;
  if (!read.within(target, scopeId)) return refuse(REFUSALS.invalidTarget, `${target.unit.id} is not under ${scopeId}`);
  if (target.unit.kind === 'department') return atTop ? null : refuse(REFUSALS.invalidTarget, 'Only the district centre dispatches to departments');
  if (!read.definition.levels.includes(target.unit.level)) return refuse(REFUSALS.invalidTarget, `Level ${target.unit.level} is not part of this process`);
  return null;
}

/** Co-departments join a lead department, and the lead is not one of them. */
export function coDepartmentProblem(lead: UnitChain, co: UnitChain[] | undefined): Refusal | null {
  for (const unit of co ?? []) {
    if (unit.unit.kind !== 'department' || lead.unit.kind !== 'department') return refuse(REFUSALS.invalidTarget, 'Co-departments join a lead department');
    if (unit.unit.id === lead.unit.id) return refuse(REFUSALS.invalidTarget, 'The lead cannot also be a co-department');
  }
  return null;
}

/** Whether the responsibility list gives the case's matter to `unit` (then returning it is shirking). */
export function listOwns(read: CaseReader, unit: UnitRef | null): boolean {
  const route = read.state.vars.route;
  if (!unit || route?.kind !== 'owner') return false;
  return route.departmentId !== null ? unit.id === route.departmentId : unit.kind !== 'department' && unit.level === route.level;
}

/** Dispatch and arbitration both place the case: with a lead department (and co-departments), or at a unit. */
export function place(step: Step, action: ActionOf<'dispatch'> | ActionOf<'arbitrate'>, actor: Actor): void {
  const s = step.state;
  const v = s.vars;
  const { token, node } = step.task(action.type)!;
  const target = action.unit;
  if (target.unit.kind === 'department') {
    v.lead = target.unit;
    v.co = (action.coUnits ?? []).map((c) => c.unit);
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
      ? {
          reason: action.ruling,
          detail: {
            onTime,
            coDepartments: v.co.map((u) => u.id),
            // The ruling, as a change to the responsibility list an admin reviews and publishes.
            proposedListChange: { category: s.complaint.category, owner: target.unit.id, level: target.unit.level, lead: target.unit.id, co: v.co.map((u) => u.id) },
          },
        }
      : { detail: { onTime, coDepartments: v.co.map((u) => u.id), ...(action.note ? { note: action.note } : {}) } }),
  });
  step.notify('dispatched', [target.unit.id, ...v.co.map((u) => u.id)], `Case ${s.caseNo} is assigned to you`);
  step.leave(token);
  step.enter(node.next, null, null);
}

/** An entry's rules: everything but its path, who may take it and the tasks it applies to (those are in the catalogue's table). */
export type ActionRules<T extends ActionType> = Omit<ActionSpec<T>, 'path' | 'who' | 'tasks'>;
