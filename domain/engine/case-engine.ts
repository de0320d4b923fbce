/**
 * The case engine: walks a compiled process definition for one complaint. It is a pure, synchronous
 * state machine — no clock, no I/O — so the complaint workflow can drive it deterministically and
 * unit tests can drive it directly. Inputs are actions (from updates and signals), fired timers and
 * activity results, each with the current time; outputs are effects (activities to run, timers to
 * start or cancel) and a new state.
 */
import { addToLedger, emptyLedger } from '../accountability.js';
import type { Actor, CaseSnapshot, TimelineEntry } from '../case.js';
import { limitFits, parseLimit, warningPoint } from '../calendar.js';
import { parseExpression, type Expression } from '../process/expression.js';
import { caseLimitsOf, type Boundary, type Outcome, type ProcessDefinition, type ProcessNode, type UserTaskNode } from '../process/definition.js';
import type { UnitChain, UnitRef } from '../units.js';
import {
  REFUSALS,
  type ActionType,
  type ActivityCall,
  type CaseAction,
  type CaseView,
  type Effect,
  type EngineInit,
  type EngineState,
  type Refusal,
  type PlacedRoute,
  type RouteResult,
  type TaskView,
  type Token,
  VIEW_TIMELINE_ENTRIES,
} from './types.js';

/** A fault in the process model or its data (not a user mistake): the workflow task fails and operators see it. */
export class EngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineError';
  }
}

/** An action the engine refuses; validators turn it into a typed failure before anything enters history. */
export class RefusalError extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
    this.name = 'RefusalError';
  }
}

const STATUS_BY_TASK = {
  signFor: 'awaiting-sign',
  handle: 'handling',
  dispatch: 'awaiting-dispatch',
  jointHandle: 'joint-handling',
  arbitrate: 'awaiting-arbitration',
  evaluate: 'awaiting-evaluation',
} as const;

const MAX_STEPS = 1_000;

type Cause = Token['cause'];

function refuse(type: Refusal['type'], message: string): Refusal {
  return { type, message };
}

export class CaseEngine {
  private readonly conditions = new Map<string, Expression>();
  private effects: Effect[] = [];
  private now = '';
  /** Nodes entered during the current step; a model that never waits is a fault, not an endless loop. */
  private steps = 0;

  private constructor(
    readonly definition: ProcessDefinition,
    readonly state: EngineState,
  ) {}

  /** Starts a case: records intake and runs the model until it waits. */
  static start(init: EngineInit, now: string): { engine: CaseEngine; effects: Effect[] } {
    const state: EngineState = {
      caseNo: init.caseNo,
      workflowId: init.workflowId,
      complaint: init.complaint,
      urgency: init.complaint.urgency,
      receivedAt: init.receivedAt,
      vars: {
        route: null,
        unit: null,
        ancestors: [],
        lead: null,
        co: [],
        rating: null,
        returns: 0,
        reopens: 0,
        escalations: 0,
        arbitrated: false,
        overdueAtTop: false,
        reopening: false,
        holders: [],
      },
      tokens: [],
      joins: {},
      timeline: [],
      seq: 0,
      ledger: emptyLedger(),
      notes: { comments: 0, urges: 0 },
      limitNotes: init.limitNotes ?? true,
      outcome: null,
      closedAt: null,
      nextId: 1,
    };
    const engine = new CaseEngine(init.definition, state);
    const effects = engine.step(now, () => {
      engine.record('received', { role: 'intake', id: init.complaint.source }, { detail: { category: init.complaint.category, urgency: init.complaint.urgency } });
      engine.enter(init.definition.start, null, null);
    });
    return { engine, effects };
  }

