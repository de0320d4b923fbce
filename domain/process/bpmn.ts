/**
 * BPMN 2.0 → process definition. A district edits its process in any BPMN modeler; Jiesu compiles the
 * supported subset, with the `jiesu:` extension attributes that bind tasks to levels and limits,
 * and rejects anything else with the element's id and the reason.
 */
import { BpmnModdle, type ModdleElement } from 'bpmn-moddle';
import { DEFAULT_CASE_LIMITS, OUTCOMES, SERVICE_ACTIONS, TASK_KINDS, type WhistleTier, type Boundary, type EscalationCause, type GatewayBranch, type LimitByUrgency, type ProcessDefinition, type ProcessNode } from './definition.js';
import { validateDefinition, type ValidationIssue } from './validate.js';

export const JIESU_NAMESPACE = 'http://jiesu.dev/schema/bpmn/1.0';

const attr = (name: string, type: 'String' | 'Integer' | 'Real' = 'String') => ({ name, isAttr: true, type });

/** The `jiesu:` moddle extension: attributes on process, tasks, boundary events, end events and flows. */
export const jiesuDescriptor = {
  name: 'Jiesu',
  uri: JIESU_NAMESPACE,
  prefix: 'jiesu',
  xml: { tagAlias: 'lowerCase' },
  associations: [],
  types: [
    {
      name: 'ProcessSettings',
      extends: ['bpmn:Process'],
      properties: [
        attr('levels'),
        attr('returnLimit', 'Integer'),
        attr('reopenLimit', 'Integer'),
        attr('extensionMax', 'Integer'),
        attr('extensionMaxRatio', 'Real'),
        attr('maxComments', 'Integer'),
        attr('maxUrges', 'Integer'),
        attr('continueAsNewAfter', 'Integer'),
        attr('routeRetry'),
      ],
    },
    {
      name: 'TaskBinding',
      extends: ['bpmn:UserTask'],
      properties: [attr('task'), attr('level'), attr('role'), attr('limit'), attr('limitUrgent'), attr('reopenLimit'), attr('reopenLimitUrgent'), attr('reportInLimit'), attr('reportInLimitUrgent')],
    },
    { name: 'ServiceBinding', extends: ['bpmn:ServiceTask'], properties: [attr('action'), attr('level')] },
    {
      name: 'WhistleTier',
      superClass: ['Element'],
      properties: [attr('id'), attr('name'), attr('levels'), attr('attendees'), attr('reportInLimit'), attr('reportInLimitUrgent'), attr('minDepartments', 'Integer')],
    },
    { name: 'BoundaryTiming', extends: ['bpmn:BoundaryEvent'], properties: [attr('at')] },
    { name: 'EndOutcome', extends: ['bpmn:EndEvent'], properties: [attr('outcome')] },
    { name: 'FlowCause', extends: ['bpmn:SequenceFlow'], properties: [attr('cause')] },
  ],
};

/** What the engine runs; everything else is refused at deploy. */
export const SUPPORTED_ELEMENTS = [
  'startEvent',
  'endEvent (none or terminate)',
  'userTask',
  'serviceTask',
  'exclusiveGateway',
  'parallelGateway',
  'subProcess',
  'boundaryEvent (timer, error, escalation) on user tasks',
  'sequenceFlow',
];

/** Artifacts and diagram-only elements that do not change execution. */
const IGNORED = new Set(['bpmn:TextAnnotation', 'bpmn:Association', 'bpmn:Group', 'bpmn:DataObject', 'bpmn:DataObjectReference', 'bpmn:DataStoreReference']);

export interface CompileResult {
  definition?: ProcessDefinition;
  issues: ValidationIssue[];
}

type El = ModdleElement & Record<string, unknown>;
const id = (el: El): string => String(el.id ?? '(no id)');
const list = (value: unknown): El[] => (Array.isArray(value) ? (value as El[]) : []);
const targetOf = (flow: El): string => id(flow.targetRef as El);

