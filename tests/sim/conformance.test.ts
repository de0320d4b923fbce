/**
 * The simulator drives the same engine as the workflow: generated cases run through the real stack (worker +
 * dev server, short limits), each action taken when the case is settled and recorded with the instant the
 * workflow accepted it; the same actions at the same instants then run through the simulator. Timelines,
 * outcome rows, the read-model facts and the figures (SQL over the read model vs the simulator's counts)
 * must be identical.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeFigures } from '../../db/figures.js';
import { referenceInForce } from '../../db/simulation-reference.js';
import { caseOutcomes, caseTimeline, cases, processDefinitions } from '../../db/schema.js';
import type { Actor, TimelineEntry, Urgency } from '../../domain/case.js';
import type { CaseAction, CaseView, OutcomeInput } from '../../domain/engine/types.js';
import type { ProcessDefinition } from '../../domain/process/definition.js';
import type { UnitOutcome } from '../../domain/outcomes.js';
import { SimCase } from '../../sim/case-driver.js';
import { EventQueue } from '../../sim/event-queue.js';
import { Random } from '../../sim/random.js';
import { SimReference } from '../../sim/reference.js';
import { FigureTally, type SimDimension } from '../../sim/tally.js';
import { WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { executeCaseUpdate } from '../../api/cases.js';
import { actionUpdates, type UpdateAction } from '../../workflows/messages.js';
import { deployTestProcess, startCase, testLimits, waitForCase, type CaseHandle } from '../helpers/cases.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';

const CASES = 200;
const PARALLEL = 12;
const MAX_STEPS = 14;
/** Short enough to wait out, long enough that an action taken as soon as the case settles is never late. */
const LIMIT = 'PT8S';

const categories = ['neighbour-dispute', 'property-management', 'garbage-sorting', 'food-safety', 'noise-pollution', 'unknown-matter'];
const locations = ['comm-heping-north', 'comm-heping-south', 'comm-xinhua-garden', 'comm-binhe-park'];
const handler = (unitId: string): Actor => ({ role: 'handler', id: `conf-${unitId}`, unitId });
const dispatcher = (unitId: string): Actor => ({ role: 'dispatcher', id: `conf-${unitId}`, unitId });
const supervisor = (unitId: string): Actor => ({ role: 'supervisor', id: `conf-${unitId}`, unitId });
const evaluator: Actor = { role: 'evaluator', id: 'conf-callback' };

interface Recorded {
  action: CaseAction;
  actor: Actor;
  at: number;
}

interface RealCase {
  caseNo: string;
  complaint: { category: string; urgency: Urgency; location: { unitId: string } };
  actions: Recorded[];
  view: CaseView;
}

/** A deadline is still to come: waiting moves the case on. */
const deadlineAhead = (v: CaseView): boolean => v.tasks.some((t) => !t.overdue && t.deadline !== null);
const settled = (v: CaseView): boolean => v.outcome !== null || (v.tasks.length > 0 && v.tasks.every((t) => t.deadline !== null) && v.summons.every((s) => !s.open || s.departments.length > 0));

let env: TestEnv;
let definition: ProcessDefinition;
let reference: SimReference;
const source = `conf${randomUUID().replace(/-/g, '').slice(0, 12)}`;

beforeAll(async () => {
  env = await createTestEnv();
  const key = await deployTestProcess(env, testLimits({}, LIMIT));
  const [row] = await env.database.db.select().from(processDefinitions).where(eq(processDefinitions.key, key));
  definition = row!.definition;
  reference = new SimReference({ ...(await referenceInForce(env.database.db)), definition });
}, 120_000);

afterAll(async () => {
  await env?.close();
});

