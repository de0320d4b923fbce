/**
 * A compiled process definition: the graph the case engine walks. It is plain data (JSON), versioned
 * in PostgreSQL and pinned to a case when the case starts, so a new deployment never changes a
 * running case. BPMN models compile to this form; the default model is written in it directly.
 */
import type { CaseType, Urgency } from '../case.js';

/** What a user task asks of people; each kind has its own actions (see the engine). */
export const TASK_KINDS = ['signFor', 'handle', 'dispatch', 'jointHandle', 'arbitrate', 'evaluate'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** Named service actions a service task can be bound to. */
export const SERVICE_ACTIONS = ['route', 'warn', 'reopen', 'overdueAtTop'] as const;
export type ServiceAction = (typeof SERVICE_ACTIONS)[number];

/** How a case ends, as an end event declares it. */
export const OUTCOMES = ['closed', 'closed-unevaluated', 'closed-unsatisfied', 'cancelled'] as const;
export type Outcome = (typeof OUTCOMES)[number];
/** Outcomes of a case that ended resolved: rated acceptable, or not rated in time. */
export const RESOLVED_OUTCOMES: readonly Outcome[] = ['closed', 'closed-unevaluated'];
/** True when a case status is an outcome: the case has ended. */
export const isClosedStatus = (status: string): boolean => (OUTCOMES as readonly string[]).includes(status);

/** Why a case moved up a level; boundary events and flows carry it to the task they lead to. */
export type EscalationCause = 'timeout' | 'whistle' | 'unsatisfied' | 'dispute';

/** A time limit per urgency, as limit text (`PT30M`, `2 working hours`, `5 working days`). */
export type LimitByUrgency = Record<Urgency, string>;

export type Boundary =
  /** Fires at the task's deadline. Interrupting: the task ends and the token follows `target`. */
  | { kind: 'deadline'; id: string; interrupting: boolean; target: string }
  /** Fires at `ratio` of the way from the task's start to its deadline; never interrupts (a warning). */
  | { kind: 'warning'; id: string; ratio: number; target: string }
  /** The handler returns the case: the task ends and the token follows `target`. */
  | { kind: 'returned'; id: string; target: string }
  /** The handler blows the whistle: the task ends and the case escalates along `target`. */
  | { kind: 'whistle'; id: string; target: string }
  /** The handler disputes the duty at once: the task ends and the case goes along `target` to arbitration. */
  | { kind: 'dispute'; id: string; target: string };

export interface UserTaskNode {
  type: 'userTask';
  id: string;
  name: string;
  task: TaskKind;
  /** The level whose unit performs the task; entering a task above the case's level escalates the case. */
  level?: string;
  /** Every user task has a limit. */
  limit: LimitByUrgency;
  /** Shorter limit when the task is re-entered after an unsatisfied evaluation (handle tasks). */
  reopenLimit?: LimitByUrgency;
  /** Departments' report-in limit (joint handling). */
  reportInLimit?: LimitByUrgency;
  next: string;
  boundaries: Boundary[];
}

export interface ServiceTaskNode {
  type: 'serviceTask';
  id: string;
  name: string;
  action: ServiceAction;
  /** `route` only: place every case at this level of its location (e.g. the street's coordination centre), whatever the list says. */
  level?: string;
  next: string;
}

export interface GatewayBranch {
  /** An expression over case variables; `null` marks the default branch. */
  condition: string | null;
  target: string;
  /** Reason carried to the next task when this branch escalates the case. */
  cause?: EscalationCause;
}

export interface ExclusiveGatewayNode {
  type: 'exclusiveGateway';
  id: string;
  name: string;
  branches: GatewayBranch[];
}

/** Forks to every target; joins when `incoming` tokens have arrived. */
export interface ParallelGatewayNode {
  type: 'parallelGateway';
  id: string;
  name: string;
  incoming: number;
  targets: string[];
}

export interface StartEventNode {
  type: 'startEvent';
  id: string;
  name: string;
  next: string;
}

export interface EndEventNode {
  type: 'endEvent';
  id: string;
  name: string;
  /** A terminating end closes the case with this outcome; without it, only the branch ends. */
  outcome?: Outcome;
}

/** A sub-process: its own start node, entered as one step, left when a token reaches one of its end events. */
export interface SubProcessNode {
  type: 'subProcess';
  id: string;
  name: string;
  start: string;
  next: string;
}

export type ProcessNode =
  | StartEventNode
  | EndEventNode
  | UserTaskNode
  | ServiceTaskNode
  | ExclusiveGatewayNode
  | ParallelGatewayNode
  | SubProcessNode;

export interface ProcessSettings {
  /** Returns allowed in a case; one more goes to arbitration. */
  returnLimit: number;
  /** Reopens after an unsatisfied evaluation. */
  reopenLimit: number;
  /** Extensions allowed per task, and how long each may be relative to the task's limit. */
  extension: { max: number; maxRatio: number };
  /**
   * What one case takes, so no caller can grow it without bound: comments and urges per case, and after how
   * many history events the workflow continues as new (Temporal's own suggestion applies in any case).
   * Definitions deployed before these existed get {@link DEFAULT_CASE_LIMITS}.
   */
  caseLimits?: CaseLimits;
  /** The whistle tiers a unit summons departments with; definitions deployed before tiers existed get {@link DEFAULT_WHISTLE_TIERS}. */
  whistleTiers?: WhistleTier[];
  /** What each case type means in this process; a type not listed has no rule of its own (see {@link caseTypeRuleOf}). */
  caseTypes?: CaseTypeRule[];
}

/** The rules of one case type in a process (`<jiesu:caseType>`). */
export interface CaseTypeRule {
  id: CaseType;
  name: string;
  /** An answer the hotline seat gives at intake closes the case there: the model's `answered` variable. */
  closesAtIntake: boolean;
  /** The citizen's contact is shown to the hotline only, never to a unit, whatever the intake asked. */
  confidential: boolean;
}

/** The rule of a case type in a definition; a type the definition does not list closes nowhere early and is not confidential. */
export function caseTypeRuleOf(definition: Pick<ProcessDefinition, 'settings'>, type: CaseType): CaseTypeRule {
  return definition.settings.caseTypes?.find((t) => t.id === type) ?? { id: type, name: type, closesAtIntake: false, confidential: false };
}

/**
 * A whistle tier (routine, key, joint, tough in the shipped models): who may blow it, who answers, how fast the summoned departments
 * must report in, and how many departments it calls at least. Listed from the lowest tier to the highest.
 */
export interface WhistleTier {
  id: string;
  name: string;
  /** The levels whose units may blow it. */
  levels: string[];
  /** Who must attend, in words (shown with the summons). */
  attendees: string;
  reportInLimit: LimitByUrgency;
  minDepartments: number;
}

export const DEFAULT_WHISTLE_TIERS: WhistleTier[] = [
  { id: 'routine', name: 'Routine whistle', levels: ['community'], attendees: "the compound's party branch and the summoned department", reportInLimit: { normal: '1 working day', urgent: 'PT2H' }, minDepartments: 1 },
  { id: 'key', name: 'Key whistle', levels: ['community'], attendees: "the community's joint meeting and the summoned departments", reportInLimit: { normal: '4 working hours', urgent: 'PT1H' }, minDepartments: 1 },
  { id: 'joint', name: 'Joint whistle', levels: ['street'], attendees: "the street's working lines and the summoned departments", reportInLimit: { normal: '4 working hours', urgent: 'PT1H' }, minDepartments: 1 },
  { id: 'tough', name: 'Tough whistle', levels: ['street'], attendees: 'a street meeting of every summoned department', reportInLimit: { normal: '2 working hours', urgent: 'PT30M' }, minDepartments: 2 },
];

/** The whistle tiers of a definition, lowest first. */
export function whistleTiersOf(definition: Pick<ProcessDefinition, 'settings'>): WhistleTier[] {
  return definition.settings.whistleTiers ?? DEFAULT_WHISTLE_TIERS;
}

export interface CaseLimits {
  maxComments: number;
  /** Progress follow-ups from the citizen after which a normal case becomes urgent (policy data; absent: {@link DEFAULT_CASE_LIMITS}). */
  followUpsToUrgent?: number;
  maxUrges: number;
  /** Continue as new once the history has this many events (undefined: when Temporal suggests it). */
  continueAsNewAfter?: number;
  /** How long an unroutable case waits before routing is tried again (ISO 8601 duration). */
  routeRetry: string;
}

export const DEFAULT_CASE_LIMITS: CaseLimits = { maxComments: 200, maxUrges: 50, routeRetry: 'PT10M', followUpsToUrgent: 3 };

/** The case limits of a definition, with defaults for what it does not say. */
export function caseLimitsOf(definition: Pick<ProcessDefinition, 'settings'>): CaseLimits {
  return { ...DEFAULT_CASE_LIMITS, ...definition.settings.caseLimits };
}

export interface ProcessDefinition {
  key: string;
  version: number;
  name: string;
  /** Levels from the bottom up; escalation moves a case one step along this list. */
  levels: string[];
  settings: ProcessSettings;
  start: string;
  nodes: Record<string, ProcessNode>;
  /** For nodes inside a sub-process: the id of that sub-process. */
  parents?: Record<string, string>;
}

/** Ids of the nodes a node can lead to (for validation and drawing). */
export function successors(node: ProcessNode): string[] {
  switch (node.type) {
    case 'startEvent':
    case 'serviceTask':
      return [node.next];
    case 'subProcess':
      return [node.start, node.next];
    case 'userTask':
      return [node.next, ...node.boundaries.map((b) => b.target)];
    case 'exclusiveGateway':
      return node.branches.map((b) => b.target);
    case 'parallelGateway':
      return node.targets;
    case 'endEvent':
      return [];
  }
}
