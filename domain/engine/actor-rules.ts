/**
 * Whom the actor must be for an action: the relation between the actor's unit and the case. Each rule is
 * checked twice — loosely before anything about the case's state is told (a unit that takes no part, or a
 * supervisor outside the area, learns nothing), and exactly once the action is known to apply now.
 */
import type { Actor } from '../case.js';
import type { CaseReader } from './reader.js';
import { REFUSALS, type Refusal } from './types.js';

export type ActorRule =
  /** The unit the case is assigned to. */
  | 'holder'
  /** The unit that answers for the case: the lead department at the centre, else the holder. */
  | 'answering'
  /** A department summoned to the case: to joint handling at the centre, or by the unit holding it. */
  | 'summoned'
  /** A dispatcher or supervisor of the unit holding the case, deciding where it goes. */
  | 'decider'
  /** The level above the answering unit (the centre for departments), deciding on its request. */
  | 'approver'
  /** A unit the case is within (taking part, or above one that does). */
  | 'area'
  /** A unit that has held the case at some point. */
  | 'pastHolder'
  /** Any key of the role (the citizen's evaluation channel). */
  | 'anyone';

/** What each rule means, in words (for the API documentation). */
export const ACTOR_RULE_TEXT: Record<ActorRule, string> = {
  holder: 'of the unit holding the case',
  answering: 'of the unit answering for the case (the lead department at the centre)',
  summoned: 'of a department summoned to the case',
  decider: 'of the unit holding the case',
  approver: 'of the level above the unit answering for the case',
  area: 'of a unit the case is within',
  pastHolder: 'of a unit that has held the case',
  anyone: 'any',
};

export const refuse = (type: Refusal['type'], message: string): Refusal => ({ type, message });

/** The loose check, before state: does the actor's unit take part in the case, or oversee it, at all? */
export function mayApproach(rule: ActorRule, read: CaseReader, actor: Actor): Refusal | null {
  switch (rule) {
    case 'holder':
    case 'answering':
    case 'summoned': {
      const participants = rule === 'summoned' ? [...read.participants(), ...read.summonedUnits()] : read.participants();
      return actor.unitId !== undefined && participants.includes(actor.unitId)
        ? null
        : refuse(REFUSALS.notYourCase, `The case is held by ${participants.join(', ') || 'no unit'}, not by ${actor.unitId ?? 'you'}`);
    }
    case 'decider':
    case 'approver':
    case 'area':
      // Before routing the case has no area yet: nobody may act on it until it reaches a unit.
      if (read.state.vars.unit === null) return refuse(REFUSALS.notAllowedNow, 'The case is still being routed; act on it once it has reached a unit');
      return read.inArea(actor) ? null : refuse(REFUSALS.notYourCase, 'The case is outside your area');
    case 'pastHolder':
      return actor.unitId !== undefined && read.state.vars.holders.includes(actor.unitId) ? null : refuse(REFUSALS.notYourCase, 'Your unit has not held this case');
    case 'anyone':
      return null;
  }
}

/** The exact check, once the action applies now: is the actor's unit the one the rule names? */
export function isActor(rule: ActorRule, read: CaseReader, actor: Actor): Refusal | null {
  const heldBy = (unitId: string | undefined): Refusal | null =>
    unitId !== undefined && actor.unitId === unitId ? null : refuse(REFUSALS.notYourCase, `The case is held by ${unitId ?? 'no unit'}, not by ${actor.unitId ?? 'you'}`);
  const decidedBy = (unitId: string | undefined): Refusal | null =>
    unitId !== undefined && actor.unitId === unitId ? null : refuse(REFUSALS.notYourCase, `This is for ${unitId ?? 'another unit'} to decide`);
  switch (rule) {
    case 'holder':
      return heldBy(read.state.vars.unit?.id);
    case 'answering':
      return heldBy(read.answering()?.id);
    case 'summoned':
      return read.task('jointHandle')?.token.reportIns.some((r) => r.unitId === actor.unitId) || read.openSummonsOf(actor.unitId)
        ? null
        : refuse(REFUSALS.notYourCase, `${actor.unitId ?? 'Your unit'} is not summoned to this case`);
    case 'decider':
      return decidedBy(read.state.vars.unit?.id);
    case 'approver':
      return decidedBy(read.approver()?.id);
    case 'area':
    case 'pastHolder':
    case 'anyone':
      return mayApproach(rule, read, actor);
  }
}
