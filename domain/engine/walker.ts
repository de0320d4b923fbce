/**
 * The token walker: moves a case's tokens over its process definition for one input (an action, a fired
 * timer, an activity's answer) at one instant, and collects the effects the workflow must carry out. A
 * `Step` lives for one input; the instant is fixed when it is made, so nothing in here reads a clock.
 */
import { addToLedger } from '../outcomes.js';
import type { Actor, TimelineEntry } from '../case.js';
import { parseLimit, warningPoint } from '../calendar.js';
import type { Expression } from '../process/expression.js';
import { parseExpression } from '../process/expression.js';
import type { Outcome, ProcessDefinition, UserTaskNode } from '../process/definition.js';
import type { UnitRef } from '../units.js';
import { CaseReader, EngineError, newToken } from './reader.js';
import { summonsDeadlineKnown, summonsTimerFired } from './summons.js';
import type { ActivityCall, ActivityCompletion, EngineState, Effect, NotificationInput, PlacedRoute, TimerRef, Token } from './types.js';

const MAX_STEPS = 1_000;

type Cause = Token['cause'];

export const SYSTEM_ENGINE: Actor = { role: 'system', id: 'engine' };
export const SYSTEM_TIMER: Actor = { role: 'system', id: 'timer' };
export const SYSTEM_ROUTER: Actor = { role: 'system', id: 'router' };

export class Step extends CaseReader {
  readonly effects: Effect[] = [];
  /** Nodes entered during this step; a model that never waits is a fault, not an endless loop. */
  private steps = 0;

  constructor(
    definition: ProcessDefinition,
    state: EngineState,
    readonly now: string,
    private readonly conditions: Map<string, Expression>,
    /** The person whose action this step carries out (none for timers and activity answers). */
    readonly actor: Actor | null = null,
  ) {
    super(definition, state);
  }

  // ---------------------------------------------------------------- recording

  record(action: string, actor: Actor, extra: Omit<TimelineEntry, 'seq' | 'at' | 'action' | 'actor'> = {}): void {
    const entry: TimelineEntry = { seq: ++this.state.seq, at: this.now, action, actor };
    for (const [key, value] of Object.entries(extra)) if (value !== undefined) (entry as unknown as Record<string, unknown>)[key] = value;
    this.state.timeline.push(entry);
    addToLedger(this.state.ledger, entry);
  }

  activity(call: ActivityCall, awaitResult: boolean): string {
    const id = `${call.name}:${this.state.nextId++}`;
    this.effects.push({ type: 'activity', id, call, awaitResult });
    return id;
  }

  notify(kind: NotificationInput['kind'], unitIds: string[], message: string): void {
    if (unitIds.length === 0) return;
    this.activity({ name: 'notify', input: { id: `${this.state.workflowId}:${this.state.nextId}`, kind, caseNo: this.state.caseNo, unitIds, message } }, false);
  }

  // ---------------------------------------------------------------- timers

  timer(owner: { timers: TimerRef[] }, purpose: string, at: string): void {
    const id = `timer:${this.state.nextId++}`;
    owner.timers.push({ id, purpose, at });
    this.effects.push({ type: 'timer', id, at });
  }

  cancelTimers(token: { timers: TimerRef[] }, keep: (purpose: string) => boolean = () => false): void {
    for (const timer of token.timers.filter((t) => !keep(t.purpose))) this.effects.push({ type: 'cancelTimer', id: timer.id });
    token.timers = token.timers.filter((t) => keep(t.purpose));
  }

  /** A timer the engine asked for has fired. Stale timers (their task has ended) are ignored. */
  timerFired(timerId: string): void {
    const summons = this.state.summons.find((sm) => sm.timers.some((timer) => timer.id === timerId));
    if (summons) return summonsTimerFired(this, summons, timerId);
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
  }

  /** An activity the engine asked for has answered. Answers for tokens that are gone are ignored. */
  activityCompleted(requestId: string, completion: ActivityCompletion): void {
    const summons = this.state.summons.find((sm) => sm.awaiting === requestId);
    if (summons && completion.name === 'computeDeadlines') return summonsDeadlineKnown(this, summons, completion.result.reportIn ?? null);
    const token = this.state.tokens.find((t) => t.awaiting === requestId);
    if (!token) return;
    token.awaiting = null;
    const node = this.node(token.node);
    if (completion.name === 'routeComplaint' && node.type === 'serviceTask') {
      const route = completion.result;
      if (route.kind === 'unroutable') return this.unroutable(token, route.reason);
      this.routed(route, node.level);
      this.leave(token);
      this.enter(node.next, token.cause, null);
    } else if (completion.name === 'computeDeadlines' && node.type === 'userTask') {
      const { deadline, reportIn, extension } = completion.result;
      if (extension !== undefined) token.deadline = extension;
      else if (deadline !== undefined) token.deadline = deadline;
      if (reportIn !== undefined) token.reportInDeadline = reportIn;
      this.armTimers(token, node, extension !== undefined);
    }
  }

  // ---------------------------------------------------------------- walking

