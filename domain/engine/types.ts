/**
 * Types of the case engine: what goes in (actions, timer and activity results), what comes out
 * (effects the workflow carries out), and the serialisable state in between.
 */
import type { Strike } from '../accountability.js';
import type { OutcomeLedger, UnitOutcome } from '../outcomes.js';
import type { Actor, CaseSnapshot, CaseType, Complaint, Origin, Privacy, TimelineEntry, Urgency } from '../case.js';
import type { EscalationCause, Outcome, ProcessDefinition, TaskKind } from '../process/definition.js';
import type { Rating } from '../ratings.js';
import type { UnitChain, UnitRef } from '../units.js';

/** Everything a person can do to a case; each is an update (see the action catalogue, `actions.ts`). */
export type CaseAction =
  | { type: 'signFor' }
  | { type: 'resolve'; reply: string }
  | { type: 'return'; reason: string }
  | { type: 'whistle'; reason: string }
  | { type: 'requestExtension'; reason: string; extendBy?: string }
  | { type: 'decideExtension'; approve: boolean; note?: string }
  | { type: 'dispatch'; unit: UnitChain; coUnits?: UnitChain[]; note?: string }
  | { type: 'reportIn' }
  | { type: 'evaluate'; rating: Rating; comment?: string }
  | { type: 'arbitrate'; unit: UnitChain; coUnits?: UnitChain[]; ruling: string }
  | { type: 'reassign'; unit: UnitChain; reason: string }
  | { type: 'cancel'; originalCaseNo: string; reason: string }
  | { type: 'urge'; note?: string }
  | { type: 'comment'; text: string }
  | { type: 'summon'; departments: UnitChain[]; tier: string; note: string }
  | { type: 'reportPart'; text: string }
  | { type: 'rateDepartment'; unitId: string; cooperation: number; partResolved: boolean; note?: string }
  | { type: 'dispute'; reason: string }
  | { type: 'issueOrder'; note: string; limit: string }
  | { type: 'applyDifficult'; reason: string; limit: string }
  | { type: 'decideDifficult'; approve: boolean; limit?: string; note?: string }
  | { type: 'completeStage'; done: string; plan: string; followUpAt: string }
  | { type: 'followUp'; kind: 'information' | 'progress'; text: string }
  | { type: 'answerOrder'; order: number; feedback: string };

export type ActionType = CaseAction['type'];

/** Why an action is refused. The API maps these to 409 (or 403 for permission) with the reason. */
export const REFUSALS = {
  notPermitted: 'NotPermitted',
  notYourCase: 'NotYourCase',
  notAllowedNow: 'NotAllowedNow',
  alreadySigned: 'AlreadySigned',
  notSignedYet: 'NotSignedYet',
  caseStillOpen: 'CaseStillOpen',
  caseClosed: 'CaseClosed',
  deadlinePassed: 'DeadlinePassed',
  extensionPending: 'ExtensionPending',
  noExtensionPending: 'NoExtensionPending',
  extensionLimitReached: 'ExtensionLimitReached',
  extensionTooLong: 'ExtensionTooLong',
  rulingFinal: 'RulingFinal',
  invalidTarget: 'InvalidTarget',
  notReportedIn: 'NotReportedIn',
  alreadyReportedIn: 'AlreadyReportedIn',
  invalidInput: 'InvalidInput',
  limitReached: 'LimitReached',
  /** The case is moving to a new run (continue-as-new): the same action succeeds a moment later. */
  rollingOver: 'RollingOver',
  alreadySummoned: 'AlreadySummoned',
  partAlreadyReported: 'PartAlreadyReported',
  alreadyRated: 'AlreadyRated',
} as const;
export type RefusalType = (typeof REFUSALS)[keyof typeof REFUSALS];

export interface Refusal {
  type: RefusalType;
  message: string;
}

interface RouteFields {
  level: string | null;
  departmentId: string | null;
  department: UnitRef | null;
  listVersion: number | null;
  reason?: string;
  location: UnitChain | null;
  /** Departments that join the lead on every case of this matter (absent in answers recorded before rulings named them). */
  coDepartments?: UnitRef[];
}

/** Where routing placed a case: with its owner (`owner`) or, when the list does not say, its centre's dispatcher (`dispatch`). */
export interface PlacedRoute extends RouteFields {
  kind: 'owner' | 'dispatch';
  /** The district centre, the dispatcher of last resort. */
  centre: UnitRef;
}

/** What `routeComplaint` answers: a place, or `unroutable` when the reference data cannot place the case at all (retried later). */
export type RouteResult = PlacedRoute | (RouteFields & { kind: 'unroutable'; reason: string; centre: null });