/** The candidate next steps of a settled case, for the roles that act on it; `wait` lets a deadline pass. */
function candidates(v: CaseView, rng: Random, late: boolean): Array<{ action: CaseAction; actor: Actor } | 'wait'> {
  const out: Array<{ action: CaseAction; actor: Actor } | 'wait'> = [];
  const task = v.tasks[0];
  const unit = task?.unitId ?? null;
  for (const s of v.summons) {
    for (const d of s.departments) {
      if (d.reportedAt === null) out.push({ action: { type: 'reportIn' }, actor: handler(d.unitId) });
      else if (d.doneAt === null) out.push({ action: { type: 'reportPart', text: 'Done' }, actor: handler(d.unitId) });
      if (d.doneAt !== null && !d.rated && s.by) out.push({ action: { type: 'rateDepartment', unitId: d.unitId, cooperation: 1 + Math.floor(rng.next() * 5), partResolved: rng.chance(0.8) }, actor: handler(s.by) });
    }
  }
  if (!task || !unit) return out;
  const chain = reference.chain(unit);
  const approver = chain?.ancestors[0]?.id;
  const extension = task.pendingExtension;
  switch (task.task) {
    case 'signFor':
      out.push({ action: { type: 'signFor' }, actor: handler(unit) }, { action: { type: 'signFor' }, actor: handler(unit) });
      if (!late) out.push('wait', { action: { type: 'return', reason: 'Not ours' }, actor: handler(unit) }, { action: { type: 'whistle', reason: 'Beyond us' }, actor: handler(unit) }, { action: { type: 'dispute', reason: 'Not ours' }, actor: handler(unit) });
      break;
    case 'handle':
      if (extension && approver) out.push({ action: { type: 'decideExtension', approve: rng.chance(0.7) }, actor: supervisor(approver) });
      out.push({ action: { type: 'resolve', reply: 'Done' }, actor: handler(unit) }, { action: { type: 'resolve', reply: 'Done' }, actor: handler(unit) });
      if (!late) {
        out.push('wait', { action: { type: 'whistle', reason: 'Beyond us' }, actor: handler(unit) }, { action: { type: 'requestExtension', reason: 'More time' }, actor: handler(unit) });
        const tier = task.level === 'community' ? 'routine' : 'tough';
        if (task.level !== 'district') out.push({ action: { type: 'summon', departments: ['dept-urban', 'dept-sanitation'].map((id) => reference.chain(id)!), tier, note: 'Come' }, actor: handler(unit) });
      }
      break;
    case 'dispatch': {
      const targets = task.level === 'street' ? [unit, ...[...reference.units.values()].filter((u) => u.parentId === unit).map((u) => u.id)] : ['dept-market', 'dept-env', 'street-heping'];
      const target = targets[Math.floor(rng.next() * targets.length)]!;
      out.push({ action: { type: 'dispatch', unit: reference.chain(target)! }, actor: dispatcher(unit) });
      if (!late) out.push('wait');
      break;
    }
    case 'arbitrate':
      out.push({ action: { type: 'arbitrate', unit: reference.chain('dept-market')!, ruling: 'Market leads' }, actor: dispatcher(unit) });
      break;
    case 'jointHandle':
      for (const r of task.reportIns) if (r.at === null) out.push({ action: { type: 'reportIn' }, actor: handler(r.unitId) });
      if (v.lead) out.push({ action: { type: 'resolve', reply: 'Done' }, actor: handler(v.lead) });
      if (!late && v.lead) out.push({ action: { type: 'return', reason: 'Not ours' }, actor: handler(v.lead) });
      break;
    case 'evaluate':
      out.push(
        { action: { type: 'evaluate', rating: 'satisfied' }, actor: evaluator },
        { action: { type: 'evaluate', rating: late ? 'basically-satisfied' : 'unsatisfied' }, actor: evaluator },
      );
      if (!late) out.push('wait');
      break;
  }
  return out;
}

/**
 * Takes an action; an overloaded server (2 shared cores) may time a workflow task out, and while it retries the
 * task the server rejects updates (FAILED_PRECONDITION): nothing entered history, so the action is repeated.
 */
async function actRetrying(handle: CaseHandle, action: CaseAction, actor: Actor): Promise<CaseView> {
  // One update id for every attempt: an attempt whose answer was lost (an RPC timeout) is not applied twice.
  const updateId = randomUUID();
  const update = actionUpdates[action.type as UpdateAction] as (typeof actionUpdates)[UpdateAction];
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await executeCaseUpdate(handle, update, { args: [{ actor, ...action } as never], updateId });
    } catch (error) {
      const failedTask = /Workflow Task in failed state/.test(String((error as { cause?: unknown }).cause ?? ''));
      if ((failedTask || error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) && attempt < 60) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      if (failedTask) {
        // Not the load: say why the workflow task fails.
        const history = await handle.fetchHistory();
        const failures = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).map((e) => e.workflowTaskFailedEventAttributes!.failure?.message);
        throw new Error(`${action.type} by ${actor.unitId ?? actor.role} on ${handle.workflowId}: its workflow task fails: ${failures.slice(-2).join(' | ')}`);
      }
      throw error;
    }
  }
}

