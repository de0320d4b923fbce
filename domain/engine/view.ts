/**
 * What the outside sees of a case: the read-model row (`snapshot`) and the live view the `caseState`
 * query and every update answer with (`caseView`), including what each role may do now — derived from
 * the action catalogue, like the engine's refusals.
 */
import { intakeKind, type Actor, type CaseSnapshot } from '../case.js';
import { whistleTiersOf } from '../process/definition.js';
import { ACTIONS } from './actions.js';
import { ordersOf } from './orders.js';
import type { CaseReader } from './reader.js';
import { VIEW_TIMELINE_ENTRIES, type ActionType, type CaseView, type EngineInit, type TaskView, type Token } from './types.js';

/** Every department summoned to the case, once each, in order of summons. */
export const summonedUnits = (summons: ReadonlyArray<{ departments: ReadonlyArray<{ unitId: string }> }>): string[] => [
  ...new Set(summons.flatMap((s) => s.departments.map((d) => d.unitId))),
];

/** The read-model row of the case. */
export function snapshot(read: CaseReader): CaseSnapshot {
  const s = read.state;
  const main = read.mainTask();
  const { complaint } = s;
  return {
    caseNo: s.caseNo,
    workflowId: s.workflowId,
    source: complaint.source,
    ticketId: complaint.ticketId,
    title: complaint.title,
    category: complaint.category,
    urgency: s.urgency,
    status: read.status(),
    locationUnitId: complaint.location.unitId,
    processKey: read.definition.key,
    processVersion: read.definition.version,
    districtId: s.vars.route?.centre.id ?? null,
    routedLevel: s.vars.route?.kind === 'owner' ? s.vars.route.level : null,
    level: s.vars.unit?.level ?? null,
    unitId: read.answering()?.id ?? null,
    step: main?.node ?? read.blockedToken()?.node ?? null,
    deadline: main?.deadline ?? null,
    warning: main?.warned ?? false,
    overdue: main?.overdue ?? false,
    overdueAtTop: s.vars.overdueAtTop,
    escalations: s.vars.escalations,
    rating: s.vars.rating,
    holders: [...s.vars.holders],
    summoned: summonedUnits(s.summons),
    citizen: complaint.citizen,
    description: complaint.description,
    seq: s.seq,
    receivedAt: s.receivedAt,
    stepSince: main?.enteredAt ?? s.timeline.at(-1)?.at ?? s.receivedAt,
    closedAt: s.closedAt,
    ...reformFacts(read),
    caseType: read.kind().type,
    origin: read.kind().origin,
    privacy: read.kind().privacy,
  };
}

/** What the reform's figures need to know about the case (DESIGN.md, "Figures the reforms are judged by"). */
function reformFacts(read: CaseReader): Pick<CaseSnapshot, 'resolvedAt' | 'streetId' | 'communityHeld' | 'streetHandled' | 'reachedTop' | 'whistleTier'> {
  const { state, definition } = read;
  const v = state.vars;
  const location = v.route?.location;
  const chain = location ? [location.unit, ...location.ancestors] : [];
  const top = definition.levels.at(-1);
  const below = (level: string | null): boolean => level !== null && level !== top;
  return {
    resolvedAt: state.resolvedAt,
    streetId: chain.find((u) => u.level === 'street' && u.kind !== 'department')?.id ?? null,
    communityHeld: v.heldLevels.includes('community'),
    streetHandled: v.heldLevels.some((level) => level === 'street' || level === 'community'),
    reachedTop: read.closed && v.unit?.level === top && below(v.placedLevel),
    whistleTier: highestTier(read),
  };
}

/** The highest whistle tier the case's summons used (tiers are listed lowest first). */
function highestTier(read: CaseReader): string | null {
  const order = whistleTiersOf(read.definition).map((t) => t.id);
  let best: string | null = null;
  for (const { tier } of read.state.summons) if (best === null || order.indexOf(tier) > order.indexOf(best)) best = tier;
  return best;
}