/** Activities the engine asks the workflow to run: each one's input and what it answers. */
export interface EngineActivities {
  routeComplaint: { input: { category: string; locationUnitId: string }; result: RouteResult };
  /** Deadlines by name (`deadline`, `reportIn`, `extension`) from one instant. */
  computeDeadlines: { input: { from: string; limits: Record<string, string> }; result: Record<string, string> };
  notify: { input: NotificationInput; result: void };
  deliverStrike: { input: Strike; result: void };
  recordOutcome: { input: OutcomeInput; result: void };
}
export type ActivityName = keyof EngineActivities;

/** An activity the engine asks for. */
export type ActivityCall = { [N in ActivityName]: { name: N; input: EngineActivities[N]['input'] } }[ActivityName];

/** An activity's answer, typed by the activity's name: what the engine is given back. */
export type ActivityCompletion = { [N in ActivityName]: { name: N; result: EngineActivities[N]['result'] } }[ActivityName];

/** The outcome ledger rows of a closed case. */
export interface OutcomeInput {
  caseNo: string;
  closedAt: string;
  outcome: Outcome;
  rows: UnitOutcome[];
}

export interface NotificationInput {
  /** Stable id: a retried notification is delivered once. */
  id: string;
  kind: 'warning' | 'urge' | 'escalated' | 'dispatched' | 'overdue-at-top' | 'sanction' | 'summoned' | 'order';
  caseNo: string | null;
  unitIds: string[];
  message: string;
}

export type Effect =
  | { type: 'activity'; id: string; call: ActivityCall; awaitResult: boolean }
  | { type: 'timer'; id: string; at: string }
  | { type: 'cancelTimer'; id: string };

export interface TimerRef {
  id: string;
  /** The boundary this timer belongs to, or `reportIn` for the departments' report-in limit. */
  purpose: string;
  at: string;
}

export interface ReportIn {
  unitId: string;
  at: string | null;
  late: boolean;
}

/** A pending request for more time. */
export interface ExtensionRequest {
  reason: string;
  extendBy: string;
  requestedBy: Actor;
  at: string;
}

/** A token sits on a node; user-task tokens hold the task's clock. */
export interface Token {
  id: number;
  node: string;
  enteredAt: string;
  cause: EscalationCause | 'returned' | null;
  /** Waiting for this activity (service tasks). */
  awaiting: string | null;
  /** User tasks: the deadline, once computed. */
  deadline: string | null;
  limit: string | null;
  reportInDeadline: string | null;
  timers: TimerRef[];
  signed: boolean;
  warned: boolean;
  overdue: boolean;
  extensions: number;
  pendingExtension: ExtensionRequest | null;
  reopening: boolean;
  /** Joint handling: who must report in, and when they did. */
  reportIns: ReportIn[];
  /** Service tasks that cannot go on (routing found no district centre): why, until a retry succeeds. */
  blocked?: string | null;
  /** Staged completion: what was done, the plan, and when the case comes back to the holder (its deadline timers are off meanwhile). */
  staged?: { done: string; plan: string; followUpAt: string; at: string } | null;
}

/** A difficult case: the holder's application for a longer limit and the centre's decision. */
export interface DifficultStatus {
  status: 'pending' | 'approved' | 'denied';
  reason: string;
  /** The limit applied for; once approved, the one the centre granted. */
  limit: string;
  appliedBy: Actor;
  at: string;
  decidedAt: string | null;
}

/** A department summoned to a case by the unit holding it. */
export interface SummonedDepartment {
  unitId: string;
  reportedAt: string | null;
  late: boolean;
  doneAt: string | null;
  rated: boolean;
}

/** One summons: a unit holding the case calls departments to it and keeps the case. */
export interface Summons {
  /** Its number on the case, from 1. */
  n: number;
  /** The summoning unit, and its level. */
  by: string;
  byLevel: string;
  tier: string;
  note: string;
  at: string;
  /** The task the case waited in when it was made; the summons ends with that task. */
  taskToken: number;
  open: boolean;
  /** Waiting for its report-in deadline. */
  awaiting: string | null;
  reportInDeadline: string | null;
  timers: TimerRef[];
  departments: SummonedDepartment[];
}

/** A supervision order: a supervisor above the answering unit orders it to act and answer in writing by a deadline of its own. */
export interface SupervisionOrder {
  /** Its number on the case, from 1. */
  n: number;
  /** The issuing unit, and who issued it. */
  by: string;
  issuer: Actor;
  /** The unit it is addressed to (the one answering for the case when it was issued). */
  to: string;
  note: string;
  limit: string;
  at: string;
  deadline: string | null;
  /** Waiting for its deadline (it is issued once that is known). */
  awaiting: string | null;
  timers: TimerRef[];
  warned: boolean;
  /** The written answer, and whether it came by the deadline. */
  feedback: { text: string; at: string; by: Actor; onTime: boolean } | null;
  missed: boolean;
  open: boolean;
}

