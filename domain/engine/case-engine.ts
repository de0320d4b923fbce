/**
 * The case engine: walks a compiled process definition for one complaint. It is a pure, synchronous
 * state machine — no clock, no I/O — so the complaint workflow can drive it deterministically and unit
 * tests can drive it directly. Inputs are actions, fired timers and activity answers, each with the
 * current time; outputs are effects (activities to run, timers to start or cancel) and a new state.
 *
 * This file is the engine's face; the parts are: `actions.ts` (the catalogue: who may do what, when, and
 * what it does), `walker.ts` (tokens over the definition), `view.ts` (what the outside sees),
 * `reader.ts` (questions about the state).
 */
import { emptyLedger } from '../outcomes.js';
import { intakeKind, type Actor, type CaseSnapshot } from '../case.js';
import { caseTypeRuleOf, type ProcessDefinition } from '../process/definition.js';
import type { Expression } from '../process/expression.js';
import { ACTIONS, type ActionSpec } from './actions.js';
import { isActor, mayApproach, refuse } from './actor-rules.js';
import { ordersOf } from './orders.js';
import { CaseReader } from './reader.js';
import { REFUSALS, VIEW_TIMELINE_ENTRIES, type ActivityCompletion, type CaseAction, type CaseView, type Effect, type EngineInit, type EngineState, type Refusal } from './types.js';
import { caseView, snapshot, startingView } from './view.js';
import { Step } from './walker.js';

export { EngineError } from './reader.js';

/** An action the engine refuses; validators turn it into a typed failure before anything enters history. */
export class RefusalError extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
    this.name = 'RefusalError';
  }
}

/**
 * Why `action` by `actor` is refused now, or null. In this order, so that a unit taking no part in the case
 * learns nothing about its state: closed; the actor's role; whether the actor's unit approaches the case at
 * all; whether the case's state allows the action; whether the actor is exactly the one it needs; the rest.
 */
export function refusalOf(read: CaseReader, action: CaseAction, actor: Actor, now: string): Refusal | null {
  if (read.closed) return refuse(REFUSALS.caseClosed, `The case is closed (${read.state.outcome})`);
  const spec = ACTIONS[action.type] as ActionSpec<CaseAction['type']>;
  const rule = spec.who[actor.role];
  if (!rule) {
    const roles = Object.keys(spec.who);
    return refuse(REFUSALS.notPermitted, `A ${actor.role} cannot ${action.type}; ${roles.join(' or ')} can`);
  }
  return mayApproach(rule, read, actor) ?? spec.when(read) ?? isActor(rule, read, actor) ?? spec.guard?.(read, action as never, actor, now) ?? null;
}

/**
 * Intake since case types: the case's type, origin and privacy (a confidential type keeps every reporter
 * confidential), the stated reception time its first limit counts from, and the hotline seat's answer, which
 * closes the case at intake where its type's rule says so (the model's `answered` branch).
 */
function intake(step: Step, init: EngineInit): void {
  const { complaint } = init;
  const kind = intakeKind(complaint);
  const rule = caseTypeRuleOf(init.definition, kind.type);
  const privacy = rule.confidential && kind.privacy === 'open' ? 'confidential' : kind.privacy;
  step.state.kind = { ...kind, privacy };
  const stated = complaint.receivedAt !== undefined;
  step.state.countFrom = stated ? init.receivedAt : null;
  const actor = { role: 'intake', id: complaint.source } as const;
  step.record('received', actor, {
    detail: { category: complaint.category, urgency: complaint.urgency, type: kind.type, origin: kind.origin, privacy, ...(stated ? { receivedAt: init.receivedAt, statedBy: complaint.source } : {}) },
  });
  if (complaint.answer !== undefined) {
    step.state.vars.answered = rule.closesAtIntake;
    step.record('answered-at-intake', actor, { detail: { answer: complaint.answer, closesCase: rule.closesAtIntake } });
    if (rule.closesAtIntake) step.state.resolvedAt = step.now;
  }
  step.enter(init.definition.start, null, null);
}

export class CaseEngine {
  private readonly conditions = new Map<string, Expression>();
  private readonly read: CaseReader;

  private constructor(
    readonly definition: ProcessDefinition,
    readonly state: EngineState,
  ) {
    this.read = new CaseReader(definition, state);
  }

