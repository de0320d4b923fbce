/**
 * Read-only questions about a case's state against its process definition: which tasks are open, who holds
 * the case, who approves, what its status is. Shared by the walker (which changes state), the action
 * catalogue (which decides what may happen) and the views (which show it).
 */
import type { Actor, TimelineEntry } from '../case.js';
import { caseLimitsOf, type Boundary, type CaseLimits, type ProcessDefinition, type ProcessNode, type UserTaskNode } from '../process/definition.js';
import { unitAtLevel, type UnitChain, type UnitRef } from '../units.js';
import type { EngineState, SummonedDepartment, Summons, Token } from './types.js';

/** A fault in the process model or its data (not a user mistake): the workflow task fails and operators see it. */
export class EngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineError';
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

/** An open user task: its token and its node in the model. */
export interface OpenTask {
  token: Token;
  node: UserTaskNode;
}

export class CaseReader {
  constructor(
    readonly definition: ProcessDefinition,
    readonly state: EngineState,
  ) {}

  get closed(): boolean {
    return this.state.outcome !== null;
  }

  get limits(): CaseLimits {
    return caseLimitsOf(this.definition);
  }

  node(id: string): ProcessNode {
    const node = this.definition.nodes[id];
    if (!node) throw new EngineError(`Process ${this.definition.key} v${this.definition.version} has no node "${id}"`);
    return node;
  }

  userTask(id: string): UserTaskNode {
    const node = this.node(id);
    if (node.type !== 'userTask') throw new EngineError(`Node "${id}" is not a user task`);
    return node;
  }

  levelIndex(level: string): number {
    const index = this.definition.levels.indexOf(level);
    if (index < 0) throw new EngineError(`Level "${level}" is not one of ${this.definition.levels.join(', ')}`);
    return index;
  }

  boundary(node: UserTaskNode, kind: Boundary['kind']): Boundary | undefined {
    return node.boundaries.find((b) => b.kind === kind);
  }

  /** Tokens resting on user tasks, in the order they started. */
  taskTokens(): Token[] {
    return this.state.tokens.filter((t) => this.node(t.node).type === 'userTask');
  }

  mainTask(): Token | undefined {
    return this.taskTokens()[0];
  }

  /** The first open task of one of these kinds. */
  task(...kinds: UserTaskNode['task'][]): OpenTask | undefined {
    for (const token of this.taskTokens()) {
      const node = this.userTask(token.node);
      if (kinds.includes(node.task)) return { token, node };
    }
    return undefined;
  }

  /** A service task that cannot go on (routing found no district centre). */
  blockedToken(): Token | undefined {
    return this.state.tokens.find((t) => t.blocked);
  }

  /** True while the engine waits for an activity's answer (routing, a deadline): its state is not settled. */
  busy(): boolean {
    return this.state.tokens.some((t) => t.awaiting !== null) || this.state.summons.some((s) => s.awaiting !== null);
  }

  /** Units that act on a task: the lead and co-departments in joint handling, else the holding unit. */
  unitsOf(token: Token): string[] {
    if (token.reportIns.length > 0) return token.reportIns.map((r) => r.unitId);
    const unit = this.state.vars.unit;
    return unit ? [unit.id] : [];
  }

  /** The unit that answers for the case: the lead department at the centre, else the holding unit. */
  answering(): UnitRef | null {
    return this.state.vars.lead ?? this.state.vars.unit;
  }

  /** Units taking part in the case now: the holder, the lead and the co-departments. */
  participants(): string[] {
    const v = this.state.vars;
    return [v.unit?.id, v.lead?.id, ...v.co.map((u) => u.id)].filter((id): id is string => id !== undefined);
  }

  /** Departments summoned to the case by the unit holding it, in any summons. */
  summonedUnits(): string[] {
    return [...new Set(this.state.summons.flatMap((s) => s.departments.map((d) => d.unitId)))];
  }

  /** The newest open summons that calls `unitId`, with its entry for that department. */
  openSummonsOf(unitId: string | undefined): { summons: Summons; department: SummonedDepartment } | undefined {
    for (const summons of [...this.state.summons].reverse()) {
      const department = summons.open ? summons.departments.find((d) => d.unitId === unitId) : undefined;
      if (department) return { summons, department };
    }
    return undefined;
  }

  /** The summons that called `unitId` most recently, open or not. */
  latestSummonsOf(unitId: string): { summons: Summons; department: SummonedDepartment } | undefined {
    for (const summons of [...this.state.summons].reverse()) {
      const department = summons.departments.find((d) => d.unitId === unitId);
      if (department) return { summons, department };
    }
    return undefined;
  }

  /** True if the actor's unit takes part in the case or lies above it. */
  inArea(actor: Actor): boolean {
    return actor.unitId !== undefined && (this.participants().includes(actor.unitId) || this.state.vars.ancestors.some((a) => a.id === actor.unitId));
  }

  /** The unit that approves extensions for the current holder: the level above (the centre for departments). */
  approver(): UnitRef | undefined {
    const v = this.state.vars;
    return v.lead ? v.unit ?? undefined : v.ancestors[0];
  }

  /** True if `unit` is `scopeId` or lies below it. */
  within(unit: UnitChain, scopeId: string): boolean {
    return unit.unit.id === scopeId || unit.ancestors.some((a) => a.id === scopeId);
  }

  /** The held unit's chain cut at `level`: that unit and its ancestors. */
  chainAt(chain: UnitRef[], level: string, from: string): { unit: UnitRef; ancestors: UnitRef[] } {
    const index = unitAtLevel(chain, level);
    if (index < 0) throw new EngineError(`Unit ${from} has no unit at level ${level} above it`);
    return { unit: chain[index]!, ancestors: chain.slice(index + 1) };
  }

  status(): string {
    if (this.state.outcome) return this.state.outcome;
    const main = this.mainTask();
    if (!main) return this.blockedToken() ? 'unroutable' : 'routing';
    const node = this.userTask(main.node);
    if (node.task === 'handle' && main.reopening) return 'reopened';
    return STATUS_BY_TASK[node.task];
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

  /** Where the case is, for a timeline entry. */
  here(): Pick<TimelineEntry, 'toUnitId' | 'toLevel'> {
    const v = this.state.vars;
    const unitId = this.answering()?.id;
    return { ...(unitId ? { toUnitId: unitId } : {}), ...(v.unit ? { toLevel: v.unit.level } : {}) };
  }
}

/** A token entering `node` at `now`. */
export function newToken(id: number, now: string, node: string, cause: Token['cause']): Token {
  return {
    id,
    node,
    enteredAt: now,
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