/** Case variables gateways can read (see `gatewayContext`). */
export interface CaseVars {
  route: PlacedRoute | null;
  unit: UnitRef | null;
  /** Ancestors of `unit`, nearest first. */
  ancestors: UnitRef[];
  lead: UnitRef | null;
  co: UnitRef[];
  rating: Rating | null;
  returns: number;
  reopens: number;
  escalations: number;
  arbitrated: boolean;
  overdueAtTop: boolean;
  reopening: boolean;
  /** Every unit that has held the case (for outcomes and read access). */
  holders: string[];
  /** The levels of the units that have held the case. */
  heldLevels: string[];
  /** The level routing first placed the case at. */
  placedLevel: string | null;
  /** The hotline seat answered at intake and the case type's rule closes the case with that answer (absent before case types). */
  answered?: boolean;
}

export interface EngineState {
  caseNo: string;
  workflowId: string;
  complaint: Complaint;
  urgency: Urgency;
  receivedAt: string;
  vars: CaseVars;
  tokens: Token[];
  /** Parallel-gateway joins: arrivals so far per gateway. */
  joins: Record<string, number>;
  /**
   * The newest timeline entries: those not yet written to the read model, and at least the newest
   * {@link VIEW_TIMELINE_ENTRIES}. The whole timeline is in the read model; `seq` counts it.
   */
  timeline: TimelineEntry[];
  /** Sequence number of the newest timeline entry. */
  seq: number;
  /** When the case was first resolved. */
  resolvedAt: string | null;
  /** Departments summoned to the case, oldest first. */
  summons: Summons[];
  /** Behaviour of cases started since the street hub (patched 'street-hub'): no strike at once when overdue at the top. */
  hub: boolean;
  /** The outcome rows so far, kept up to date entry by entry. */
  ledger: OutcomeLedger;
  /** Notes posted to the case, against the process's per-case limits. */
  notes: { comments: number; urges: number };
  /** Whether the per-case note limits apply (cases started before they existed replay without them). */
  limitNotes: boolean;
  outcome: Outcome | null;
  closedAt: string | null;
  nextId: number;
  /** Case type, origin and the privacy in force (absent in cases started before case types: a complaint, open, by a citizen). */
  kind?: { type: CaseType; origin: Origin; privacy: Privacy };
  /** The citizen's follow-ups asking about progress (absent: none yet). */
  progressAsks?: number;
  /** The difficult-case application and decision (absent: never applied). */
  difficult?: DifficultStatus;
  /** Supervision orders, oldest first (absent in cases started before orders existed). */
  orders?: SupervisionOrder[];
  /** The instant the first task's limit counts from when the portal stated when the case was received; cleared once used. */
  countFrom?: string | null;
}

/** How many of the newest timeline entries the live view (query and update results) carries. */
export const VIEW_TIMELINE_ENTRIES = 50;

export interface TaskView {
  node: string;
  name: string;
  task: TaskKind;
  level: string | null;
  unitId: string | null;
  since: string;
  deadline: string | null;
  signed: boolean;
  warned: boolean;
  overdue: boolean;
  extensions: number;
  pendingExtension: ExtensionRequest | null;
  reportIns: ReportIn[];
  reportInDeadline: string | null;
  /** Staged completion: what was done, the plan, and when the case comes back. */
  staged: NonNullable<Token['staged']> | null;
}

/** The live state of a case as the `caseState` query returns it. */
export interface CaseView extends Omit<CaseSnapshot, 'citizen' | 'description'> {
  citizen: CaseSnapshot['citizen'];
  description: string;
  process: { key: string; version: number };
  outcome: Outcome | null;
  lead: string | null;
  coDepartments: string[];
  returns: number;
  reopens: number;
  tasks: TaskView[];
  /** For each role, the actions it may take now (unit checks still apply). */
  allowedActions: Partial<Record<Actor['role'], ActionType[]>>;
  /** Comments and urges posted so far, and the most the case takes. */
  notes: { comments: number; urges: number; maxComments: number; maxUrges: number };
  /** Why the case cannot move on by itself (routing found no district centre), and when it retries. */
  incident: { reason: string; retryAt: string | null } | null;
  /** Departments summoned to the case. */
  summons: Array<Omit<Summons, 'awaiting' | 'timers' | 'taskToken'>>;
  /** The difficult-case application and decision, if any. */
  difficult: DifficultStatus | null;
  /** Supervision orders issued on the case. */
  orders: Array<Omit<SupervisionOrder, 'awaiting' | 'timers' | 'issuer'>>;
  /** The newest entries (at most {@link VIEW_TIMELINE_ENTRIES}); `seq` counts them all; the read model has the whole timeline. */
  timeline: TimelineEntry[];
}

export interface EngineInit {
  definition: ProcessDefinition;
  caseNo: string;
  workflowId: string;
  complaint: Complaint;
  receivedAt: string;
  /** Apply the per-case note limits (default true). */
  limitNotes?: boolean;
  /** Street-hub behaviour (default true). */
  hub?: boolean;
  /** Case types, origins, privacy and stated reception times (default true; false replays cases started before them). */
  caseTypes?: boolean;
}
