/**
 * The default complaint process (DESIGN.md §3) as a compiled definition: route, sign for and
 * handle at the owning level, escalate community → street → district centre on missed limits or a
 * whistle, return to the dispatcher above (arbitration past the return limit), joint handling with
 * report-in at the centre, citizen evaluation with one reopen, and close.
 */
import type { Urgency } from '../case.js';
import type { Boundary, LimitByUrgency, ProcessDefinition, ProcessNode, ProcessSettings, UserTaskNode } from './definition.js';

/** Every time limit of the default process, per level and urgency. Policy data: deployments change it, code does not. */
export interface DefaultLimits {
  signFor: Record<'community' | 'street' | 'district', LimitByUrgency>;
  resolve: Record<'community' | 'street' | 'district', LimitByUrgency>;
  reopen: LimitByUrgency;
  reportIn: LimitByUrgency;
  arbitrate: LimitByUrgency;
  evaluate: LimitByUrgency;
  warningRatio: number;
}

const both = (urgent: string, normal: string): Record<Urgency, string> => ({ urgent, normal });

/** The limits of DESIGN.md §3. */
export const DESIGN_LIMITS: DefaultLimits = {
  signFor: {
    community: both('PT30M', '2 working hours'),
    street: both('PT30M', '2 working hours'),
    district: both('PT30M', '2 working hours'),
  },
  resolve: {
    community: both('PT24H', '5 working days'),
    street: both('PT24H', '5 working days'),
    district: both('PT24H', '7 working days'),
  },
  reopen: both('PT12H', '2 working days'),
  reportIn: both('PT1H', '1 working day'),
  arbitrate: both('PT2H', '1 working day'),
  evaluate: both('P3D', 'P3D'),
  warningRatio: 0.75,
};

export const DEFAULT_SETTINGS: ProcessSettings = {
  returnLimit: 2,
  reopenLimit: 1,
  extension: { max: 1, maxRatio: 1 },
};

export const DEFAULT_PROCESS_KEY = 'complaint';

