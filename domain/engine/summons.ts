/**
 * Summons: their report-in deadline, the warning before it, and what a missed report-in
 * does — recorded against the department and escalated to the summoning unit's supervisor.
 */
import type { Actor, TimelineEntry } from '../case.js';
import { warningPoint } from '../calendar.js';
import type { ActivityCall, EngineState, NotificationInput, Summons, TimerRef } from './types.js';

/** What summons need of the step they happen in (the walker's `Step`). */
export interface SummonsStep {
  readonly now: string;
  readonly state: EngineState;
  activity(call: ActivityCall, awaitResult: boolean): string;
  timer(owner: { timers: TimerRef[] }, purpose: string, at: string): void;
  record(action: string, actor: Actor, extra?: Omit<TimelineEntry, 'seq' | 'at' | 'action' | 'actor'>): void;
  notify(kind: NotificationInput['kind'], unitIds: string[], message: string): void;
}

const TIMER: Actor = { role: 'system', id: 'timer' };

/** How far into a summons's report-in limit its departments are warned. */
const SUMMONS_WARNING_RATIO = 0.75;

/** Asks for a summons's report-in deadline (working time, by its tier and the case's urgency). */
export function requestSummonsDeadline(step: SummonsStep, summons: Summons, limit: string): void {
  summons.awaiting = step.activity({ name: 'computeDeadlines', input: { from: step.now, limits: { reportIn: limit } } }, true);
}

/** The report-in deadline is known: warn before it, and look at who reported in when it passes. */
export function summonsDeadlineKnown(step: SummonsStep, summons: Summons, deadline: string | null): void {
  summons.awaiting = null;
  if (!summons.open || deadline === null) return;
  summons.reportInDeadline = deadline;
  step.timer(summons, 'summons-warning', warningPoint(new Date(summons.at), new Date(deadline), SUMMONS_WARNING_RATIO).toISOString());
  step.timer(summons, 'summons-limit', deadline);
}

/** Before the limit: the departments still to report in are warned. At the limit: each miss is recorded and escalated to the summoner's supervisor. */
export function summonsTimerFired(step: SummonsStep, summons: Summons, timerId: string): void {
  const timer = summons.timers.find((t) => t.id === timerId)!;
  summons.timers = summons.timers.filter((t) => t.id !== timerId);
  const pending = summons.departments.filter((d) => d.reportedAt === null);
  if (!summons.open || pending.length === 0) return;
  const caseNo = step.state.caseNo;
  if (timer.purpose === 'summons-warning') {
    step.record('summons-warning', TIMER, { toUnitId: summons.by, detail: { summons: summons.n, pending: pending.map((d) => d.unitId), deadline: summons.reportInDeadline } });
    step.notify('warning', pending.map((d) => d.unitId), `Case ${caseNo}: report in before ${summons.reportInDeadline} (summoned by ${summons.by})`);
    return;
  }
  const supervisor = supervisorOf(step, summons.by);
  for (const department of pending) {
    department.late = true;
    step.record('report-in-missed', TIMER, {
      toUnitId: department.unitId,
      detail: { summons: summons.n, deadline: summons.reportInDeadline, summonedBy: summons.by, escalatedTo: supervisor ?? null },
    });
  }
  if (supervisor) step.notify('escalated', [supervisor], `Case ${caseNo}: ${pending.map((d) => d.unitId).join(', ')} did not report in to ${summons.by} by ${summons.reportInDeadline}`);
}

/** The unit above `unitId` on the case's chain (a community's street, a street's centre). */
function supervisorOf(step: SummonsStep, unitId: string): string | undefined {
  const v = step.state.vars;
  if (v.unit?.id === unitId) return v.ancestors[0]?.id;
  const index = v.ancestors.findIndex((a) => a.id === unitId);
  return index >= 0 ? v.ancestors[index + 1]?.id : undefined;
}
