/**
 * Staged completion's clock and the citizen's news: a staged case comes back to its unit on its follow-up
 * date, and the citizen is told at each stage (a `citizen-informed` entry the hotline calls back from).
 */
import type { Actor, Origin, Privacy } from '../case.js';
import type { UserTaskNode } from '../process/definition.js';
import type { SummonsStep } from './summons.js';
import type { Token } from './types.js';

/** What stages need of the step they happen in (the walker's `Step`). */
export interface StageStep extends SummonsStep {
  kind(): { origin: Origin; privacy: Privacy };
  here(): { toUnitId?: string; toLevel?: string };
  userTask(id: string): UserTaskNode;
  unitsOf(token: Token): string[];
  leave(token: Token): void;
  startTask(node: UserTaskNode, cause: null): void;
}

const TIMER: Actor = { role: 'system', id: 'timer' };
const ENGINE: Actor = { role: 'system', id: 'engine' };

/** Tells the citizen how the case stands (recorded; the hotline calls back), when there is a citizen to tell. */
export function informCitizen(step: StageStep, message: string): void {
  const { origin, privacy } = step.kind();
  if (origin !== 'citizen' || privacy === 'anonymous') return;
  step.record('citizen-informed', ENGINE, { detail: { message } });
}

/** A staged case's follow-up date: the case comes back to the unit, its task starting again with a fresh limit. */
export function followUpDue(step: StageStep, token: Token): void {
  const node = step.userTask(token.node);
  const staged = token.staged;
  step.record('follow-up-due', TIMER, { ...step.here(), detail: { stagedAt: staged?.at ?? null, plan: staged?.plan ?? null } });
  step.notify('warning', step.unitsOf(token), `Case ${step.state.caseNo} is back for its follow-up`);
  step.leave(token);
  step.startTask(node, null);
  informCitizen(step, `Your case ${step.state.caseNo} is being followed up as planned`);
}