/** Builds the default process with the given limits (tests use seconds-long ones). */
export function buildDefaultProcess(limits: DefaultLimits = DESIGN_LIMITS, settings: ProcessSettings = DEFAULT_SETTINGS, version = 1): ProcessDefinition {
  const nodes: ProcessNode[] = [];
  const add = (node: ProcessNode): void => {
    nodes.push(node);
  };
  const warning = (taskId: string): Boundary => ({ kind: 'warning', id: `${taskId}-warning`, ratio: limits.warningRatio, target: `${taskId}-warn` });
  const warnBranch = (taskId: string): void => {
    add({ type: 'serviceTask', id: `${taskId}-warn`, name: 'Warn before the limit', action: 'warn', next: 'branch-end' });
  };
  const task = (node: Omit<UserTaskNode, 'type'>): void => {
    add({ type: 'userTask', ...node });
    if (node.boundaries.some((b) => b.kind === 'warning')) warnBranch(node.id);
  };
  const returned = (taskId: string, gateway: string): Boundary => ({ kind: 'returned', id: `${taskId}-returned`, target: gateway });
  const timeout = (taskId: string, target: string, interrupting = true): Boundary => ({ kind: 'deadline', id: `${taskId}-deadline`, interrupting, target });

  add({ type: 'startEvent', id: 'start', name: 'Complaint received', next: 'route' });
  add({ type: 'serviceTask', id: 'route', name: 'Route by responsibility list', action: 'route', next: 'route-gateway' });
  add({
    type: 'exclusiveGateway',
    id: 'route-gateway',
    name: 'Owning level?',
    branches: [
      { condition: "route.kind == 'owner' && route.level == 'community'", target: 'community-sign' },
      { condition: "route.kind == 'owner' && route.level == 'street'", target: 'street-sign' },
      { condition: "route.kind == 'owner' && route.level == 'district' && route.department != null", target: 'district-handle' },
      { condition: null, target: 'district-dispatch' },
    ],
  });

  // Community and street: sign for, then handle; missed limits and whistles go one level up.
  const levelTasks = (level: 'community' | 'street', up: string, dispatchAbove: string): void => {
    const sign = `${level}-sign`;
    const handle = `${level}-handle`;
    const back = `${level}-returned`;
    task({
      id: sign,
      name: `Sign for (${level})`,
      task: 'signFor',
      level,
      role: 'handler',
      limit: limits.signFor[level],
      next: handle,
      boundaries: [timeout(sign, up), warning(sign), returned(sign, back), { kind: 'whistle', id: `${sign}-whistle`, target: up }],
    });
    task({
      id: handle,
      name: `Handle (${level})`,
      task: 'handle',
      level,
      role: 'handler',
      limit: limits.resolve[level],
      reopenLimit: limits.reopen,
      next: 'evaluate',
      boundaries: [timeout(handle, up), warning(handle), returned(handle, back), { kind: 'whistle', id: `${handle}-whistle`, target: up }],
    });
    add({
      type: 'exclusiveGateway',
      id: back,
      name: 'Over the return limit?',
      branches: [
        { condition: 'returns > settings.returnLimit', target: 'arbitrate' },
        { condition: null, target: dispatchAbove },
      ],
    });
  };
  levelTasks('community', 'street-sign', 'street-dispatch');
  levelTasks('street', 'district-dispatch', 'district-dispatch');

  // The street's dispatcher re-dispatches what a community returned.
  task({
    id: 'street-dispatch',
    name: 'Dispatch (street)',
    task: 'dispatch',
    level: 'street',
    role: 'dispatcher',
    limit: limits.signFor.street,
    next: 'assigned-gateway',
    boundaries: [timeout('street-dispatch', 'district-dispatch'), warning('street-dispatch')],
  });

  // The district centre: a dispatcher names the lead and co-departments; they report in; the lead resolves.
  task({
    id: 'district-dispatch',
    name: 'Joint dispatch (centre)',
    task: 'dispatch',
    level: 'district',
    role: 'dispatcher',
    limit: limits.signFor.district,
    next: 'assigned-gateway',
    boundaries: [timeout('district-dispatch', 'district-dispatch-overdue', false), warning('district-dispatch')],
  });
  add({ type: 'serviceTask', id: 'district-dispatch-overdue', name: 'Overdue at the top', action: 'overdueAtTop', next: 'branch-end' });
  task({
    id: 'district-handle',
    name: 'Joint handling (centre)',
    task: 'jointHandle',
    level: 'district',
    role: 'handler',
    limit: limits.resolve.district,
    reopenLimit: limits.reopen,
    reportInLimit: limits.reportIn,
    next: 'evaluate',
    boundaries: [timeout('district-handle', 'district-handle-overdue', false), warning('district-handle'), returned('district-handle', 'district-returned')],
  });
  add({ type: 'serviceTask', id: 'district-handle-overdue', name: 'Overdue at the top', action: 'overdueAtTop', next: 'branch-end' });
  add({
    type: 'exclusiveGateway',
    id: 'district-returned',
    name: 'Over the return limit?',
    branches: [
      { condition: 'returns > settings.returnLimit', target: 'arbitrate' },
      { condition: null, target: 'district-dispatch' },
    ],
  });
  task({
    id: 'arbitrate',
    name: 'Arbitrate responsibility (centre)',
    task: 'arbitrate',
    level: 'district',
    role: 'supervisor',
    limit: limits.arbitrate,
    next: 'assigned-gateway',
    boundaries: [warning('arbitrate')],
  });
  add({
    type: 'exclusiveGateway',
    id: 'assigned-gateway',
    name: 'Assigned to which level?',
    branches: [
      { condition: "unit.level == 'community'", target: 'community-sign' },
      { condition: "unit.level == 'street'", target: 'street-sign' },
      { condition: null, target: 'district-handle' },
    ],
  });

  // Evaluation: satisfied closes; unsatisfied reopens once at the same unit, then escalates.
  task({
    id: 'evaluate',
    name: 'Citizen evaluation',
    task: 'evaluate',
    role: 'evaluator',
    limit: limits.evaluate,
    next: 'evaluation-gateway',
    boundaries: [timeout('evaluate', 'end-unevaluated')],
  });
  add({
    type: 'exclusiveGateway',
    id: 'evaluation-gateway',
    name: 'Satisfied?',
    branches: [
      { condition: "rating in ['satisfied', 'basically-satisfied']", target: 'end-closed' },
      { condition: 'reopens < settings.reopenLimit', target: 'reopen' },
      { condition: null, target: 'unsatisfied-gateway' },
    ],
  });
  add({ type: 'serviceTask', id: 'reopen', name: 'Reopen', action: 'reopen', next: 'reopen-gateway' });
  add({
    type: 'exclusiveGateway',
    id: 'reopen-gateway',
    name: 'Back to the same unit',
    branches: [
      { condition: "unit.level == 'community'", target: 'community-handle' },
      { condition: "unit.level == 'street'", target: 'street-handle' },
      { condition: null, target: 'district-handle' },
    ],
  });
  add({
    type: 'exclusiveGateway',
    id: 'unsatisfied-gateway',
    name: 'Unsatisfied again: escalate',
    branches: [
      { condition: "unit.level == 'community'", target: 'street-sign', cause: 'unsatisfied' },
      { condition: "unit.level == 'street'", target: 'district-dispatch', cause: 'unsatisfied' },
      { condition: null, target: 'end-unsatisfied' },
    ],
  });
  add({ type: 'endEvent', id: 'end-closed', name: 'Closed', outcome: 'closed' });
  add({ type: 'endEvent', id: 'end-unevaluated', name: 'Closed without evaluation', outcome: 'closed-unevaluated' });
  add({ type: 'endEvent', id: 'end-unsatisfied', name: 'Closed unsatisfied', outcome: 'closed-unsatisfied' });
  add({ type: 'endEvent', id: 'branch-end', name: 'Branch done' });

  return {
    key: DEFAULT_PROCESS_KEY,
    version,
    name: 'Complaint escalation',
    levels: ['community', 'street', 'district'],
    settings,
    start: 'start',
    nodes: Object.fromEntries(nodes.map((n) => [n.id, n])),
  };
}