/** Runs one generated case on the real stack, recording each accepted action and when it was accepted. */
async function runReal(n: number): Promise<RealCase> {
  const rng = new Random(n * 7919 + 17);
  const complaint = { category: categories[n % categories.length]!, urgency: (rng.chance(0.2) ? 'urgent' : 'normal') as Urgency, location: { unitId: locations[Math.floor(rng.next() * locations.length)]! } };
  const { caseNo, handle } = await startCase(env, definition.key, { ...complaint, source });
  const actions: Recorded[] = [];
  let view = await waitForCase(handle, settled, `case ${caseNo} to settle`);
  for (let step = 0; view.outcome === null && step < MAX_STEPS * 3; step += 1) {
    const late = step >= MAX_STEPS;
    const options = candidates(view, rng, late).filter((o) => o !== 'wait' || deadlineAhead(view));
    // Early on one option at random; late, every option in turn until one is taken, so the case closes.
    const tries = late ? options : options.slice(Math.floor(rng.next() * options.length)).slice(0, 1);
    let taken = false;
    for (const choice of tries) {
      if (choice === 'wait') break;
      try {
        const answer = await actRetrying(handle, choice.action, choice.actor);
        actions.push({ ...choice, at: Date.parse(answer.timeline[0]!.at) });
        taken = true;
        break;
      } catch (error) {
        // A refused action never enters history; the simulator is not given it either.
        if (!(error as { cause?: { type?: string } }).cause?.type) throw error;
      }
    }
    if (!taken && (tries[0] === 'wait' || (late && deadlineAhead(view)))) {
      const seq = view.seq;
      view = await waitForCase(handle, (v) => v.seq > seq && settled(v), `a deadline of ${caseNo}`, 60_000);
      continue;
    }
    view = await waitForCase(handle, settled, `case ${caseNo} to settle`);
  }
  if (view.outcome === null) throw new Error(`case ${caseNo} did not close within its steps`);
  return { caseNo, complaint, actions, view };
}

interface Compared {
  timeline: unknown[];
  outcomes: unknown[];
  facts: unknown;
}

/** Drops what only the wall clock decides (instants) and what other test files may change meanwhile (the list version). */
function normal(value: unknown): unknown {
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value)) return '<instant>';
  if (Array.isArray(value)) return value.map(normal);
  // Keys in order: PostgreSQL's jsonb keeps its own.
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'listVersion')
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, normal(v)]),
    );
  }
  return value;
}
const entryOf = (e: Pick<TimelineEntry, 'action' | 'actor' | 'reason' | 'fromUnitId' | 'toUnitId' | 'fromLevel' | 'toLevel' | 'detail'>) =>
  normal({ action: e.action, actor: e.actor, reason: e.reason ?? null, fromUnitId: e.fromUnitId ?? null, toUnitId: e.toUnitId ?? null, fromLevel: e.fromLevel ?? null, toLevel: e.toLevel ?? null, detail: e.detail ?? null });
const outcomeOf = (r: UnitOutcome) => {
  const { unitId, role, responded, respondedOnTime, resolved, resolvedOnTime, escalatedByTimeout, returned, reportedInOnTime, rating, whistled, shirked, overdueAtTop, partDone, cooperation, partResolved } = r;
  return { unitId, role, responded, respondedOnTime, resolved, resolvedOnTime, escalatedByTimeout, returned, reportedInOnTime, rating, whistled, shirked, overdueAtTop, partDone, cooperation, partResolved };
};

