/**
 * The contract between the API, the worker and the tests: names, ids, message definitions and the
 * types that cross the wire. It imports nothing with side effects.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AccountabilityState, Strike, StrikeRecord } from '../domain/accountability.js';
import type { Actor, Complaint } from '../domain/case.js';
import type { CaseAction, CaseView, EngineState } from '../domain/engine/types.js';
import type { Outcome, ProcessDefinition } from '../domain/process/definition.js';

export type { CaseView } from '../domain/engine/types.js';
export { REFUSALS, type RefusalType } from '../domain/engine/types.js';

/** Workflow types, as the worker registers them (workflows/index.ts exports functions of these names). */
export const COMPLAINT_WORKFLOW_TYPE = 'complaintWorkflow';
export const UNIT_ACCOUNTABILITY_WORKFLOW_TYPE = 'unitAccountabilityWorkflow';
export const MONTHLY_EVALUATION_WORKFLOW_TYPE = 'monthlyEvaluationWorkflow';

export const COMPLAINT_WORKFLOW_PREFIX = 'complaint-';

/** Workflow id of a case: readable in the Temporal UI and derived from the business key. */
export function complaintWorkflowId(caseNo: string): string {
  return `${COMPLAINT_WORKFLOW_PREFIX}${caseNo}`;
}

/** Input of `complaintWorkflow`. */
export interface ComplaintWorkflowInput {
  caseNo: string;
  complaint: Complaint;
  /** When intake accepted the complaint (ISO 8601). */
  receivedAt: string;
  /** Pin a process (key and optionally version); default: the newest version of `complaint`. */
  process?: { key: string; version?: number };
  /** Set when the case continues as new: where the previous run left off. */
  resume?: ComplaintResume;
}

/** What a case carries into its next run when its history grows long (continue-as-new). */
export interface ComplaintResume {
  state: EngineState;
  /** The process definition the case pinned when it started. */
  definition: ProcessDefinition;
  /** Sequence number of the newest timeline entry already in the read model. */
  projectedSeq: number;
  /** Search attribute values already on the workflow. */
  published: Record<string, unknown>;
  /** How many runs the case had before this one. */
  runs: number;
}

/** Result of `complaintWorkflow`: how the case ended. */
export interface ComplaintWorkflowResult {
  caseNo: string;
  outcome: Outcome;
  closedAt: string;
}

/** Every update carries the acting principal (set by the API from the authenticated key) and the action's fields. */
export type ActionInput<T extends CaseAction['type']> = { actor: Actor } & Omit<Extract<CaseAction, { type: T }>, 'type'>;

/** The unit signs for the case; the handling clock starts. */
export const signForUpdate = defineUpdate<CaseView, [ActionInput<'signFor'>]>('signFor');
/** The unit resolves the case with its reply to the citizen. */
export const resolveUpdate = defineUpdate<CaseView, [ActionInput<'resolve'>]>('resolve');
/** The unit returns the case as not its responsibility, with a reason. */
export const returnUpdate = defineUpdate<CaseView, [ActionInput<'return'>]>('return');
/** The unit blows the whistle: escalates on purpose, with a reason. */
export const whistleUpdate = defineUpdate<CaseView, [ActionInput<'whistle'>]>('whistle');
/** The unit asks the level above for more time. */
export const requestExtensionUpdate = defineUpdate<CaseView, [ActionInput<'requestExtension'>]>('requestExtension');
/** The level above approves or denies a pending extension. */
export const decideExtensionUpdate = defineUpdate<CaseView, [ActionInput<'decideExtension'>]>('decideExtension');
/** A dispatcher assigns the case; at the centre, a lead department and co-departments. */
export const dispatchUpdate = defineUpdate<CaseView, [ActionInput<'dispatch'>]>('dispatch');
/** A department summoned to joint handling reports in. */
export const reportInUpdate = defineUpdate<CaseView, [ActionInput<'reportIn'>]>('reportIn');
/** The citizen's rating, through the evaluation channel. */
export const evaluateUpdate = defineUpdate<CaseView, [ActionInput<'evaluate'>]>('evaluate');
/** The centre rules who owns a disputed case; the ruling is final. */
export const arbitrateUpdate = defineUpdate<CaseView, [ActionInput<'arbitrate'>]>('arbitrate');
/** A supervisor moves the case to another unit at the same level. */
export const reassignUpdate = defineUpdate<CaseView, [ActionInput<'reassign'>]>('reassign');
/** A supervisor cancels a duplicate, naming the original case. */
export const cancelUpdate = defineUpdate<CaseView, [ActionInput<'cancel'>]>('cancel');
/** A supervisor or dispatcher presses the unit; recorded and notified. Refused once the case has its process's most urges. */
export const urgeUpdate = defineUpdate<CaseView, [ActionInput<'urge'>]>('urgeUnit');
/** A note on the case's timeline. Refused once the case has its process's most comments. */
export const commentUpdate = defineUpdate<CaseView, [ActionInput<'comment'>]>('addComment');