  /** Moves a token onto `nodeId` and runs every node that does not wait. `origin` is the task a side branch started from. */
  enter(nodeId: string, cause: Cause, origin: number | null): void {
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

  /** Removes a token and its timers; the summons made while the case waited in it end with it. */
  leave(token: Token): void {
    this.cancelTimers(token);
    this.state.tokens = this.state.tokens.filter((t) => t.id !== token.id);
    for (const summons of this.state.summons) {
      if (!summons.open || summons.taskToken !== token.id) continue;
      summons.open = false;
      summons.awaiting = null;
      this.cancelTimers(summons);
    }
  }

  /** Closes the case and hands its outcome ledger to accountability. */
  terminate(outcome: Outcome): void {
    for (const token of [...this.state.tokens]) this.leave(token);
    this.state.outcome = outcome;
    this.state.closedAt = this.now;
    this.record('closed', SYSTEM_ENGINE, { ...this.here(), detail: { outcome } });
    // A cancelled duplicate counts for nobody.
    const rows = this.state.hub && outcome === 'cancelled' ? [] : this.state.ledger.rows.map((r) => ({ ...r }));
    this.activity({ name: 'recordOutcome', input: { caseNo: this.state.caseNo, closedAt: this.now, outcome, rows } }, false);
  }

  // ---------------------------------------------------------------- service tasks

  private runService(nodeId: string, action: string, next: string, cause: Cause, origin: number | null): void {
    const s = this.state;
    const originToken = origin === null ? undefined : s.tokens.find((t) => t.id === origin);
    switch (action) {
      case 'route': {
        const token = newToken(this.state.nextId++, this.now, nodeId, cause);
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
        const holder = this.answering();
        s.vars.overdueAtTop = true;
        this.record('overdue-at-top', SYSTEM_TIMER, { ...this.here(), detail: { strikeUnitId: holder?.id ?? null } });
        if (holder) {
          // Since the street hub an overdue case counts into the period's evaluation instead of striking at once.
          if (!s.hub) {
            this.activity({ name: 'deliverStrike', input: { id: `overdue-at-top:${s.workflowId}:${holder.id}`, unitId: holder.id, source: 'overdue-at-top', caseNo: s.caseNo, at: this.now } }, false);
          }
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

  /** Places a routed case: with its owner, at the model's `placeAt` level of its location, or at the centre's dispatcher. */
  private routed(route: PlacedRoute, placeAt?: string): void {
    const v = this.state.vars;
    v.route = route;
    if (placeAt !== undefined && route.location) {
      const { unit, ancestors } = this.chainAt([route.location.unit, ...route.location.ancestors], placeAt, route.location.unit.id);
      this.assign(unit, ancestors);
    } else if (route.kind === 'owner' && route.level === 'district' && route.department) {
      this.assign(route.centre, []);
      v.lead = route.department;
      v.co = this.state.hub ? route.coDepartments ?? [] : [];
      this.hold(route.department);
      v.co.forEach((u) => this.hold(u));
    } else if (route.kind === 'owner' && route.location && route.level) {
      const { unit, ancestors } = this.chainAt([route.location.unit, ...route.location.ancestors], route.level, route.location.unit.id);
      this.assign(unit, ancestors);
    } else {
      this.assign(route.centre, []);
    }
    v.placedLevel = v.unit?.level ?? null;
    this.record('routed', SYSTEM_ROUTER, {
      toUnitId: this.answering()?.id,
      toLevel: v.unit?.level,
      ...(route.kind === 'dispatch' ? { reason: route.reason ?? 'unknown-category' } : {}),
      detail: { listVersion: route.listVersion, kind: route.kind },
    });
  }

  // ---------------------------------------------------------------- user tasks

  assign(unit: UnitRef, ancestors: UnitRef[]): void {
    this.state.vars.unit = unit;
    this.state.vars.ancestors = ancestors;
    this.hold(unit);
  }

  hold(unit: UnitRef): void {
    const v = this.state.vars;
    if (!v.holders.includes(unit.id)) v.holders.push(unit.id);
    if (!v.heldLevels.includes(unit.level)) v.heldLevels.push(unit.level);
  }

  startTask(node: UserTaskNode, cause: Cause): void {
    const v = this.state.vars;
    if (node.level !== undefined && v.unit) {
      const from = v.unit;
      const delta = this.levelIndex(node.level) - this.levelIndex(from.level);
      if (delta < 0) throw new EngineError(`Task "${node.id}" (level ${node.level}) is below the case's level ${from.level}; only dispatch moves a case down`);
      if (delta > 0) {
        const heldBy = v.lead ?? from;
        const { unit, ancestors } = this.chainAt(v.ancestors, node.level, from.id);
        this.assign(unit, ancestors);
        v.lead = null;
        v.co = [];
        const escalated = cause !== 'returned' && cause !== 'dispute';
        if (escalated) v.escalations += 1;
        const action = escalated ? 'escalated' : cause === 'dispute' ? 'sent-to-arbitration' : 'sent-to-dispatcher';
        this.record(action, this.causedBy(cause), {
          reason: cause ?? 'process',
          fromUnitId: heldBy.id,
          toUnitId: v.unit!.id,
          fromLevel: from.level,
          toLevel: node.level,
        });
        this.notify('escalated', [v.unit!.id], `Case ${this.state.caseNo} has come to you (${cause ?? 'process'})`);
      }
    }
    const token = newToken(this.state.nextId++, this.now, node.id, cause);
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

  /** Who made the case move: a missed limit is the timer's doing; a whistle, a dispute or a rating the person's. */
  private causedBy(cause: Cause): Actor {
    if (cause === 'timeout') return SYSTEM_TIMER;
    if (this.state.hub && this.actor && (cause === 'whistle' || cause === 'dispute' || cause === 'unsatisfied')) return this.actor;
    return cause === 'returned' || cause === null || this.state.hub ? SYSTEM_ENGINE : SYSTEM_TIMER;
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
}
