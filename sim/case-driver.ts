/**
 * One simulated case: the same case engine the complaint workflow runs, driven on the simulator's clock.
 * What the workflow does with the engine's effects, this does at virtual time: timers become events on
 * the queue (cancelled ones are dropped when they come up), routing and deadlines are answered at once from
 * the reference data, outcomes go to the simulation's ledger, notifications and strikes are counted.
 */
import type { Actor } from '../domain/case.js';
import { CaseEngine } from '../domain/engine/case-engine.js';
import type { ActivityCall, ActivityCompletion, CaseAction, Effect, EngineInit, OutcomeInput, Refusal } from '../domain/engine/types.js';
import type { EventQueue, Scheduled } from './event-queue.js';
import type { SimReference } from './reference.js';

/** What a simulated case needs from the simulation around it. */
export interface CaseHooks {
  /** The virtual clock (the simulation's event queue). */
  clock: Pick<EventQueue, 'now' | 'schedule' | 'cancel'>;
  /** After every input the engine took (start, action, timer): the simulation looks at the new state. */
  changed(c: SimCase, now: number): void;
  /** The case closed: its outcome ledger rows, as `recordOutcome` writes them. */
  outcome(c: SimCase, input: OutcomeInput): void;
  /**
   * Replaying a recorded case (the conformance test): when an activity's answer reaches the engine (default: at
   * once) and when the timer `id` due at `due` fires (default: then; Infinity: never) — the instants the real
   * workflow saw.
   */
  replay?: { answerAt(call: ActivityCall, now: number): number; timerAt(timer: { id: string; due: number }, c: SimCase): number };
}

const iso = (ms: number): string => new Date(ms).toISOString();

export class SimCase {
  /** The timers the engine armed and has not cancelled, with their events (null: a replay that never fires it). */
  private readonly armed = new Map<string, Scheduled | null>();
  /** The case's own events — its timers and what its people will do — all cancelled when it closes, so nothing waiting on the clock keeps a closed case alive. */
  private events: Scheduled[] = [];
  private pruneAt = 16;
  /** Notifications the case sent (warnings, escalations, summons…). */
  notifications = 0;

  private constructor(
    readonly engine: CaseEngine,
    private readonly reference: SimReference,
    private readonly hooks: CaseHooks,
  ) {}

  /** Starts a case at `now` on the reference data's process definition. */
  static start(reference: SimReference, init: Omit<EngineInit, 'definition'>, now: number, hooks: CaseHooks): SimCase {
    const { engine, effects } = CaseEngine.start({ ...init, definition: reference.definition }, iso(now));
    const c = new SimCase(engine, reference, hooks);
    c.carryOut(effects, now);
    return c;
  }

  get caseNo(): string {
    return this.engine.state.caseNo;
  }

  /** Takes an action if the engine allows it now; answers the refusal otherwise (nothing changes). */
  act(action: CaseAction, actor: Actor, now: number): Refusal | null {
    const refusal = this.engine.refusal(action, actor, iso(now));
    if (refusal) return refusal;
    this.carryOut(this.engine.apply(action, actor, iso(now)), now);
    return null;
  }

  /** Runs `run` at `at` on the clock unless the case has closed by then (nothing is scheduled for a closed case). */
  schedule(at: number, run: () => void): void {
    if (this.engine.closed) return;
    this.keep(this.hooks.clock.schedule(at, run));
  }

  private keep(event: Scheduled): void {
    this.events.push(event);
    if (this.events.length >= this.pruneAt) {
      this.events = this.events.filter((e) => e.run !== null);
      this.pruneAt = Math.max(16, 2 * this.events.length);
    }
  }

  private carryOut(first: Effect[], now: number): void {
    const queue = [...first];
    while (queue.length > 0) {
      const effect = queue.shift()!;
      if (effect.type === 'timer') {
        const due = Date.parse(effect.at);
        const at = this.hooks.replay?.timerAt({ id: effect.id, due }, this) ?? due;
        const event = at === Infinity ? null : this.hooks.clock.schedule(at, () => this.fire(effect.id));
        if (event) this.keep(event);
        this.armed.set(effect.id, event);
      } else if (effect.type === 'cancelTimer') {
        const event = this.armed.get(effect.id);
        this.armed.delete(effect.id);
        if (event) this.hooks.clock.cancel(event);
      } else {
        const result = this.answer(effect.call);
        const at = this.hooks.replay?.answerAt(effect.call, now) ?? now;
        if (!effect.awaitResult || !result) continue;
        if (at > now) this.hooks.clock.schedule(at, () => this.carryOut(this.engine.activityCompleted(effect.id, result, iso(at)), at));
        else queue.push(...this.engine.activityCompleted(effect.id, result, iso(now)));
      }
    }
    this.hooks.changed(this, now);
    if (this.engine.closed && this.events.length > 0) {
      for (const event of this.events) this.hooks.clock.cancel(event);
      this.events = [];
      this.armed.clear();
    }
  }

  private fire(timerId: string): void {
    if (!this.armed.delete(timerId) || this.engine.closed) return;
    const at = this.hooks.clock.now;
    this.carryOut(this.engine.timerFired(timerId, iso(at)), at);
  }

  /** Answers an activity the engine asked for, as the worker's activity would. */
  private answer(call: ActivityCall): ActivityCompletion | null {
    switch (call.name) {
      case 'routeComplaint':
        return { name: call.name, result: this.reference.route(call.input.category, call.input.locationUnitId) };
      case 'computeDeadlines':
        return { name: call.name, result: this.reference.deadlines(call.input.from, call.input.limits) };
      case 'recordOutcome':
        this.hooks.outcome(this, call.input);
        return { name: call.name, result: undefined };
      case 'notify':
        this.notifications += 1;
        return { name: call.name, result: undefined };
      case 'deliverStrike':
        return { name: call.name, result: undefined };
    }
  }
}
