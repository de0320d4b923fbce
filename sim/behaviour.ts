/**
 * How the people around a case behave, as data (`Behaviour` of a scenario): when a unit signs for a case,
 * how long its staff take to resolve one, how often it returns, disputes, whistles up, summons departments or
 * asks for more time; how fast dispatchers and the centre decide; how citizens rate. The agents look at a
 * case after every change and schedule what its people do next; the engine decides what that does (a
 * refused action — the case moved on meanwhile — is simply dropped).
 */
import type { Actor } from '../domain/case.js';
import { CaseReader } from '../domain/engine/reader.js';
import type { CaseAction, Token } from '../domain/engine/types.js';
import { whistleTiersOf } from '../domain/process/definition.js';
import type { Rating } from '../domain/ratings.js';
import type { UnitChain, UnitRef } from '../domain/units.js';
import type { SimCase } from './case-driver.js';
import type { EventQueue } from './event-queue.js';
import type { Random } from './random.js';
import type { SimReference } from './reference.js';
import type { Behaviour, Scenario, UnitBehaviour } from './scenario.js';

type Citizen = NonNullable<Scenario['citizen']>;
type Resolved = Required<Omit<UnitBehaviour, 'workHoursByCategory'>> & { workHoursByCategory: Record<string, number> };

const HOUR = 3_600_000;

/** What a unit does when the scenario says nothing. */
export const DEFAULT_UNIT_BEHAVIOUR: Resolved = {
  staff: 2,
  signHours: 0.5,
  workHours: 3,
  workHoursByCategory: {},
  returnChance: 0.02,
  disputeChance: 0,
  whistleChance: 0.01,
  summonChance: 0,
  extendChance: 0.3,
  cooperation: 4,
  partResolvedChance: 0.9,
};

export const DEFAULT_CITIZEN: Required<Citizen> = {
  answerChance: 0.85,
  answerHours: 20,
  ratings: { satisfied: 0.8, basicallySatisfied: 0.14, unsatisfied: 0.06 },
};

/** The staff of one unit: each person works through the cases given to them in turn, in office hours. */
class Desk {
  private readonly freeAt: number[];
  constructor(staff: number) {
    this.freeAt = new Array<number>(staff).fill(0);
  }

  /** When a case given now with `hours` of work is done: on the first person free, after what they already have. */
  take(now: number, hours: number, reference: SimReference): number {
    let best = 0;
    for (let i = 1; i < this.freeAt.length; i += 1) if (this.freeAt[i]! < this.freeAt[best]!) best = i;
    const done = reference.afterWorkingHours(Math.max(now, this.freeAt[best]!), hours);
    this.freeAt[best] = done;
    return done;
  }
}

const handler = (unitId: string): Actor => ({ role: 'handler', id: `sim-${unitId}`, unitId });
const dispatcher = (unitId: string): Actor => ({ role: 'dispatcher', id: `sim-${unitId}`, unitId });
const supervisor = (unitId: string): Actor => ({ role: 'supervisor', id: `sim-${unitId}`, unitId });
const citizenActor: Actor = { role: 'evaluator', id: 'sim-citizen' };

export interface AgentCounts {
  /** Actions the agents took. */
  actions: number;
  /** Actions the engine refused because the case had moved on (a deadline passed first). */
  refused: number;
}

export class Agents {
  private readonly desks = new Map<string, Desk>();
  private readonly planned = new WeakMap<SimCase, Set<string>>();
  private readonly units = new Map<string, Resolved>();
  readonly counts: AgentCounts = { actions: 0, refused: 0 };
  private readonly citizen: Required<Citizen>;

  constructor(
    private readonly reference: SimReference,
    private readonly behaviour: Behaviour,
    citizen: Citizen | undefined,
    private readonly clock: EventQueue,
    private readonly random: Random,
  ) {
    this.citizen = { ...DEFAULT_CITIZEN, ...citizen };
  }

  /** A unit's behaviour: its own, over its level's, over the scenario's default, over {@link DEFAULT_UNIT_BEHAVIOUR}. */
  unitBehaviour(unit: UnitRef): Resolved {
    let b = this.units.get(unit.id);
    if (!b) {
      const levels = (this.behaviour.levels ?? {}) as Record<string, UnitBehaviour | undefined>;
      const layers = [this.behaviour.default, levels[unit.kind === 'department' ? 'district' : unit.level], this.behaviour.units?.[unit.id]];
      b = { ...DEFAULT_UNIT_BEHAVIOUR };
      for (const layer of layers) if (layer) b = { ...b, ...layer, workHoursByCategory: { ...b.workHoursByCategory, ...layer.workHoursByCategory } };
      this.units.set(unit.id, b);
    }
    return b;
  }

  private desk(unit: UnitRef): Desk {
    let desk = this.desks.get(unit.id);
    if (!desk) this.desks.set(unit.id, (desk = new Desk(this.unitBehaviour(unit).staff)));
    return desk;
  }

  private later(hours: number): number {
    return this.reference.afterWorkingHours(this.clock.now, this.random.exponential(hours));
  }