/** Replays a real case through the simulator and compares; adds the simulator's counts to `tally`. */
async function verify(r: RealCase, tally: FigureTally): Promise<string[]> {
  const db = env.database.db;
  // The read model holds the whole case once the projection caught up.
  const row = await eventually(async () => {
    const [found] = await db.select().from(cases).where(eq(cases.caseNo, r.caseNo));
    return found && found.seq === r.view.seq && found.closedAt !== null ? found : undefined;
  }, { what: `the read model to hold ${r.caseNo} as closed`, timeoutMs: 60_000 });
  const timeline = await db.select().from(caseTimeline).where(eq(caseTimeline.workflowId, row.workflowId)).orderBy(caseTimeline.seq);
  const startedAt = timeline[0]!.at.getTime();
  const clock = new EventQueue(startedAt);
  // The instants the real workflow saw: when routing answered, and when each timer fired — the timer's entry
  // (a warning, a missed deadline or report-in) names the deadline it belongs to. A timer with no entry went
  // stale in the workflow (the case had moved on when it came up): the simulator does not fire it either.
  const routedAt = timeline.find((e) => e.action === 'routed')?.at.getTime() ?? startedAt;
  const timerEntries = timeline.filter((e) => e.actorRole === 'system' && e.actorId === 'timer' && typeof e.detail?.deadline === 'string');
  const used = new Set<unknown>();
  const replay = {
    answerAt: (call: { name: string }, now: number) => (call.name === 'routeComplaint' ? Math.max(now, routedAt) : now),
    timerAt: ({ id, due }: { id: string; due: number }, c: SimCase) => {
      const { tokens, summons } = c.engine.state;
      const owner = [...tokens.map((t) => ({ deadlines: [t.deadline, t.reportInDeadline], timers: t.timers })), ...summons.map((sm) => ({ deadlines: [sm.reportInDeadline], timers: sm.timers }))].find((o) =>
        o.timers.some((t) => t.id === id),
      );
      const entry = timerEntries.find((e) => {
        const deadline = e.detail!.deadline as string;
        return !used.has(e) && e.at.getTime() >= due && owner?.deadlines.includes(deadline) && e.action.endsWith('warning') === due < Date.parse(deadline);
      });
      if (!entry) return Infinity;
      used.add(entry);
      return entry.at.getTime();
    },
  };
  const mismatches: string[] = [];
  let recorded: OutcomeInput | null = null;
  const sim = SimCase.start(
    reference,
    { caseNo: r.caseNo, workflowId: row.workflowId, complaint: { ...r.complaint, source, ticketId: r.caseNo.slice(source.length + 1), title: row.title ?? '', description: row.description ?? '', citizen: {} }, receivedAt: row.receivedAt.toISOString() },
    startedAt,
    { clock, replay, changed: () => undefined, outcome: (_c, input) => (recorded = input) },
  );
  for (const a of r.actions) {
    clock.schedule(a.at, () => {
      const refusal = sim.act(a.action, a.actor, a.at);
      if (refusal) mismatches.push(`${r.caseNo}: the simulator refused ${a.action.type} (${refusal.type}: ${refusal.message})`);
    });
  }
  clock.runUntil(timeline.at(-1)!.at.getTime() + 30 * 86_400_000);
  const snap = sim.engine.snapshot();
  const simOutcomes = (recorded as OutcomeInput | null)?.rows ?? [];
  // The outcome rows are written by their own activity once the case closes: wait for as many as the simulator has.
  const outcomes = await eventually(
    async () => {
      const rows = await db.select().from(caseOutcomes).where(eq(caseOutcomes.caseNo, r.caseNo));
      return rows.length >= simOutcomes.length ? rows : undefined;
    },
    { what: `the outcome rows of ${r.caseNo}`, timeoutMs: 30_000 },
  ).catch(() => db.select().from(caseOutcomes).where(eq(caseOutcomes.caseNo, r.caseNo)));
  const facts = (f: { status: string; holders: string[]; escalations: number; rating: string | null; resolvedAt: unknown; communityHeld: boolean | null; streetHandled: boolean | null; reachedTop: boolean | null; whistleTier: string | null; streetId: string | null }) => ({
    status: f.status,
    holders: f.holders,
    escalations: f.escalations,
    rating: f.rating,
    resolved: f.resolvedAt !== null,
    communityHeld: f.communityHeld,
    streetHandled: f.streetHandled,
    reachedTop: f.reachedTop,
    whistleTier: f.whistleTier,
    streetId: f.streetId,
  });
  const realSide: Compared = {
    timeline: timeline.map((e) =>
      entryOf({ action: e.action, actor: { role: e.actorRole, id: e.actorId, ...(e.actorUnitId ? { unitId: e.actorUnitId } : {}) } as Actor, reason: e.reason ?? undefined, fromUnitId: e.fromUnitId ?? undefined, toUnitId: e.toUnitId ?? undefined, fromLevel: e.fromLevel ?? undefined, toLevel: e.toLevel ?? undefined, detail: e.detail ?? undefined }),
    ),
    outcomes: outcomes.map((o) => outcomeOf({ ...o, role: o.role as UnitOutcome['role'] })).sort((a, b) => a.unitId.localeCompare(b.unitId)),
    facts: facts(row),
  };
  const simSide: Compared = {
    timeline: sim.engine.state.timeline.length === sim.engine.state.seq ? sim.engine.state.timeline.map(entryOf) : ['<trimmed>'],
    outcomes: simOutcomes.map(outcomeOf).sort((a, b) => a.unitId.localeCompare(b.unitId)),
    facts: facts(snap),
  };
  const text = (v: unknown) => JSON.stringify(v);
  const at = realSide.timeline.findIndex((e, i) => text(e) !== text(simSide.timeline[i]));
  if (at >= 0 || simSide.timeline.length !== realSide.timeline.length) {
    const i = at >= 0 ? at : Math.min(simSide.timeline.length, realSide.timeline.length);
    mismatches.push(`${r.caseNo}: timeline entry ${i + 1} differs:\n  real ${text(realSide.timeline[i])}\n  sim  ${text(simSide.timeline[i])}`);
  } else if (text(simSide) !== text(realSide)) {
    mismatches.push(`${r.caseNo}: outcomes or facts differ:\n  real ${text({ ...realSide, timeline: undefined })}\n  sim  ${text({ ...simSide, timeline: undefined })}`);
  }
  // The figures: the simulator's facts and outcome rows at the real row's instants, against SQL over the read model.
  tally.addCase({ ...snap, receivedAt: row.receivedAt.toISOString(), resolvedAt: row.resolvedAt?.toISOString() ?? null });
  if (recorded) tally.addOutcomes(snap, row.closedAt!.toISOString(), simOutcomes);
  return mismatches;
}