/** The process's whistle tiers (`<jiesu:whistleTier>` in its extension elements), when it names any. */
function whistleTiers(process: El, limitPair: (el: El, name: string, required: boolean) => LimitByUrgency | undefined): { whistleTiers?: WhistleTier[] } {
  const elements = list((process.extensionElements as El | undefined)?.values).filter((e) => e.$type === 'jiesu:WhistleTier');
  if (elements.length === 0) return {};
  return {
    whistleTiers: elements.map((el) => ({
      id: String(el.get('id') ?? ''),
      name: String(el.get('name') ?? el.get('id') ?? ''),
      levels: String(el.get('levels') ?? '')
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean),
      attendees: String(el.get('attendees') ?? ''),
      reportInLimit: limitPair(el, 'reportInLimit', true) ?? { normal: '', urgent: '' },
      minDepartments: Number(el.get('minDepartments') ?? 1),
    })),
  };
}

/** Parses and compiles a BPMN model; `issues` lists every problem by element id (empty when it deploys). */
export async function compileBpmn(xml: string, version: number): Promise<CompileResult> {
  const issues: ValidationIssue[] = [];
  const issue = (elementId: string, message: string): void => {
    issues.push({ elementId, message });
  };
  const moddle = new BpmnModdle({ jiesu: jiesuDescriptor });
  let root: El;
  try {
    const parsed = await moddle.fromXML(xml, 'bpmn:Definitions');
    root = parsed.rootElement as El;
    for (const warning of parsed.warnings) issue(warning.element ? id(warning.element as El) : 'definitions', warning.message);
  } catch (error) {
    return { issues: [{ elementId: 'definitions', message: `Not a BPMN 2.0 document: ${(error as Error).message}` }] };
  }

  const processes = list(root.rootElements).filter((e) => e.$type === 'bpmn:Process');
  if (processes.length !== 1) return { issues: [...issues, { elementId: 'definitions', message: `A model deploys exactly one process (found ${processes.length})` }] };
  const process = processes[0]!;
  const key = id(process);
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(key)) issue(key, 'The process id is its key: lower-case letters, digits and dashes');

  const nodes: Record<string, ProcessNode> = {};
  const parents: Record<string, string> = {};
  const limitPair = (el: El, name: string, required: boolean): LimitByUrgency | undefined => {
    const normal = el.get(`jiesu:${name}`) as string | undefined;
    const urgent = el.get(`jiesu:${name}Urgent`) as string | undefined;
    if (normal === undefined) {
      if (required) issue(id(el), `A user task needs a limit (jiesu:${name}, and jiesu:${name}Urgent for urgent cases)`);
      return undefined;
    }
    return { normal, urgent: urgent ?? normal };
  };
  // Flows are read from sequenceFlow elements (sourceRef/targetRef), not from the optional
  // <incoming>/<outgoing> children that modelers write and hand-written models often omit.
  const flows: El[] = [];
  const collectFlows = (container: El): void => {
    for (const el of list(container.flowElements)) {
      if (el.$type === 'bpmn:SequenceFlow') flows.push(el);
      if (el.$type === 'bpmn:SubProcess') collectFlows(el);
    }
  };
  collectFlows(process);
  const outgoingOf = (el: El): El[] => flows.filter((f) => (f.sourceRef as El | undefined)?.id === el.id);
  const incomingOf = (el: El): El[] => flows.filter((f) => (f.targetRef as El | undefined)?.id === el.id);
  const single = (el: El, what: string): string => {
    const outgoing = outgoingOf(el);
    if (outgoing.length !== 1) {
      issue(id(el), `A ${what} needs exactly one outgoing flow (found ${outgoing.length}); branch with a gateway`);
      return '';
    }
    return targetOf(outgoing[0]!);
  };

  const walk = (container: El, parent: string | undefined): string | undefined => {
    let start: string | undefined;
    const elements = list(container.flowElements);
    const boundaries = elements.filter((e) => e.$type === 'bpmn:BoundaryEvent');
    for (const el of elements) {
      const elId = id(el);
      if (parent !== undefined) parents[elId] = parent;
      switch (el.$type) {
        case 'bpmn:SequenceFlow':
        case 'bpmn:BoundaryEvent':
          break;
        case 'bpmn:StartEvent':
          if (list(el.eventDefinitions).length > 0) issue(elId, 'Only a none start event is supported');
          if (start !== undefined) issue(elId, `A second start event (the first is ${start})`);
          start = elId;
          nodes[elId] = { type: 'startEvent', id: elId, name: String(el.name ?? ''), next: single(el, 'start event') };
          break;
        case 'bpmn:EndEvent': {
          const definitions = list(el.eventDefinitions);
          const terminate = definitions.some((d) => d.$type === 'bpmn:TerminateEventDefinition');
          if (definitions.some((d) => d.$type !== 'bpmn:TerminateEventDefinition')) issue(elId, 'Only none and terminate end events are supported');
          const outcome = el.get('jiesu:outcome') as string | undefined;
          if (terminate && outcome === undefined) issue(elId, `A terminate end event closes the case: name its jiesu:outcome (${OUTCOMES.join(', ')})`);
          if (!terminate && outcome !== undefined) issue(elId, 'jiesu:outcome needs a terminate end event');
          nodes[elId] = { type: 'endEvent', id: elId, name: String(el.name ?? ''), ...(terminate && outcome ? { outcome: outcome as (typeof OUTCOMES)[number] } : {}) };
          break;
        }
        case 'bpmn:UserTask': {
          if (el.loopCharacteristics) issue(elId, 'Multi-instance and loop tasks are not supported');
          const task = el.get('jiesu:task') as string | undefined;
          if (task === undefined) issue(elId, `A user task needs jiesu:task (${TASK_KINDS.join(', ')})`);
          // Who may act is the action catalogue's (domain/engine/actions.ts), one rule in one place; a role in
          // the model would be a second, silently ignored one.
          if (el.get('jiesu:role') !== undefined) issue(elId, 'jiesu:role is not supported: who may act on a task is defined once, in the action catalogue (docs/lifecycle.md); remove the attribute');
          const level = el.get('jiesu:level') as string | undefined;
          const limit = limitPair(el, 'limit', true);
          const reopenLimit = limitPair(el, 'reopenLimit', false);
          const reportInLimit = limitPair(el, 'reportInLimit', false);
          const attached = boundaries.filter((b) => (b.attachedToRef as El | undefined)?.id === elId);
          nodes[elId] = {
            type: 'userTask',
            id: elId,
            name: String(el.name ?? ''),
            task: (task ?? 'handle') as (typeof TASK_KINDS)[number],
            ...(level !== undefined ? { level } : {}),
            limit: limit ?? { normal: '', urgent: '' },
            ...(reopenLimit ? { reopenLimit } : {}),
            ...(reportInLimit ? { reportInLimit } : {}),
            next: single(el, 'user task'),
            boundaries: attached.flatMap((b) => boundary(b)),
          };
          break;
        }
        case 'bpmn:ServiceTask': {
          const action = el.get('jiesu:action') as string | undefined;
          if (action === undefined) issue(elId, `A service task names its jiesu:action (${SERVICE_ACTIONS.join(', ')})`);
          const level = el.get('jiesu:level') as string | undefined;
          nodes[elId] = { type: 'serviceTask', id: elId, name: String(el.name ?? ''), action: (action ?? '') as never, ...(level !== undefined ? { level } : {}), next: single(el, 'service task') };
          break;
        }
        case 'bpmn:ExclusiveGateway': {
          const defaultFlow = (el.default as El | undefined)?.id;
          const branches: GatewayBranch[] = outgoingOf(el).map((flow) => {
            const body = (flow.conditionExpression as El | undefined)?.body as string | undefined;
            const cause = flow.get('jiesu:cause') as EscalationCause | undefined;
            if (flow.id !== defaultFlow && (body === undefined || body.trim() === '')) issue(id(flow), 'A flow out of an exclusive gateway needs a condition, unless it is the default');
            return { condition: flow.id === defaultFlow ? null : (body ?? ''), target: targetOf(flow), ...(cause ? { cause } : {}) };
          });
          nodes[elId] = { type: 'exclusiveGateway', id: elId, name: String(el.name ?? ''), branches };
          break;
        }
        case 'bpmn:ParallelGateway':
          nodes[elId] = { type: 'parallelGateway', id: elId, name: String(el.name ?? ''), incoming: incomingOf(el).length, targets: outgoingOf(el).map(targetOf) };
          break;
        case 'bpmn:SubProcess': {
          if (el.triggeredByEvent) {
            issue(elId, 'Event sub-processes are not supported');
            break;
          }
          if (el.loopCharacteristics) issue(elId, 'Multi-instance sub-processes are not supported');
          const inner = walk(el, elId);
          if (inner === undefined) issue(elId, 'A sub-process needs a start event');
          nodes[elId] = { type: 'subProcess', id: elId, name: String(el.name ?? ''), start: inner ?? '', next: single(el, 'sub-process') };
          break;
        }
        default:
          if (!IGNORED.has(el.$type)) issue(elId, `${el.$type.replace('bpmn:', '')} is not supported (supported: ${SUPPORTED_ELEMENTS.join(', ')})`);
      }
    }
    for (const b of boundaries) {
      const host = b.attachedToRef as El | undefined;
      if (host?.$type !== 'bpmn:UserTask') issue(id(b), 'Boundary events are supported on user tasks only');
    }
    return start;
  };

  const boundary = (b: El): Boundary[] => {
    const bId = id(b);
    const definitions = list(b.eventDefinitions);
    const target = single(b, 'boundary event');
    const interrupting = b.cancelActivity !== false;
    const definition = definitions[0];
    if (definitions.length !== 1 || !definition) {
      issue(bId, 'A boundary event has exactly one event definition');
      return [];
    }
    switch (definition.$type) {
      case 'bpmn:TimerEventDefinition': {
        const at = b.get('jiesu:at') as string | undefined;
        if (at === 'deadline') return [{ kind: 'deadline', id: bId, interrupting, target }];
        const percent = at === undefined ? undefined : /^(\d{1,2}(?:\.\d+)?)%$/.exec(at);
        if (!percent) {
          issue(bId, 'A timer boundary sets jiesu:at to "deadline" or a share of the limit such as "75%"');
          return [];
        }
        if (interrupting) issue(bId, 'A warning timer must not interrupt the task (cancelActivity="false")');
        return [{ kind: 'warning', id: bId, ratio: Number(percent[1]) / 100, target }];
      }
      case 'bpmn:ErrorEventDefinition': {
        const code = (definition.errorRef as El | undefined)?.errorCode;
        if (code !== 'returned') issue(bId, `The only error a task raises is "returned" (got ${String(code)})`);
        return [{ kind: 'returned', id: bId, target }];
      }
      case 'bpmn:EscalationEventDefinition': {
        const code = (definition.escalationRef as El | undefined)?.escalationCode;
        if (code === 'dispute') return [{ kind: 'dispute', id: bId, target }];
        if (code !== 'whistle') issue(bId, `A task raises the escalation "whistle" (up a level) or "dispute" (to arbitration), not ${String(code)}`);
        return [{ kind: 'whistle', id: bId, target }];
      }
      default:
        issue(bId, `${definition.$type.replace('bpmn:', '')} boundary events are not supported (timer, error, escalation are)`);
        return [];
    }
  };

  const start = walk(process, undefined);
  if (start === undefined) issue(key, 'The process needs a start event');
  const levels = String(process.get('jiesu:levels') ?? '')
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
  if (levels.length === 0) issue(key, 'The process lists its levels from the bottom up in jiesu:levels, e.g. "community,street,district"');
  const number = (name: string, fallback: number): number => {
    const value = process.get(`jiesu:${name}`) as number | undefined;
    return value === undefined || Number.isNaN(value) ? fallback : value;
  };
  const definition: ProcessDefinition = {
    key,
    version,
    name: String(process.name ?? key),
    levels,
    settings: {
      returnLimit: number('returnLimit', 2),
      reopenLimit: number('reopenLimit', 1),
      extension: { max: number('extensionMax', 1), maxRatio: number('extensionMaxRatio', 1) },
      ...whistleTiers(process, limitPair),
      caseLimits: {
        maxComments: number('maxComments', DEFAULT_CASE_LIMITS.maxComments),
        maxUrges: number('maxUrges', DEFAULT_CASE_LIMITS.maxUrges),
        routeRetry: String(process.get('jiesu:routeRetry') ?? DEFAULT_CASE_LIMITS.routeRetry),
        ...(process.get('jiesu:continueAsNewAfter') !== undefined ? { continueAsNewAfter: number('continueAsNewAfter', 0) } : {}),
      },
    },
    start: start ?? '',
    nodes,
    ...(Object.keys(parents).length > 0 ? { parents } : {}),
  };
  if (issues.length === 0) issues.push(...validateDefinition(definition));
  return issues.length === 0 ? { definition, issues } : { issues };
}