  private act(c: SimCase, action: CaseAction, actor: Actor): boolean {
    if (c.engine.closed) return false;
    const refused = c.act(action, actor, this.clock.now);
    if (refused) this.counts.refused += 1;
    else this.counts.actions += 1;
    return refused === null;
  }

  /** Schedules `run` once per `key` of the case, if the token it is for still waits then. */
  private once(c: SimCase, key: string, at: number, token: Token | null, run: () => void): void {
    let planned = this.planned.get(c);
    if (!planned) this.planned.set(c, (planned = new Set()));
    if (planned.has(key)) return;
    planned.add(key);
    c.schedule(at, () => {
      if (c.engine.closed) return;
      if (token && !c.engine.state.tokens.some((t) => t.id === token.id && t.node === token.node)) return;
      run();
    });
  }

  /** Looks at a case after a change and plans what its people do next. */
  plan(c: SimCase): void {
    if (c.engine.closed || c.engine.busy()) return;
    const read = new CaseReader(c.engine.definition, c.engine.state);
    const vars = c.engine.state.vars;
    for (const token of read.taskTokens()) {
      const node = read.userTask(token.node);
      const key = `${token.id}:${token.node}`;
      const unit = vars.unit;
      switch (node.task) {
        case 'signFor':
          if (unit) this.once(c, key, this.later(this.unitBehaviour(unit).signHours), token, () => this.signFor(c, unit));
          break;
        case 'handle':
          if (unit) this.once(c, key, this.clock.now, token, () => this.handle(c, unit, token));
          break;
        case 'dispatch':
          if (unit) this.once(c, key, this.later(this.behaviour.dispatchHours ?? 0.5), token, () => this.dispatch(c, unit, 'dispatch'));
          break;
        case 'arbitrate':
          if (unit) this.once(c, key, this.later(this.behaviour.arbitrateHours ?? 4), token, () => this.dispatch(c, unit, 'arbitrate'));
          break;
        case 'jointHandle':
          for (const r of token.reportIns) {
            const dept = this.reference.units.get(r.unitId);
            if (dept) this.once(c, `${key}:report:${r.unitId}`, this.later(this.unitBehaviour(dept).signHours), token, () => this.act(c, { type: 'reportIn' }, handler(dept.id)));
          }
          if (vars.lead) {
            const lead = vars.lead;
            this.once(c, key, this.clock.now, token, () => this.handle(c, lead, token));
          }
          break;
        case 'evaluate':
          this.once(c, key, this.clock.now, token, () => this.evaluate(c, token));
          break;
      }
      if (token.pendingExtension) {
        const approver = read.approver();
        if (approver) this.once(c, `${key}:ext:${token.extensions}`, this.later(this.behaviour.dispatchHours ?? 0.5), token, () => this.act(c, { type: 'decideExtension', approve: this.random.chance(this.behaviour.approveChance ?? 0.9) }, supervisor(approver.id)));
      }
    }
    for (const summons of c.engine.state.summons) {
      if (!summons.open) continue;
      for (const d of summons.departments) {
        const dept = this.reference.units.get(d.unitId);
        if (!dept) continue;
        const b = this.unitBehaviour(dept);
        if (d.reportedAt === null) this.once(c, `summons:${summons.n}:${d.unitId}:in`, this.later(b.signHours), null, () => this.act(c, { type: 'reportIn' }, handler(dept.id)));
        else if (d.doneAt === null) this.once(c, `summons:${summons.n}:${d.unitId}:part`, this.desk(dept).take(this.clock.now, this.workHours(dept, c), this.reference), null, () => this.act(c, { type: 'reportPart', text: 'Part done' }, handler(dept.id)));
      }
    }
  }

  private workHours(unit: UnitRef, c: SimCase): number {
    const b = this.unitBehaviour(unit);
    return this.random.exponential(b.workHoursByCategory[c.engine.state.complaint.category] ?? b.workHours);
  }

  private signFor(c: SimCase, unit: UnitRef): void {
    const b = this.unitBehaviour(unit);
    const actor = handler(unit.id);
    if (this.random.chance(b.disputeChance) && this.act(c, { type: 'dispute', reason: 'Not our matter' }, actor)) return;
    if (this.random.chance(b.returnChance) && this.act(c, { type: 'return', reason: 'Not our matter' }, actor)) return;
    this.act(c, { type: 'signFor' }, actor);
  }

  /** Handling: maybe summon departments, maybe whistle up; the work queues on the unit's staff; maybe ask for more time. */
  private handle(c: SimCase, unit: UnitRef, token: Token): void {
    const b = this.unitBehaviour(unit);
    const actor = handler(unit.id);
    if (this.random.chance(b.whistleChance)) {
      this.once(c, `${token.id}:whistle`, this.later(1), token, () => this.act(c, { type: 'whistle', reason: 'Beyond our powers' }, actor));
      return;
    }
    if (unit.kind !== 'department' && this.random.chance(b.summonChance)) this.summon(c, unit, actor);
    const done = this.desk(unit).take(this.clock.now, this.workHours(unit, c), this.reference);
    if (token.deadline !== null && done > Date.parse(token.deadline) && this.random.chance(b.extendChance)) {
      this.act(c, { type: 'requestExtension', reason: 'More time needed' }, actor);
    }
    this.once(c, `${token.id}:resolve`, done, token, () => this.resolve(c, unit, token, actor));
  }

