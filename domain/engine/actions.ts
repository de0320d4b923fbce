/**
 * The action catalogue: everything a person can do to a case, in one place. For each action: its API path,
 * the roles that may take it and whom the actor of each role must be (`who`), and the open tasks it applies to
 * — in the table below — and its rules: what it takes (`input`), when the case allows it (`when`), what else
 * must hold (`guard`) and what it does (`effect`), in `actions/`. The engine's refusals, each role's allowed
 * actions in the case view, the API's routes and their OpenAPI descriptions are all derived from this table.
 * docs/lifecycle.md shows how to add an action.
 */
import type { Role } from '../case.js';
import { AT_A_UNIT, HANDLING, type ActionSpec } from './actions/common.js';
import { summonsRules } from './actions/summons-rules.js';
import { supervisionRules } from './actions/supervision-rules.js';
import { taskRules } from './actions/task-rules.js';
import type { ActionType } from './types.js';

export type { ActionSpec } from './actions/common.js';

export const ACTIONS: { [T in ActionType]: ActionSpec<T> } = {
  signFor: { path: 'sign-for', who: { handler: 'holder' }, tasks: ['signFor'], ...taskRules.signFor },
  resolve: { path: 'resolve', who: { handler: 'answering' }, tasks: HANDLING, ...taskRules.resolve },
  return: { path: 'return', who: { handler: 'answering' }, tasks: AT_A_UNIT, ...taskRules.return },
  whistle: { path: 'whistle', who: { handler: 'answering' }, tasks: AT_A_UNIT, ...taskRules.whistle },
  requestExtension: { path: 'extension-request', who: { handler: 'answering' }, tasks: HANDLING, ...taskRules.requestExtension },
  decideExtension: { path: 'extension-decision', who: { supervisor: 'approver', dispatcher: 'approver' }, tasks: HANDLING, ...taskRules.decideExtension },
  dispatch: { path: 'dispatch', who: { dispatcher: 'decider', supervisor: 'decider' }, tasks: ['dispatch'], ...supervisionRules.dispatch },
  reportIn: { path: 'report-in', who: { handler: 'summoned' }, tasks: ['jointHandle', 'handle'], ...summonsRules.reportIn },
  evaluate: { path: 'evaluation', who: { evaluator: 'anyone' }, tasks: ['evaluate'], ...taskRules.evaluate },
  arbitrate: { path: 'arbitration', who: { dispatcher: 'decider', supervisor: 'decider' }, tasks: ['arbitrate'], ...supervisionRules.arbitrate },
  reassign: { path: 'reassign', who: { supervisor: 'area' }, tasks: AT_A_UNIT, ...supervisionRules.reassign },
  cancel: { path: 'cancel', who: { supervisor: 'area' }, ...supervisionRules.cancel },
  urge: { path: 'urge', who: { supervisor: 'area', dispatcher: 'area' }, ...supervisionRules.urge },
  comment: { path: 'comments', who: { supervisor: 'area', dispatcher: 'area', handler: 'pastHolder' }, ...supervisionRules.comment },
  summon: { path: 'summons', who: { handler: 'answering' }, tasks: ['handle'], ...summonsRules.summon },
  reportPart: { path: 'part-done', who: { handler: 'summoned' }, tasks: ['handle'], ...summonsRules.reportPart },
  rateDepartment: { path: 'department-rating', who: { handler: 'pastHolder' }, ...summonsRules.rateDepartment },
  dispute: { path: 'dispute', who: { handler: 'answering' }, tasks: AT_A_UNIT, ...taskRules.dispute },
};

/** The roles that may take an action. */
export const rolesOf = (type: ActionType): Role[] => Object.keys(ACTIONS[type].who) as Role[];