  /** Starts a case: records intake and runs the model until it waits. */
  static start(init: EngineInit, now: string): { engine: CaseEngine; effects: Effect[] } {
    const engine = new CaseEngine(init.definition, {
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
        heldLevels: [],
        placedLevel: null,
      },
      tokens: [],
      joins: {},
      timeline: [],
      seq: 0,
      resolvedAt: null,
      summons: [],
      hub: init.hub ?? true,
      ledger: emptyLedger(),
      notes: { comments: 0, urges: 0 },
      limitNotes: init.limitNotes ?? true,
      outcome: null,
      closedAt: null,
      nextId: 1,
    });
    const effects = engine.step(now, (step) => {
      if (init.caseTypes ?? true) return intake(step, init);
      step.record('received', { role: 'intake', id: init.complaint.source }, { detail: { category: init.complaint.category, urgency: init.complaint.urgency } });
      step.enter(init.definition.start, null, null);
    });
    return { engine, effects };
  }

  /** What the `caseState` query answers before the process definition is loaded (the first moments of a case). */
  static startingView = startingView;

  /**
   * Rebuilds an engine around saved state (after continue-as-new); {@link armedTimers} says which timers to
   * start again. State saved by an earlier version gets the fields added since, with what they were then.
   */
  static resume(definition: ProcessDefinition, saved: EngineState): CaseEngine {
    const state: EngineState = {
      ...saved,
      resolvedAt: saved.resolvedAt ?? null,
      summons: saved.summons ?? [],
      hub: saved.hub ?? false,
      vars: { ...saved.vars, heldLevels: saved.vars.heldLevels ?? [], placedLevel: saved.vars.placedLevel ?? null },
    };
    return new CaseEngine(definition, state);
  }

  get closed(): boolean {
    return this.read.closed;
  }

  /** True while the engine waits for an activity's answer (routing, a deadline): its state is not settled. */
  busy(): boolean {
    return this.read.busy();
  }

  /** True while a task's or a summons's deadline is being computed (updates answer once it is known). */
  waitingForDeadline(): boolean {
    return this.read.taskTokens().some((t) => t.awaiting !== null) || this.state.summons.some((sm) => sm.awaiting !== null) || ordersOf(this.state).some((o) => o.awaiting !== null);
  }

  /** The timers the state holds, as effects: what a new run starts again after continue-as-new. */
  armedTimers(): Effect[] {
    return [...this.state.tokens, ...this.state.summons, ...ordersOf(this.state)].flatMap((t) => t.timers.map((timer): Effect => ({ type: 'timer', id: timer.id, at: timer.at })));
  }

  /**
   * Forgets timeline entries the read model has (`seq` up to `projected`), keeping the newest ones the view
   * shows: a case's state stays small however long its timeline grows.
   */
  trimTimeline(projected: number): void {
    const keepFrom = Math.min(projected, this.state.seq - VIEW_TIMELINE_ENTRIES);
    if (this.state.timeline.length > 0 && this.state.timeline[0]!.seq <= keepFrom) this.state.timeline = this.state.timeline.filter((e) => e.seq > keepFrom);
  }

  // ---------------------------------------------------------------- inputs

  /** Why `action` by `actor` is refused now, or null if it is allowed. Never changes state. */
  refusal(action: CaseAction, actor: Actor, now: string): Refusal | null {
    return refusalOf(this.read, action, actor, now);
  }

  /** Applies an allowed action; throws {@link RefusalError} if it is not allowed. */
  apply(action: CaseAction, actor: Actor, now: string): Effect[] {
    const refusal = this.refusal(action, actor, now);
    if (refusal) throw new RefusalError(refusal);
    const spec = ACTIONS[action.type] as ActionSpec<CaseAction['type']>;
    return this.step(now, (step) => spec.effect(step, action as never, actor), actor);
  }

  /** A timer the engine asked for has fired. Stale timers (their task has ended) are ignored. */
  timerFired(timerId: string, now: string): Effect[] {
    return this.step(now, (step) => step.timerFired(timerId));
  }

  /** An activity the engine asked for has answered. Answers for tokens that are gone are ignored. */
  activityCompleted(requestId: string, completion: ActivityCompletion, now: string): Effect[] {
    return this.step(now, (step) => step.activityCompleted(requestId, completion));
  }

  // ---------------------------------------------------------------- outputs

  /** The read-model row of the case. */
  snapshot(): CaseSnapshot {
    return snapshot(this.read);
  }

  /**
   * The live state for the `caseState` query and update answers, including what each role may do now: with
   * the newest timeline entries, or (`since`) only those after that sequence number.
   */
  view(options: { since?: number } = {}): CaseView {
    return caseView(this.read, options.since);
  }

  private step(now: string, body: (step: Step) => void, actor: Actor | null = null): Effect[] {
    const step = new Step(this.definition, this.state, now, this.conditions, actor);
    body(step);
    return step.effects;
  }
}