  private summon(c: SimCase, unit: UnitRef, actor: Actor): void {
    const tierId = this.behaviour.summonTier?.[unit.level];
    const tier = whistleTiersOf(c.engine.definition).find((t) => (tierId === undefined || t.id === tierId) && t.levels.includes(unit.level));
    if (!tier) return;
    const category = c.engine.state.complaint.category;
    const owner = this.reference.list.get(category)?.departmentId;
    const named = this.behaviour.summonDepartments?.[category] ?? (owner ? [owner] : this.behaviour.fallbackDepartment ? [this.behaviour.fallbackDepartment] : []);
    const departments = named.flatMap((id) => this.reference.chain(id) ?? []).slice(0, Math.max(named.length, tier.minDepartments));
    if (departments.length < tier.minDepartments) return;
    this.act(c, { type: 'summon', departments, tier: tier.id, note: 'Summoned by the simulation' }, actor);
  }

  private resolve(c: SimCase, unit: UnitRef, token: Token, actor: Actor): void {
    // The unit resolves once every department it summoned has done its part (a lead department, once it has reported in).
    const state = c.engine.state;
    const waiting = state.summons.some((s) => s.open && s.departments.some((d) => d.doneAt === null)) || token.reportIns.some((r) => r.unitId === unit.id && r.at === null);
    if (waiting) {
      c.schedule(this.later(1), () => {
        const current = c.engine.state.tokens.find((t) => t.id === token.id);
        if (!c.engine.closed && current) this.resolve(c, unit, current, actor);
      });
      return;
    }
    if (!this.act(c, { type: 'resolve', reply: 'Resolved' }, actor)) return;
    for (const s of c.engine.state.summons) {
      if (s.by !== unit.id) continue;
      for (const d of s.departments) {
        if (d.rated) continue;
        const b = this.unitBehaviour(this.reference.units.get(d.unitId) ?? unit);
        const cooperation = Math.min(5, Math.max(1, Math.round(b.cooperation + this.random.normal() * 0.7)));
        this.act(c, { type: 'rateDepartment', unitId: d.unitId, cooperation, partResolved: this.random.chance(b.partResolvedChance) }, actor);
      }
    }
  }

  /** A dispatcher (or the centre's arbitration) sends the case to its owner on the list; a street keeps what its communities returned. */
  private dispatch(c: SimCase, decider: UnitRef, kind: 'dispatch' | 'arbitrate'): void {
    const target = this.targetFor(c, decider);
    if (!target) return;
    const actor = dispatcher(decider.id);
    if (kind === 'dispatch') this.act(c, { type: 'dispatch', unit: target }, actor);
    else this.act(c, { type: 'arbitrate', unit: target, ruling: 'Ruled by the simulation' }, actor);
  }

  private targetFor(c: SimCase, decider: UnitRef): UnitChain | null {
    const { category, location } = c.engine.state.complaint;
    const entry = this.reference.list.get(category);
    const chain = this.reference.chain(location.unitId);
    if (!chain) return null;
    const levels = [chain.unit, ...chain.ancestors];
    if (decider.level === 'street') {
      // Street-first sorting passes community matters down and keeps the rest; a street dispatcher keeps what came back.
      const returned = c.engine.state.vars.returns > 0;
      const community = levels.find((u) => u.level === 'community' && u.kind !== 'department');
      const street = levels.find((u) => u.level === 'street' && u.kind !== 'department');
      const to = !returned && entry?.level === 'community' ? community : street;
      return to ? this.reference.chain(to.id) : null;
    }
    // The centre gives department matters, unknown ones and cases that came up by escalation to a department.
    const department = entry?.departmentId ?? this.behaviour.fallbackDepartment;
    if (department && (entry?.level === 'district' || !entry || c.engine.state.vars.escalations > 0)) return this.reference.chain(department);
    const owner = levels.find((u) => u.level === entry?.level && u.kind !== 'department') ?? levels.find((u) => u.level === 'street');
    return owner ? this.reference.chain(owner.id) : null;
  }

  private evaluate(c: SimCase, token: Token): void {
    if (!this.random.chance(this.citizen.answerChance)) return;
    const { satisfied, basicallySatisfied, unsatisfied } = this.citizen.ratings;
    const rating = this.random.pick<Rating>([
      ['satisfied', satisfied],
      ['basically-satisfied', basicallySatisfied],
      ['unsatisfied', unsatisfied],
    ]);
    const at = this.clock.now + this.random.exponential(this.citizen.answerHours) * HOUR;
    this.once(c, `${token.id}:rating`, at, token, () => this.act(c, { type: 'evaluate', rating }, citizenActor));
  }
}
