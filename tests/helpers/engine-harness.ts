import { computeDeadline, parseLimit, type CalendarData } from '../../domain/calendar.js';
import type { Actor, Complaint } from '../../domain/case.js';
import { CaseEngine } from '../../domain/engine/case-engine.js';
import type { ActivityCompletion, CaseAction, Effect, RouteResult } from '../../domain/engine/types.js';
import type { ProcessDefinition } from '../../domain/process/definition.js';
import type { UnitChain, UnitRef } from '../../domain/units.js';
import { both, type ProcessLimits } from './limits.js';

/** Wall-clock limits for engine tests, so the arithmetic in them is easy to follow. */
export const ENGINE_LIMITS: ProcessLimits = {
  signFor: { community: both('PT10M'), street: both('PT10M'), district: both('PT10M') },
  resolve: { community: both('PT60M'), street: both('PT60M'), district: both('PT120M') },
  reopen: both('PT30M'),
  reportIn: both('PT20M'),
  arbitrate: both('PT60M'),
  evaluate: both('PT180M'),
  warningRatio: 0.75,
};

export const centre: UnitRef = { id: 'centre', name: 'Centre', level: 'district', kind: 'centre' };
export const street: UnitRef = { id: 'street-heping', name: 'Heping Street', level: 'street', kind: 'street' };
export const community: UnitRef = { id: 'comm-heping-north', name: 'Heping North', level: 'community', kind: 'community' };
export const otherCommunity: UnitRef = { id: 'comm-heping-south', name: 'Heping South', level: 'community', kind: 'community' };
export const market: UnitRef = { id: 'dept-market', name: 'Market', level: 'district', kind: 'department' };
export const urban: UnitRef = { id: 'dept-urban', name: 'Urban', level: 'district', kind: 'department' };
export const env: UnitRef = { id: 'dept-env', name: 'Environment', level: 'district', kind: 'department' };

export const chain = (unit: UnitRef): UnitChain => {
  if (unit.kind === 'community') return { unit, ancestors: [street, centre] };
  if (unit.kind === 'street' || unit.kind === 'department') return { unit, ancestors: [centre] };
  return { unit, ancestors: [] };
};

export const handler = (unit: UnitRef): Actor => ({ role: 'handler', id: `h-${unit.id}`, unitId: unit.id });
export const dispatcher = (unit: UnitRef): Actor => ({ role: 'dispatcher', id: `d-${unit.id}`, unitId: unit.id });
export const supervisor = (unit: UnitRef): Actor => ({ role: 'supervisor', id: `s-${unit.id}`, unitId: unit.id });
export const evaluator: Actor = { role: 'evaluator', id: 'callback' };

export const complaint = (overrides: Partial<Complaint> = {}): Complaint => ({
  source: 'hotline',
  ticketId: 'T1',
  title: 'Drilling at night',
  description: 'Upstairs drills after midnight',
  category: 'neighbour-dispute',
  urgency: 'normal',
  location: { unitId: community.id },
  citizen: { name: 'Wang Fang', phone: '13800000000' },
  ...overrides,
});

export function ownerRoute(level: string, department: UnitRef | null = null): RouteResult {
  return { kind: 'owner', level, department, departmentId: department?.id ?? null, listVersion: 1, location: chain(community), centre };
}

/**
 * Drives a case engine the way the workflow does — activities answered with real computations
 * (the working-day calendar), timers fired in order as a simulated clock advances — without Temporal.
 */
export class EngineHarness {
  engine!: CaseEngine;
  now: number;
  private readonly timers = new Map<string, number>();
  private readonly pending: Array<Extract<Effect, { type: 'activity' }>> = [];
  readonly activities: Array<Extract<Effect, { type: 'activity' }>> = [];

  constructor(
    private readonly definition: ProcessDefinition,
    private readonly calendar: CalendarData,
    private readonly route: RouteResult,
    start: string,
  ) {
    this.now = Date.parse(start);
  }

  private iso(): string {
    return new Date(this.now).toISOString();
  }

  /** Starts the case; `hub: false` runs it as cases started before the street hub did. */
  start(overrides: Partial<Complaint> = {}, { hub = true, caseTypes = true }: { hub?: boolean; caseTypes?: boolean } = {}): this {
    const { engine, effects } = CaseEngine.start(
      { definition: this.definition, caseNo: 'hotline-T1', workflowId: 'complaint-hotline-T1', complaint: complaint(overrides), receivedAt: this.iso(), hub, caseTypes },
      this.iso(),
    );
    this.engine = engine;
    this.run(effects);
    return this;
  }

  private run(effects: Effect[]): void {
    for (const effect of effects) {
      if (effect.type === 'timer') this.timers.set(effect.id, Date.parse(effect.at));
      else if (effect.type === 'cancelTimer') this.timers.delete(effect.id);
      else {
        this.activities.push(effect);
        if (effect.awaitResult) this.pending.push(effect);
      }
    }
    while (this.pending.length > 0) {
      const effect = this.pending.shift()!;
      this.run(this.engine.activityCompleted(effect.id, this.answer(effect), this.iso()));
    }
  }

  private answer(effect: Extract<Effect, { type: 'activity' }>): ActivityCompletion {
    const { call } = effect;
    switch (call.name) {
      case 'routeComplaint':
        return { name: call.name, result: this.route };
      case 'computeDeadlines':
        return {
          name: call.name,
          result: Object.fromEntries(
            Object.entries(call.input.limits).map(([k, text]) => [k, computeDeadline(new Date(call.input.from), parseLimit(text), this.calendar).deadline.toISOString()]),
          ),
        };
      default:
        return { name: call.name, result: undefined };
    }
  }

  act(action: CaseAction, actor: Actor): this {
    this.run(this.engine.apply(action, actor, this.iso()));
    return this;
  }

  refusal(action: CaseAction, actor: Actor): string | null {
    return this.engine.refusal(action, actor, this.iso())?.type ?? null;
  }

  /** Moves the clock, firing every timer that falls due, in time order. */
  advance(ms: number): this {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, at]) => at <= until).sort((a, b) => a[1] - b[1])[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = Math.max(this.now, due[1]);
      this.run(this.engine.timerFired(due[0], this.iso()));
    }
    this.now = until;
    return this;
  }

  get status(): string {
    return this.engine.snapshot().status;
  }

  get actions(): string[] {
    return this.engine.state.timeline.map((e) => e.action);
  }

  activityNames(name: string): number {
    return this.activities.filter((a) => a.call.name === name).length;
  }
}