/** The unit holding the case summons departments to it; it keeps the case. */
export const summonUpdate = defineUpdate<CaseView, [ActionInput<'summon'>]>('summon');
/** A summoned department reports its part done. */
export const reportPartUpdate = defineUpdate<CaseView, [ActionInput<'reportPart'>]>('reportPart');
/** The summoning unit rates a summoned department. */
export const rateDepartmentUpdate = defineUpdate<CaseView, [ActionInput<'rateDepartment'>]>('rateDepartment');
/** The unit disputes the case's duty at once: the case goes to arbitration. */
export const disputeUpdate = defineUpdate<CaseView, [ActionInput<'dispute'>]>('dispute');

/** Every action update by action type, for the API and tests. */
export const actionUpdates = {
  signFor: signForUpdate,
  resolve: resolveUpdate,
  return: returnUpdate,
  whistle: whistleUpdate,
  requestExtension: requestExtensionUpdate,
  decideExtension: decideExtensionUpdate,
  dispatch: dispatchUpdate,
  reportIn: reportInUpdate,
  evaluate: evaluateUpdate,
  arbitrate: arbitrateUpdate,
  reassign: reassignUpdate,
  cancel: cancelUpdate,
  urge: urgeUpdate,
  comment: commentUpdate,
  summon: summonUpdate,
  reportPart: reportPartUpdate,
  rateDepartment: rateDepartmentUpdate,
  dispute: disputeUpdate,
} as const satisfies Record<CaseAction['type'], unknown>;
export type UpdateAction = keyof typeof actionUpdates;

/**
 * Urges and comments as fire-and-forget signals: how cases started before they became updates (with a
 * per-case limit and an answer) received them. Still handled; the API sends {@link urgeUpdate} and
 * {@link commentUpdate}.
 */
export const urgeSignal = defineSignal<[ActionInput<'urge'>]>('urge');
/** See {@link urgeSignal}. */
export const commentSignal = defineSignal<[ActionInput<'comment'>]>('comment');

/** Full state of a case: status, level, unit, deadlines, timeline, allowed actions per role. */
export const caseStateQuery = defineQuery<CaseView>('caseState');

// ---------------------------------------------------------------- accountability

export const UNIT_ACCOUNTABILITY_PREFIX = 'unit-accountability-';

/** Workflow id of a unit's accountability entity workflow. */
export function unitAccountabilityWorkflowId(unitId: string): string {
  return `${UNIT_ACCOUNTABILITY_PREFIX}${unitId}`;
}

/** Input of `unitAccountabilityWorkflow`; `state` carries over continue-as-new. */
export interface UnitAccountabilityInput {
  unitId: string;
  /** The unit's ancestors: their supervisors act on its sanctions. */
  ancestors: string[];
  state?: AccountabilityState;
}

/** A strike against the unit (from the monthly evaluation; old cases overdue at the top still send one); delivered with signal-with-start. */
export const strikeSignal = defineSignal<[Strike]>('strike');

/** The unit (a handler or supervisor of the unit itself) appeals a pending strike within its appeal window, with a reason. */
export const appealStrikeUpdate = defineUpdate<StrikeRecord, [{ actor: Actor; strikeId: string; reason: string }]>('appealStrike');
/** A supervisor above the unit decides an appeal: upheld voids the strike, rejected lets its sanction take effect. */
export const decideStrikeAppealUpdate = defineUpdate<StrikeRecord, [{ actor: Actor; strikeId: string; upheld: boolean; note: string }]>('decideStrikeAppeal');

type SupervisorAction<T> = { actor: Actor } & T;
/** A supervisor records that a scheduled interview of the unit's leaders was held, with minutes. */
export const interviewHeldUpdate = defineUpdate<AccountabilityState, [SupervisorAction<{ sanctionId: string; minutes: string }>]>('interviewHeld');
/** A supervisor closes an inaction investigation with its finding. */
export const closeInvestigationUpdate = defineUpdate<AccountabilityState, [SupervisorAction<{ sanctionId: string; finding: string }>]>('closeInvestigation');
/** A supervisor lifts a personnel freeze; refused while its investigation is open. */
export const liftFreezeUpdate = defineUpdate<AccountabilityState, [SupervisorAction<{ sanctionId: string }>]>('liftFreeze');
/** Strikes and sanctions of the unit. */
export const accountabilityStateQuery = defineQuery<AccountabilityState>('accountabilityState');

/** The Schedule that runs the monthly evaluation. */
export const MONTHLY_EVALUATION_SCHEDULE_ID = 'jiesu-monthly-evaluation';

/** Workflow id of one evaluation run. */
export function monthlyEvaluationWorkflowId(period: string, districtId?: string): string {
  return `monthly-evaluation-${period}${districtId ? `-${districtId}` : ''}`;
}

/** Input of `monthlyEvaluationWorkflow`: a period (default: the month before the run) and optionally one district. */
export interface MonthlyEvaluationInput {
  period?: string;
  districtId?: string;
}

export interface MonthlyEvaluationResult {
  period: string;
  districts: string[];
  ranked: number;
  strikes: string[];
}