function taskView(read: CaseReader, token: Token): TaskView {
  const node = read.userTask(token.node);
  return {
    node: node.id,
    name: node.name,
    task: node.task,
    level: node.level ?? null,
    unitId: read.answering()?.id ?? null,
    since: token.enteredAt,
    deadline: token.deadline,
    signed: node.task !== 'signFor',
    warned: token.warned,
    overdue: token.overdue,
    extensions: token.extensions,
    pendingExtension: token.pendingExtension,
    reportIns: token.reportIns.map((r) => ({ ...r })),
    reportInDeadline: token.reportInDeadline,
    staged: token.staged ?? null,
  };
}

/** For each role, the actions the case's state allows it now (whether the actor's own unit may is checked when it acts). */
export function allowedActions(read: CaseReader): CaseView['allowedActions'] {
  if (read.closed) return {};
  const allowed: Partial<Record<Actor['role'], ActionType[]>> = {};
  for (const [type, spec] of Object.entries(ACTIONS) as Array<[ActionType, (typeof ACTIONS)[ActionType]]>) {
    if (spec.when(read) !== null) continue;
    for (const role of Object.keys(spec.who) as Array<Actor['role']>) (allowed[role] ??= []).push(type);
  }
  return allowed;
}

/** The live state of the case for the `caseState` query and update answers (timeline: the newest entries, or those after `since`). */
export function caseView(read: CaseReader, since?: number): CaseView {
  const s = read.state;
  const blocked = read.blockedToken();
  return {
    ...snapshot(read),
    process: { key: read.definition.key, version: read.definition.version },
    outcome: s.outcome,
    lead: s.vars.lead?.id ?? null,
    coDepartments: s.vars.co.map((u) => u.id),
    returns: s.vars.returns,
    reopens: s.vars.reopens,
    tasks: read.taskTokens().map((t) => taskView(read, t)),
    allowedActions: allowedActions(read),
    notes: { ...s.notes, maxComments: read.limits.maxComments, maxUrges: read.limits.maxUrges },
    incident: blocked && !read.closed ? { reason: blocked.blocked!, retryAt: blocked.timers.find((t) => t.purpose === 'routeRetry')?.at ?? null } : null,
    summons: s.summons.map(({ awaiting: _awaiting, timers: _timers, taskToken: _taskToken, ...summons }) => ({ ...summons, departments: summons.departments.map((d) => ({ ...d })) })),
    difficult: s.difficult ?? null,
    orders: ordersOf(s).map(({ awaiting: _awaiting, timers: _timers, issuer: _issuer, ...order }) => ({ ...order, feedback: order.feedback ? { ...order.feedback } : null })),
    timeline: (since === undefined ? s.timeline : s.timeline.filter((e) => e.seq > since)).slice(-VIEW_TIMELINE_ENTRIES),
  };
}

/** What the `caseState` query answers before the process definition is loaded (the first moments of a case). */
export function startingView(init: Omit<EngineInit, 'definition'>, processKey: string): CaseView {
  const { complaint } = init;
  return {
    caseNo: init.caseNo,
    workflowId: init.workflowId,
    source: complaint.source,
    ticketId: complaint.ticketId,
    title: complaint.title,
    category: complaint.category,
    urgency: complaint.urgency,
    status: 'received',
    locationUnitId: complaint.location.unitId,
    processKey,
    processVersion: 0,
    districtId: null,
    routedLevel: null,
    level: null,
    unitId: null,
    step: null,
    deadline: null,
    warning: false,
    overdue: false,
    overdueAtTop: false,
    escalations: 0,
    rating: null,
    citizen: complaint.citizen,
    description: complaint.description,
    seq: 0,
    receivedAt: init.receivedAt,
    stepSince: init.receivedAt,
    closedAt: null,
    resolvedAt: null,
    streetId: null,
    communityHeld: false,
    streetHandled: false,
    reachedTop: false,
    whistleTier: null,
    caseType: intakeKind(complaint).type,
    origin: intakeKind(complaint).origin,
    // Until the model says what the type means, the contact is kept from everyone but the hotline.
    privacy: intakeKind(complaint).privacy === 'open' ? 'confidential' : intakeKind(complaint).privacy,
    process: { key: processKey, version: 0 },
    outcome: null,
    lead: null,
    coDepartments: [],
    returns: 0,
    reopens: 0,
    holders: [],
    tasks: [],
    allowedActions: {},
    notes: { comments: 0, urges: 0, maxComments: 0, maxUrges: 0 },
    incident: null,
    summons: [],
    difficult: null,
    orders: [],
    timeline: [],
  };
}