  /** What the `caseState` query answers before the process definition is loaded (the first moments of a case). */
  static startingView(init: Omit<EngineInit, 'definition'>, processKey: string): CaseView {
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
      timeline: [],
    };
  }

  /** Rebuilds an engine around saved state (after continue-as-new); {@link armedTimers} says which timers to start again. */
  static resume(definition: ProcessDefinition, state: EngineState): CaseEngine {
    return new CaseEngine(definition, state);
  }

  /** The timers the state holds, as effects: what a new run starts again after continue-as-new. */
  armedTimers(): Effect[] {
    return this.state.tokens.flatMap((t) => t.timers.map((timer): Effect => ({ type: 'timer', id: timer.id, at: timer.at })));
  }

  /**
   * Forgets timeline entries the read model has (`seq` up to `projected`), keeping the newest ones the view
   * shows: a case's state stays small however long its timeline grows.
   */
  trimTimeline(projected: number): void {
    const keepFrom = Math.min(projected, this.state.seq - VIEW_TIMELINE_ENTRIES);
    if (this.state.timeline.length > 0 && this.state.timeline[0]!.seq <= keepFrom) this.state.timeline = this.state.timeline.filter((e) => e.seq > keepFrom);
  }

  get closed(): boolean {
    return this.state.outcome !== null;
  }

  /** True while the engine waits for an activity's answer (routing, a deadline): its state is not settled. */
  busy(): boolean {
    return this.state.tokens.some((t) => t.awaiting !== null);
  }

  /** True while a task's deadline is being computed (updates answer once it is known). */
  waitingForDeadline(): boolean {
    return this.taskTokens().some((t) => t.awaiting !== null);
  }

  // ---------------------------------------------------------------- inputs

  /** Why `action` by `actor` is refused now, or null if it is allowed. Never changes state. */
  refusal(action: CaseAction, actor: Actor, now: string): Refusal | null {
    this.now = now;
    return this.check(action, actor);
  }

  /** Applies an allowed action; throws {@link RefusalError} if it is not allowed. */
  apply(action: CaseAction, actor: Actor, now: string): Effect[] {
    const refusal = this.refusal(action, actor, now);
    if (refusal) throw new RefusalError(refusal);
    return this.step(now, () => this.perform(action, actor));
  }

  /** A timer the engine asked for has fired. Stale timers (their task has ended) are ignored. */
  timerFired(timerId: string, now: string): Effect[] {
    return this.step(now, () => {
      const token = this.state.tokens.find((t) => t.timers.some((timer) => timer.id === timerId));
      if (!token) return;
      const timer = token.timers.find((t) => t.id === timerId)!;
      token.timers = token.timers.filter((t) => t.id !== timerId);
      if (timer.purpose === 'reportIn') return this.reportInLimitPassed(token);
      if (timer.purpose === 'routeRetry') {
        token.awaiting = this.routeActivity();
        return;
      }
      const node = this.userTask(token.node);
      const boundary = node.boundaries.find((b) => b.id === timer.purpose);
      if (!boundary) return;
      if (boundary.kind === 'deadline') {
        this.record('deadline-missed', SYSTEM_TIMER, { ...this.here(), detail: { step: node.id, deadline: token.deadline } });
        if (boundary.interrupting) {
          this.leave(token);
          this.enter(boundary.target, 'timeout', null);
        } else {
          token.overdue = true;
          this.enter(boundary.target, 'timeout', token.id);
        }
      } else if (boundary.kind === 'warning') {
        this.enter(boundary.target, null, token.id);
      }
    });
  }

  /** An activity the engine asked for has returned. Results for tokens that are gone are ignored. */
  activityCompleted(requestId: string, result: unknown, now: string): Effect[] {
    return this.step(now, () => {
      const token = this.state.tokens.find((t) => t.awaiting === requestId);
      if (!token) return;
      token.awaiting = null;
      const node = this.node(token.node);
      if (node.type === 'serviceTask' && node.action === 'route') {
        const route = result as RouteResult;
        if (route.kind === 'unroutable') return this.unroutable(token, route.reason);
        this.routed(route);
        this.leave(token);
        this.enter(node.next, token.cause, null);
      } else if (node.type === 'userTask') {
        const { deadline, reportIn, extension } = result as Record<string, string | undefined>;
        if (extension !== undefined) token.deadline = extension;
        else if (deadline !== undefined) token.deadline = deadline;
        if (reportIn !== undefined) token.reportInDeadline = reportIn;
        this.armTimers(token, node, extension !== undefined);
      }
    });
  }

  // ---------------------------------------------------------------- outputs

  /** The read-model row of the case. */
  snapshot(): CaseSnapshot {
    const s = this.state;
    const main = this.mainTask();
    const { complaint } = s;
    return {
      caseNo: s.caseNo,
      workflowId: s.workflowId,
      source: complaint.source,
      ticketId: complaint.ticketId,
      title: complaint.title,
      category: complaint.category,
      urgency: s.urgency,
      status: this.status(),
      locationUnitId: complaint.location.unitId,
      processKey: this.definition.key,
      processVersion: this.definition.version,
      districtId: s.vars.route?.centre.id ?? null,
      routedLevel: s.vars.route?.kind === 'owner' ? s.vars.route.level : null,
      level: s.vars.unit?.level ?? null,
      unitId: s.vars.lead?.id ?? s.vars.unit?.id ?? null,
      step: main?.node ?? this.blockedToken()?.node ?? null,
      deadline: main?.deadline ?? null,
      warning: main?.warned ?? false,
      overdue: main?.overdue ?? false,
      overdueAtTop: s.vars.overdueAtTop,
      escalations: s.vars.escalations,
      rating: s.vars.rating,
      holders: [...s.vars.holders],
      citizen: complaint.citizen,
      description: complaint.description,
      seq: s.seq,
      receivedAt: s.receivedAt,
      stepSince: main?.enteredAt ?? s.timeline.at(-1)?.at ?? s.receivedAt,
      closedAt: s.closedAt,
    };
  }

  /** The full state for the `caseState` query, including what each role may do now. */
  view(now: string): CaseView {
    this.now = now;
    const s = this.state;
    return {
      ...this.snapshot(),
      process: { key: this.definition.key, version: this.definition.version },
      outcome: s.outcome,
      lead: s.vars.lead?.id ?? null,
      coDepartments: s.vars.co.map((u) => u.id),
      returns: s.vars.returns,
      reopens: s.vars.reopens,
      tasks: this.taskTokens().map((t) => this.taskView(t)),
      allowedActions: this.allowedActions(),
      notes: { ...s.notes, maxComments: this.limits.maxComments, maxUrges: this.limits.maxUrges },
      incident: this.incident(),
      timeline: s.timeline.slice(-VIEW_TIMELINE_ENTRIES),
    };
  }

  // ---------------------------------------------------------------- model walking

  private step(now: string, body: () => void): Effect[] {
    this.now = now;
    this.effects = [];
    this.steps = 0;
    body();
    const effects = this.effects;
    this.effects = [];
    return effects;
  }

  private node(id: string): ProcessNode {
    const node = this.definition.nodes[id];
    if (!node) throw new EngineError(`Process ${this.definition.key} v${this.definition.version} has no node "${id}"`);
    return node;
  }

  private userTask(id: string): UserTaskNode {
    const node = this.node(id);
    if (node.type !== 'userTask') throw new EngineError(`Node "${id}" is not a user task`);
    return node;
  }

  private newToken(node: string, cause: Cause): Token {
    return {
      id: this.state.nextId++,
      node,
      enteredAt: this.now,
      cause,
      awaiting: null,
      deadline: null,
      limit: null,
      reportInDeadline: null,
      timers: [],
      signed: false,
      warned: false,
      overdue: false,
      extensions: 0,
      pendingExtension: null,
      reopening: false,
      reportIns: [],
    };
  }

  /** Moves a token onto `nodeId` and runs every node that does not wait. `origin` is the task a side branch started from. */
  private enter(nodeId: string, cause: Cause, origin: number | null): void {
    if (this.closed) return;
    if (++this.steps > MAX_STEPS) throw new EngineError(`Process ${this.definition.key} loops without waiting (at "${nodeId}")`);
    const node = this.node(nodeId);
    switch (node.type) {
      case 'startEvent':
        return this.enter(node.next, cause, origin);
      case 'endEvent':
        if (node.outcome) this.terminate(node.outcome);
        else this.branchEnded(nodeId);
        return;
      case 'subProcess':
        return this.enter(node.start, cause, origin);
      case 'exclusiveGateway': {
        const context = this.gatewayContext();
        const branch =
          node.branches.find((b) => b.condition !== null && this.condition(b.condition).evaluate(context)) ?? node.branches.find((b) => b.condition === null);
        if (!branch) throw new EngineError(`No branch of gateway "${node.id}" applies and it has no default`);
        return this.enter(branch.target, branch.cause ?? cause, origin);
      }
      case 'parallelGateway': {
        const arrived = (this.state.joins[node.id] ?? 0) + 1;
        if (arrived < node.incoming) {
          this.state.joins[node.id] = arrived;
          return;
        }
        this.state.joins[node.id] = 0;
        for (const target of node.targets) this.enter(target, cause, origin);
        return;
      }
      case 'serviceTask':
        return this.runService(node.id, node.action, node.next, cause, origin);
      case 'userTask':
        return this.startTask(node, cause);
    }
  }

  /** A non-terminating end: if it closes the last branch of a sub-process, the sub-process continues after itself. */
  private branchEnded(endId: string): void {
    const parent = this.definition.parents?.[endId];
    if (parent === undefined) return;
    const inside = this.state.tokens.some((t) => this.definition.parents?.[t.node] === parent);
    const sub = this.node(parent);
    if (!inside && sub.type === 'subProcess') this.enter(sub.next, null, null);
  }

  private condition(source: string): Expression {
    let parsed = this.conditions.get(source);
    if (!parsed) {
      parsed = parseExpression(source);
      this.conditions.set(source, parsed);
    }
    return parsed;
  }

  /** The variables gateway conditions can read. */
  gatewayContext(): Record<string, unknown> {
    const v = this.state.vars;
    return {
      route: v.route ? { kind: v.route.kind, level: v.route.level, department: v.route.departmentId } : null,
      unit: v.unit ? { id: v.unit.id, level: v.unit.level, kind: v.unit.kind } : null,
      lead: v.lead?.id ?? null,
      rating: v.rating,
      returns: v.returns,
      reopens: v.reopens,
      escalations: v.escalations,
      arbitrated: v.arbitrated,
      urgency: this.state.urgency,
      category: this.state.complaint.category,
      settings: { returnLimit: this.definition.settings.returnLimit, reopenLimit: this.definition.settings.reopenLimit },
    };
  }

  private activity(call: ActivityCall, awaitResult: boolean): string {
    const id = `${call.name}:${this.state.nextId++}`;
    this.effects.push({ type: 'activity', id, call, awaitResult });
    return id;
  }

  private timer(token: Token, purpose: string, at: string): void {
    const id = `timer:${this.state.nextId++}`;
    token.timers.push({ id, purpose, at });
    this.effects.push({ type: 'timer', id, at });
  }

  private cancelTimers(token: Token, keep: (purpose: string) => boolean = () => false): void {
    const [kept, dropped] = [token.timers.filter((t) => keep(t.purpose)), token.timers.filter((t) => !keep(t.purpose))];
    for (const timer of dropped) this.effects.push({ type: 'cancelTimer', id: timer.id });
    token.timers = kept;
  }

  /** Removes a token and its timers. */
  private leave(token: Token): void {
    this.cancelTimers(token);
    this.state.tokens = this.state.tokens.filter((t) => t.id !== token.id);
  }

  /** Closes the case and hands its outcome ledger to accountability. */
  private terminate(outcome: Outcome): void {
    for (const token of [...this.state.tokens]) this.leave(token);
    this.state.outcome = outcome;
    this.state.closedAt = this.now;
    this.record('closed', SYSTEM_ENGINE, { ...this.here(), detail: { outcome } });
    this.activity({ name: 'recordOutcome', input: { caseNo: this.state.caseNo, closedAt: this.now, outcome, rows: this.state.ledger.rows.map((r) => ({ ...r })) } }, false);
  }

  // ---------------------------------------------------------------- service tasks

  private runService(nodeId: string, action: string, next: string, cause: Cause, origin: number | null): void {
    const s = this.state;
    const originToken = origin === null ? undefined : s.tokens.find((t) => t.id === origin);
    switch (action) {
      case 'route': {
        const token = this.newToken(nodeId, cause);
        token.awaiting = this.routeActivity();
        s.tokens.push(token);
        return;
      }
      case 'warn': {
        if (originToken) {
          originToken.warned = true;
          const task = this.userTask(originToken.node);
          this.record('warning', SYSTEM_TIMER, { ...this.here(), detail: { step: task.id, deadline: originToken.deadline } });
          this.notify('warning', this.unitsOf(originToken), `Case ${s.caseNo}: the ${task.name} limit is near (${originToken.deadline ?? 'deadline pending'})`);
        }
        break;
      }
      case 'reopen':
        s.vars.reopens += 1;
        s.vars.reopening = true;
        this.record('reopened', SYSTEM_ENGINE, { ...this.here(), reason: 'unsatisfied', detail: { reopens: s.vars.reopens } });
        break;
      case 'overdueAtTop': {
        const holder = s.vars.lead ?? s.vars.unit;
        s.vars.overdueAtTop = true;
        this.record('overdue-at-top', SYSTEM_TIMER, { ...this.here(), detail: { strikeUnitId: holder?.id ?? null } });
        if (holder) {
          this.activity({ name: 'deliverStrike', input: { id: `overdue-at-top:${s.workflowId}:${holder.id}`, unitId: holder.id, source: 'overdue-at-top', caseNo: s.caseNo, at: this.now } }, false);
          this.notify('overdue-at-top', [holder.id], `Case ${s.caseNo} is overdue at the district centre`);
        }
        break;
      }
      default:
        throw new EngineError(`Unknown service action "${action}" at "${nodeId}"`);
    }
    this.enter(next, cause, origin);
  }

  private routeActivity(): string {
    const { complaint } = this.state;
    return this.activity({ name: 'routeComplaint', input: { category: complaint.category, locationUnitId: complaint.location.unitId } }, true);
  }

  /** Routing cannot place the case (no district centre in the reference data): say so once per reason, and try again later. */
  private unroutable(token: Token, reason: string): void {
    if (token.blocked !== reason) this.record('routing-failed', SYSTEM_ROUTER, { reason, detail: { retryEvery: this.limits.routeRetry } });
    token.blocked = reason;
    const retry = parseLimit(this.limits.routeRetry);
    this.timer(token, 'routeRetry', new Date(Date.parse(this.now) + (retry.kind === 'duration' ? retry.ms : 600_000)).toISOString());
  }

  private blockedToken(): Token | undefined {
    return this.state.tokens.find((t) => t.blocked);
  }

  private incident(): CaseView['incident'] {
    const blocked = this.blockedToken();
    if (!blocked || this.closed) return null;
    return { reason: blocked.blocked!, retryAt: blocked.timers.find((t) => t.purpose === 'routeRetry')?.at ?? null };
  }

  private get limits() {
    return caseLimitsOf(this.definition);
  }

  private notify(kind: 'warning' | 'urge' | 'escalated' | 'dispatched' | 'overdue-at-top', unitIds: string[], message: string): void {
    if (unitIds.length === 0) return;
    this.activity({ name: 'notify', input: { id: `${this.state.workflowId}:${this.state.nextId}`, kind, caseNo: this.state.caseNo, unitIds, message } }, false);
  }

  private routed(route: PlacedRoute): void {
    const v = this.state.vars;
    v.route = route;
    if (route.kind === 'owner' && route.level === 'district' && route.department) {
      this.assign(route.centre, []);
      v.lead = route.department;
      this.hold(route.department);
    } else if (route.kind === 'owner' && route.location && route.level) {
      const chain = [route.location.unit, ...route.location.ancestors];
      const index = chain.findIndex((u) => u.level === route.level && u.kind !== 'department');
      if (index < 0) throw new EngineError(`Location ${route.location.unit.id} has no unit at level ${route.level}`);
      this.assign(chain[index]!, chain.slice(index + 1));
    } else {
      this.assign(route.centre, []);
    }
    this.record('routed', SYSTEM_ROUTER, {
      toUnitId: v.lead?.id ?? v.unit?.id,
      toLevel: v.unit?.level,
      ...(route.kind === 'dispatch' ? { reason: route.reason ?? 'unknown-category' } : {}),
      detail: { listVersion: route.listVersion, kind: route.kind },
    });
  }

  // ---------------------------------------------------------------- user tasks

  private levelIndex(level: string): number {
    const index = this.definition.levels.indexOf(level);
    if (index < 0) throw new EngineError(`Level "${level}" is not one of ${this.definition.levels.join(', ')}`);
    return index;
  }

  private assign(unit: UnitRef, ancestors: UnitRef[]): void {
    this.state.vars.unit = unit;
    this.state.vars.ancestors = ancestors;
    this.hold(unit);
  }

  private hold(unit: UnitRef): void {
    if (!this.state.vars.holders.includes(unit.id)) this.state.vars.holders.push(unit.id);
  }

  private startTask(node: UserTaskNode, cause: Cause): void {
    const v = this.state.vars;
    if (node.level !== undefined && v.unit) {
      const from = v.unit;
      const delta = this.levelIndex(node.level) - this.levelIndex(from.level);
      if (delta < 0) throw new EngineError(`Task "${node.id}" (level ${node.level}) is below the case's level ${from.level}; only dispatch moves a case down`);
      if (delta > 0) {
        const chain = v.ancestors;
        const index = chain.findIndex((u) => u.level === node.level && u.kind !== 'department');
        if (index < 0) throw new EngineError(`Unit ${from.id} has no ancestor at level ${node.level}`);
        const heldBy = v.lead ?? from;
        this.assign(chain[index]!, chain.slice(index + 1));
        v.lead = null;
        v.co = [];
        const escalated = cause !== 'returned';
        if (escalated) v.escalations += 1;
        this.record(escalated ? 'escalated' : 'sent-to-dispatcher', cause === 'returned' || cause === null ? SYSTEM_ENGINE : SYSTEM_TIMER, {
          reason: cause ?? 'process',
          fromUnitId: heldBy.id,
          toUnitId: v.unit!.id,
          fromLevel: from.level,
          toLevel: node.level,
        });
        this.notify('escalated', [v.unit!.id], `Case ${this.state.caseNo} has come to you (${cause ?? 'process'})`);
      }
    }
    const token = this.newToken(node.id, cause);
    if (v.reopening && (node.task === 'handle' || node.task === 'jointHandle')) {
      token.reopening = true;
      v.reopening = false;
    }
    if (node.task === 'jointHandle') {
      if (!v.lead) throw new EngineError(`Joint handling at "${node.id}" needs a lead department; dispatch one first`);
      token.reportIns = [v.lead, ...v.co].map((u) => ({ unitId: u.id, at: null, late: false }));
    }
    const limits = token.reopening && node.reopenLimit ? node.reopenLimit : node.limit;
    token.limit = limits[this.state.urgency];
    const requested: Record<string, string> = { deadline: token.limit };
    if (node.task === 'jointHandle' && node.reportInLimit) requested.reportIn = node.reportInLimit[this.state.urgency];
    token.awaiting = this.activity({ name: 'computeDeadlines', input: { from: this.now, limits: requested } }, true);
    this.state.tokens.push(token);
  }

  private armTimers(token: Token, node: UserTaskNode, rearm: boolean): void {
    if (rearm) {
      this.cancelTimers(token, (purpose) => purpose === 'reportIn');
      token.warned = false;
    }
    if (token.deadline === null) return;
    for (const boundary of node.boundaries) {
      if (boundary.kind === 'deadline') this.timer(token, boundary.id, token.deadline);
      if (boundary.kind === 'warning') {
        this.timer(token, boundary.id, warningPoint(new Date(token.enteredAt), new Date(token.deadline), boundary.ratio).toISOString());
      }
    }
    if (!rearm && token.reportInDeadline !== null) this.timer(token, 'reportIn', token.reportInDeadline);
  }

  private reportInLimitPassed(token: Token): void {
    for (const report of token.reportIns) {
      if (report.at !== null) continue;
      report.late = true;
      this.record('report-in-missed', SYSTEM_TIMER, { toUnitId: report.unitId, toLevel: this.state.vars.unit?.level, detail: { deadline: token.reportInDeadline } });
    }
  }

  private boundary(node: UserTaskNode, kind: Boundary['kind']): Boundary | undefined {
    return node.boundaries.find((b) => b.kind === kind);
  }

  /** Tokens resting on user tasks, in the order they started. */
  private taskTokens(): Token[] {
    return this.state.tokens.filter((t) => this.node(t.node).type === 'userTask');
  }

  private mainTask(): Token | undefined {
    return this.taskTokens()[0];
  }

  private tokenFor(...kinds: UserTaskNode['task'][]): { token: Token; node: UserTaskNode } | undefined {
    for (const token of this.taskTokens()) {
      const node = this.userTask(token.node);
      if (kinds.includes(node.task)) return { token, node };
    }
    return undefined;
  }

  /** Units that act on a task: the lead and co-departments in joint handling, else the holding unit. */
  private unitsOf(token: Token): string[] {
    if (token.reportIns.length > 0) return token.reportIns.map((r) => r.unitId);
    const unit = this.state.vars.unit;
    return unit ? [unit.id] : [];
  }

  private status(): string {
    if (this.state.outcome) return this.state.outcome;
    const main = this.mainTask();
    if (!main) return this.blockedToken() ? 'unroutable' : 'routing';
    const node = this.userTask(main.node);
    if (node.task === 'handle' && main.reopening) return 'reopened';
    return STATUS_BY_TASK[node.task];
  }

  private here(): Pick<TimelineEntry, 'toUnitId' | 'toLevel'> {
    const v = this.state.vars;
    const unitId = v.lead?.id ?? v.unit?.id;
    return { ...(unitId ? { toUnitId: unitId } : {}), ...(v.unit ? { toLevel: v.unit.level } : {}) };
  }

  private record(action: string, actor: Actor, extra: Omit<TimelineEntry, 'seq' | 'at' | 'action' | 'actor'> = {}): void {
    const entry: TimelineEntry = { seq: ++this.state.seq, at: this.now, action, actor };
    for (const [key, value] of Object.entries(extra)) if (value !== undefined) (entry as unknown as Record<string, unknown>)[key] = value;
    this.state.timeline.push(entry);
    addToLedger(this.state.ledger, entry);
  }

  // ---------------------------------------------------------------- actions

  /** The unit that approves extensions for the current holder: the level above (the centre for departments). */
  private approver(): UnitRef | undefined {
    const v = this.state.vars;
    return v.lead ? v.unit ?? undefined : v.ancestors[0];
  }

  /** True if `unitId` is `scope` or lies below it. */
  private within(unit: UnitChain, scopeId: string): boolean {
    return unit.unit.id === scopeId || unit.ancestors.some((a) => a.id === scopeId);
  }

  private actsForUnit(actor: Actor, unitId: string | undefined): Refusal | null {
    if (actor.role !== 'handler') return refuse(REFUSALS.notPermitted, `A ${actor.role} cannot do this; the handler of the unit holding the case can`);
    if (unitId === undefined || actor.unitId !== unitId) return refuse(REFUSALS.notYourCase, `The case is held by ${unitId ?? 'no unit'}, not by ${actor.unitId ?? 'you'}`);
    return null;
  }

  private supervises(actor: Actor, roles: Actor['role'][], unitId: string | undefined): Refusal | null {
    if (!roles.includes(actor.role)) return refuse(REFUSALS.notPermitted, `Only a ${roles.join(' or ')} can do this`);
    if (unitId === undefined || actor.unitId !== unitId) return refuse(REFUSALS.notYourCase, `This is for ${unitId ?? 'another unit'} to decide`);
    return null;
  }

  private beforeDeadline(token: Token): Refusal | null {
    if (token.deadline !== null && this.now >= token.deadline) return refuse(REFUSALS.deadlinePassed, `The limit passed at ${token.deadline}`);
    return null;
  }

  private checkTarget(target: UnitChain, scopeId: string, allowDepartments: boolean): Refusal | null {
    if (!this.within(target, scopeId)) return refuse(REFUSALS.invalidTarget, `${target.unit.id} is not under ${scopeId}`);
    if (target.unit.kind === 'department') {
      return allowDepartments ? null : refuse(REFUSALS.invalidTarget, 'Only the district centre dispatches to departments');
    }
    if (!this.definition.levels.includes(target.unit.level)) return refuse(REFUSALS.invalidTarget, `Level ${target.unit.level} is not part of this process`);
    return null;
  }

  /**
   * Who may act at all, before what the case's state allows: a unit that does not hold the case, or a
   * supervisor outside its area, is told so whatever the state (and learns nothing about the state).
   */
  private permission(action: CaseAction, actor: Actor): Refusal | null {
    const v = this.state.vars;
    const participants = [v.unit?.id, v.lead?.id, ...v.co.map((u) => u.id)].filter((id): id is string => id !== undefined);
    const inArea = actor.unitId !== undefined && (participants.includes(actor.unitId) || v.ancestors.some((a) => a.id === actor.unitId));
    const roles = (allowed: Actor['role'][]): Refusal | null =>
      allowed.includes(actor.role) ? null : refuse(REFUSALS.notPermitted, `A ${actor.role} cannot ${action.type}; ${allowed.join(' or ')} can`);
    switch (action.type) {
      case 'signFor':
      case 'resolve':
      case 'return':
      case 'whistle':
      case 'requestExtension':
      case 'reportIn':
        return (
          roles(['handler']) ??
          (actor.unitId !== undefined && participants.includes(actor.unitId) ? null : refuse(REFUSALS.notYourCase, `The case is held by ${participants.join(', ') || 'no unit'}, not by ${actor.unitId ?? 'you'}`))
        );
      case 'evaluate':
        return roles(['evaluator']);
      case 'comment':
        if (actor.role === 'handler') return actor.unitId !== undefined && v.holders.includes(actor.unitId) ? null : refuse(REFUSALS.notYourCase, 'Your unit has not held this case');
        return roles(['supervisor', 'dispatcher', 'handler']) ?? (inArea ? null : refuse(REFUSALS.notYourCase, 'The case is outside your area'));
      case 'reassign':
      case 'cancel':
        // Before routing the case has no area yet: no supervisor may act on it until it reaches a unit.
        if (v.unit === null) return roles(['supervisor']) ?? refuse(REFUSALS.notAllowedNow, 'The case is still being routed; act on it once it has reached a unit');
        return roles(['supervisor']) ?? (inArea ? null : refuse(REFUSALS.notYourCase, 'The case is outside your area'));
      case 'dispatch':
      case 'arbitrate':
      case 'decideExtension':
      case 'urge':
        return roles(['supervisor', 'dispatcher']) ?? (inArea ? null : refuse(REFUSALS.notYourCase, 'The case is outside your area'));
    }
  }

  private check(action: CaseAction, actor: Actor): Refusal | null {
    const v = this.state.vars;
    if (this.closed) return refuse(REFUSALS.caseClosed, `The case is closed (${this.state.outcome})`);
    const denied = this.permission(action, actor);
    if (denied) return denied;
    const text = (value: string | undefined, what: string): Refusal | null =>
      value === undefined || value.trim() === '' ? refuse(REFUSALS.invalidInput, `A ${what} is required`) : null;
    switch (action.type) {
      case 'signFor': {
        const task = this.tokenFor('signFor');
        if (!task) {
          return this.tokenFor('handle', 'jointHandle', 'evaluate')
            ? refuse(REFUSALS.alreadySigned, 'The case is already signed for')
            : refuse(REFUSALS.notAllowedNow, 'The case is not waiting to be signed for');
        }
        return this.actsForUnit(actor, v.unit?.id) ?? this.beforeDeadline(task.token);
      }
      case 'resolve': {
        if (this.tokenFor('signFor')) return refuse(REFUSALS.notSignedYet, 'Sign for the case before resolving it');
        const task = this.tokenFor('handle', 'jointHandle');
        if (!task) return refuse(REFUSALS.notAllowedNow, 'The case is not being handled');
        const denied = this.actsForUnit(actor, v.lead?.id ?? v.unit?.id) ?? text(action.reply, 'reply to the citizen');
        if (denied) return denied;
        if (task.node.task === 'jointHandle' && !task.token.reportIns.find((r) => r.unitId === v.lead?.id)?.at) {
          return refuse(REFUSALS.notReportedIn, 'The lead department must report in before resolving');
        }
        return null;
      }
      case 'return':
      case 'whistle': {
        const kind = action.type === 'return' ? 'returned' : 'whistle';
        const task = this.tokenFor('signFor', 'handle', 'jointHandle');
        if (!task || !this.boundary(task.node, kind)) return refuse(REFUSALS.notAllowedNow, `The case cannot be ${action.type === 'return' ? 'returned' : 'escalated by whistle'} at this step`);
        if (action.type === 'return' && v.arbitrated) return refuse(REFUSALS.rulingFinal, "The centre's arbitration ruling is final");
        return this.actsForUnit(actor, v.lead?.id ?? v.unit?.id) ?? text(action.reason, 'reason');
      }
      case 'requestExtension': {
        const task = this.tokenFor('handle', 'jointHandle');
        if (!task) return refuse(REFUSALS.notAllowedNow, 'Extensions are for cases being handled');
        const denied = this.actsForUnit(actor, v.lead?.id ?? v.unit?.id) ?? text(action.reason, 'reason') ?? this.beforeDeadline(task.token);
        if (denied) return denied;
        if (task.token.pendingExtension) return refuse(REFUSALS.extensionPending, 'An extension request is already waiting for a decision');
        if (task.token.extensions >= this.definition.settings.extension.max) {
          return refuse(REFUSALS.extensionLimitReached, `At most ${this.definition.settings.extension.max} extension(s) per step`);
        }
        if (action.extendBy !== undefined && task.token.limit !== null && !limitFits(action.extendBy, task.token.limit, this.definition.settings.extension.maxRatio)) {
          return refuse(REFUSALS.extensionTooLong, `An extension may be at most ${this.definition.settings.extension.maxRatio} × ${task.token.limit}`);
        }
        return null;
      }
      case 'decideExtension': {
        const task = this.tokenFor('handle', 'jointHandle');
        if (!task?.token.pendingExtension) return refuse(REFUSALS.noExtensionPending, 'No extension request is waiting');
        return this.supervises(actor, ['supervisor', 'dispatcher'], this.approver()?.id) ?? this.beforeDeadline(task.token);
      }
      case 'dispatch':
      case 'arbitrate': {
        const task = this.tokenFor(action.type === 'dispatch' ? 'dispatch' : 'arbitrate');
        if (!task) return refuse(REFUSALS.notAllowedNow, `The case is not waiting for ${action.type === 'dispatch' ? 'dispatch' : 'arbitration'}`);
        const scope = v.unit?.id;
        const denied = this.supervises(actor, ['dispatcher', 'supervisor'], scope);
        if (denied) return denied;
        const atTop = v.unit !== null && this.levelIndex(v.unit.level) === this.definition.levels.length - 1;
        const target = this.checkTarget(action.unit, scope!, atTop);
        if (target) return target;
        if (action.type === 'arbitrate') return text(action.ruling, 'ruling');
        for (const co of action.coUnits ?? []) {
          if (co.unit.kind !== 'department' || action.unit.unit.kind !== 'department') return refuse(REFUSALS.invalidTarget, 'Co-departments join a lead department');
          if (co.unit.id === action.unit.unit.id) return refuse(REFUSALS.invalidTarget, 'The lead cannot also be a co-department');
        }
        return null;
      }
      case 'reportIn': {
        const task = this.tokenFor('jointHandle');
        if (!task) return refuse(REFUSALS.notAllowedNow, 'No department is asked to report in');
        if (actor.role !== 'handler') return refuse(REFUSALS.notPermitted, 'Departments report in through their handlers');
        const report = task.token.reportIns.find((r) => r.unitId === actor.unitId);
        if (!report) return refuse(REFUSALS.notYourCase, `${actor.unitId ?? 'Your unit'} is not summoned to this case`);
        if (report.at !== null) return refuse(REFUSALS.alreadyReportedIn, 'Already reported in');
        return null;
      }
      case 'evaluate': {
        if (actor.role !== 'evaluator') return refuse(REFUSALS.notPermitted, 'Ratings come through the evaluation channel');
        if (!this.tokenFor('evaluate')) return refuse(REFUSALS.caseStillOpen, 'The case has not been resolved yet');
        return null;
      }
      case 'reassign': {
        const task = this.tokenFor('signFor', 'handle', 'jointHandle');
        if (!task) return refuse(REFUSALS.notAllowedNow, 'Only a case waiting at a unit can be reassigned');
        if (actor.role !== 'supervisor') return refuse(REFUSALS.notPermitted, 'Only a supervisor can reassign');
        const current = v.unit;
        if (!current || !actor.unitId || !(current.id === actor.unitId || v.ancestors.some((a) => a.id === actor.unitId))) {
          return refuse(REFUSALS.notYourCase, 'The case is outside your area');
        }
        const joint = task.node.task === 'jointHandle';
        if (joint ? action.unit.unit.kind !== 'department' : action.unit.unit.level !== current.level || action.unit.unit.kind === 'department') {
          return refuse(REFUSALS.invalidTarget, joint ? 'Joint handling is reassigned to another department' : `Reassign to another unit at level ${current.level}`);
        }
        if (!this.within(action.unit, actor.unitId)) return refuse(REFUSALS.invalidTarget, `${action.unit.unit.id} is outside your area`);
        if (action.unit.unit.id === (v.lead?.id ?? current.id)) return refuse(REFUSALS.invalidTarget, 'The case is already there');
        return text(action.reason, 'reason');
      }
      case 'cancel': {
        if (actor.role !== 'supervisor') return refuse(REFUSALS.notPermitted, 'Only a supervisor can cancel a duplicate');
        const current = v.unit;
        if (current && !(current.id === actor.unitId || v.ancestors.some((a) => a.id === actor.unitId))) {
          return refuse(REFUSALS.notYourCase, 'The case is outside your area');
        }
        if (action.originalCaseNo === this.state.caseNo) return refuse(REFUSALS.invalidInput, 'A case cannot duplicate itself');
        return text(action.originalCaseNo, 'original case number') ?? text(action.reason, 'reason');
      }
      case 'urge':
        if (!['supervisor', 'dispatcher'].includes(actor.role)) return refuse(REFUSALS.notPermitted, 'Only supervisors and dispatchers urge');
        return this.noteLimit('urges', this.limits.maxUrges);
      case 'comment':
        if (!['supervisor', 'dispatcher', 'handler'].includes(actor.role)) return refuse(REFUSALS.notPermitted, 'Not allowed to comment');
        return text(action.text, 'comment') ?? this.noteLimit('comments', this.limits.maxComments);
    }
  }

  /** Refused once the case holds as many notes of a kind as its process allows. */
  private noteLimit(kind: 'comments' | 'urges', max: number): Refusal | null {
    if (!this.state.limitNotes || this.state.notes[kind] < max) return null;
    return refuse(REFUSALS.limitReached, `This case already has ${max} ${kind}, the most its process allows; its timeline keeps them all`);
  }

  private perform(action: CaseAction, actor: Actor): void {
    const s = this.state;
    const v = s.vars;
    switch (action.type) {
      case 'signFor': {
        const { token, node } = this.tokenFor('signFor')!;
        this.record('signed', actor, this.here());
        this.leave(token);
        this.enter(node.next, null, null);
        return;
      }
      case 'resolve': {
        const { token, node } = this.tokenFor('handle', 'jointHandle')!;
        this.record('resolved', actor, { ...this.here(), detail: { reply: action.reply, onTime: token.deadline === null || this.now <= token.deadline } });
        this.leave(token);
        this.enter(node.next, null, null);
        return;
      }
      case 'return': {
        const { token, node } = this.tokenFor('signFor', 'handle', 'jointHandle')!;
        v.returns += 1;
        this.record('returned', actor, { reason: action.reason, fromUnitId: v.lead?.id ?? v.unit?.id, fromLevel: v.unit?.level, detail: { returns: v.returns } });
        this.leave(token);
        v.lead = null;
        v.co = [];
        this.enter(this.boundary(node, 'returned')!.target, 'returned', null);
        return;
      }
      case 'whistle': {
        const { token, node } = this.tokenFor('signFor', 'handle', 'jointHandle')!;
        this.record('whistled', actor, { reason: action.reason, fromUnitId: v.unit?.id, fromLevel: v.unit?.level });
        this.leave(token);
        this.enter(this.boundary(node, 'whistle')!.target, 'whistle', null);
        return;
      }
      case 'requestExtension': {
        const { token } = this.tokenFor('handle', 'jointHandle')!;
        token.pendingExtension = { reason: action.reason, extendBy: action.extendBy ?? token.limit!, requestedBy: actor, at: this.now };
        this.record('extension-requested', actor, { ...this.here(), reason: action.reason, detail: { extendBy: token.pendingExtension.extendBy, deadline: token.deadline } });
        const approver = this.approver();
        if (approver) this.notify('warning', [approver.id], `Case ${s.caseNo}: an extension is requested`);
        return;
      }
      case 'decideExtension': {
        const { token } = this.tokenFor('handle', 'jointHandle')!;
        const request = token.pendingExtension!;
        token.pendingExtension = null;
        if (!action.approve) {
          this.record('extension-denied', actor, { ...this.here(), ...(action.note ? { reason: action.note } : {}), detail: { deadline: token.deadline } });
          return;
        }
        token.extensions += 1;
        this.record('extension-approved', actor, { ...this.here(), ...(action.note ? { reason: action.note } : {}), detail: { extendBy: request.extendBy, previousDeadline: token.deadline } });
        token.awaiting = this.activity({ name: 'computeDeadlines', input: { from: token.deadline ?? this.now, limits: { extension: request.extendBy } } }, true);
        return;
      }
      case 'dispatch':
      case 'arbitrate': {
        const { token, node } = this.tokenFor(action.type)!;
        const target = action.unit;
        if (target.unit.kind === 'department') {
          v.lead = target.unit;
          v.co = (action.type === 'dispatch' ? action.coUnits ?? [] : []).map((c) => c.unit);
          this.hold(target.unit);
          v.co.forEach((u) => this.hold(u));
        } else {
          v.lead = null;
          v.co = [];
          this.assign(target.unit, target.ancestors);
        }
        if (action.type === 'arbitrate') v.arbitrated = true;
        const onTime = token.deadline === null || this.now <= token.deadline;
        this.record(action.type === 'dispatch' ? 'dispatched' : 'arbitrated', actor, {
          toUnitId: target.unit.id,
          toLevel: target.unit.level,
          ...(action.type === 'arbitrate'
            ? { reason: action.ruling, detail: { onTime, proposedListChange: { category: s.complaint.category, owner: target.unit.id } } }
            : { detail: { onTime, coDepartments: v.co.map((u) => u.id), ...(action.note ? { note: action.note } : {}) } }),
        });
        this.notify('dispatched', [target.unit.id, ...v.co.map((u) => u.id)], `Case ${s.caseNo} is assigned to you`);
        this.leave(token);
        this.enter(node.next, null, null);
        return;
      }
      case 'reportIn': {
        const { token } = this.tokenFor('jointHandle')!;
        const report = token.reportIns.find((r) => r.unitId === actor.unitId)!;
        report.at = this.now;
        // Already marked late when the report-in limit passed; otherwise late if after the limit.
        report.late ||= token.reportInDeadline !== null && this.now > token.reportInDeadline;
        this.record('reported-in', actor, { toUnitId: report.unitId, toLevel: v.unit?.level, detail: { late: report.late, lead: report.unitId === v.lead?.id } });
        return;
      }
      case 'evaluate': {
        const { token, node } = this.tokenFor('evaluate')!;
        v.rating = action.rating;
        this.record('evaluated', actor, { ...this.here(), detail: { rating: action.rating, ...(action.comment ? { comment: action.comment } : {}) } });
        this.leave(token);
        this.enter(node.next, null, null);
        return;
      }
      case 'reassign': {
        const { token, node } = this.tokenFor('signFor', 'handle', 'jointHandle')!;
        const from = v.lead?.id ?? v.unit?.id;
        if (node.task === 'jointHandle') {
          v.lead = action.unit.unit;
          v.co = v.co.filter((u) => u.id !== action.unit.unit.id);
          this.hold(action.unit.unit);
        } else {
          this.assign(action.unit.unit, action.unit.ancestors);
        }
        this.record('reassigned', actor, { reason: action.reason, fromUnitId: from, toUnitId: action.unit.unit.id, toLevel: action.unit.unit.level });
        this.leave(token);
        this.startTask(node, null);
        return;
      }
      case 'cancel':
        this.record('cancelled', actor, { reason: action.reason, detail: { originalCaseNo: action.originalCaseNo } });
        this.terminate('cancelled');
        return;
      case 'urge': {
        const main = this.mainTask();
        s.notes.urges += 1;
        this.record('urged', actor, { ...this.here(), ...(action.note ? { reason: action.note } : {}) });
        this.notify('urge', main ? this.unitsOf(main) : [], `Case ${s.caseNo}: a supervisor urges you to act`);
        return;
      }
      case 'comment':
        s.notes.comments += 1;
        this.record('commented', actor, { detail: { comment: action.text } });
        return;
    }
  }

  // ---------------------------------------------------------------- views

  private taskView(token: Token): TaskView {
    const node = this.userTask(token.node);
    return {
      node: node.id,
      name: node.name,
      task: node.task,
      level: node.level ?? null,
      unitId: this.state.vars.lead?.id ?? this.state.vars.unit?.id ?? null,
      since: token.enteredAt,
      deadline: token.deadline,
      signed: node.task !== 'signFor',
      warned: token.warned,
      overdue: token.overdue,
      extensions: token.extensions,
      pendingExtension: token.pendingExtension,
      reportIns: token.reportIns.map((r) => ({ ...r })),
      reportInDeadline: token.reportInDeadline,
    };
  }

  private allowedActions(): CaseView['allowedActions'] {
    if (this.closed) return {};
    const allowed: Partial<Record<Actor['role'], Set<ActionType>>> = {};
    const add = (role: Actor['role'], ...actions: ActionType[]): void => {
      const set = (allowed[role] ??= new Set());
      actions.forEach((a) => set.add(a));
    };
    for (const token of this.taskTokens()) {
      const node = this.userTask(token.node);
      const canReturn = this.boundary(node, 'returned') && !this.state.vars.arbitrated;
      const canWhistle = this.boundary(node, 'whistle');
      const extensible = !token.pendingExtension && token.extensions < this.definition.settings.extension.max;
      switch (node.task) {
        case 'signFor':
          add('handler', 'signFor');
          break;
        case 'handle':
          add('handler', 'resolve');
          if (extensible) add('handler', 'requestExtension');
          break;
        case 'jointHandle':
          if (token.reportIns.some((r) => r.at === null)) add('handler', 'reportIn');
          add('handler', 'resolve');
          if (extensible) add('handler', 'requestExtension');
          break;
        case 'dispatch':
          add('dispatcher', 'dispatch');
          add('supervisor', 'dispatch');
          break;
        case 'arbitrate':
          add('dispatcher', 'arbitrate');
          add('supervisor', 'arbitrate');
          break;
        case 'evaluate':
          add('evaluator', 'evaluate');
          break;
      }
      if (node.task === 'signFor' || node.task === 'handle' || node.task === 'jointHandle') {
        if (canReturn) add('handler', 'return');
        if (canWhistle) add('handler', 'whistle');
        add('supervisor', 'reassign');
      }
      if (token.pendingExtension) {
        add('supervisor', 'decideExtension');
        add('dispatcher', 'decideExtension');
      }
    }
    add('supervisor', 'cancel', 'urge', 'comment');
    add('dispatcher', 'urge', 'comment');
    add('handler', 'comment');
    return Object.fromEntries(Object.entries(allowed).map(([role, set]) => [role, [...set]]));
  }
}

const SYSTEM_ENGINE: Actor = { role: 'system', id: 'engine' };
const SYSTEM_TIMER: Actor = { role: 'system', id: 'timer' };
const SYSTEM_ROUTER: Actor = { role: 'system', id: 'router' };