describe('the simulator against the real stack', () => {
  it(`gives ${CASES} generated cases the same timelines, outcomes and figures`, async () => {
    const from = new Date(Date.now() - 60_000);
    // The figures' period ends well after the run (cases close within minutes).
    const to = new Date(Date.now() + 3_600_000);
    const tally = new FigureTally({ id: 'all', from: from.getTime(), to: to.getTime() }, [], []);
    const real: RealCase[] = [];
    const mismatches: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < CASES) {
          const r = await runReal(next++);
          real.push(r);
          mismatches.push(...(await verify(r, tally)));
        }
      }),
    );
    expect(mismatches, mismatches.slice(0, 8).join('\n\n')).toEqual([]);

    const db = env.database.db;
    const actions = new Set(real.flatMap((r) => r.actions.map((a) => a.action.type)));
    const entries = await db.selectDistinct({ action: caseTimeline.action }).from(caseTimeline).innerJoin(cases, eq(cases.workflowId, caseTimeline.workflowId)).where(eq(cases.source, source));
    // The generated cases cover the engine's paths: every kind of action, deadlines, escalations, summons.
    expect([...actions].sort()).toEqual(expect.arrayContaining(['arbitrate', 'dispatch', 'dispute', 'evaluate', 'reportIn', 'reportPart', 'resolve', 'return', 'signFor', 'summon', 'whistle']));
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['deadline-missed', 'escalated', 'warning', 'reopened', 'summoned', 'closed']));

    for (const by of [undefined, 'street', 'unit', 'category'] as const) {
      const sql = await computeFigures(db, { from, to, scope: { kind: 'source', source }, ...(by ? { by } : {}) });
      const dimension: SimDimension = by ?? 'total';
      expect(by ? tally.groups('all', dimension) : tally.total('all'), `figures by ${by ?? 'total'}`).toEqual(by ? sql.groups : sql.total);
    }
  }, 1_200_000);
});
