/**
 * A discrete-event simulation of one variant of a scenario: cases arrive by the arrival model, each runs
 * through the case engine (`case-driver.ts`) on a virtual clock, the agents (`behaviour.ts`) act on them, and
 * the run counts the figures (`tally.ts`), each unit's load, queue, missed deadlines and escalations per
 * week, and the strikes each month's evaluation would give (`domain/ranking.ts`).
 */
import { periodOf } from '../domain/accountability.js';
import type { Complaint } from '../domain/case.js';
import { CaseReader } from '../domain/engine/reader.js';
import type { Figures } from '../domain/figures.js';
import type { UnitOutcome } from '../domain/outcomes.js';
import { rankUnits, strikesDue, type RankingPolicy, type StrikeDue } from '../domain/ranking.js';
import { Agents } from './behaviour.js';
import { SimCase, type CaseHooks } from './case-driver.js';
import { EventQueue } from './event-queue.js';
import { picker, Random, streamSeed } from './random.js';
import { SimReference, type ReferenceData } from './reference.js';
import type { Behaviour, Scenario } from './scenario.js';
import { FigureTally, SIM_DIMENSIONS, type Period, type SimDimension, type SimFigureGroup } from './tally.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LOCAL = 8 * HOUR;

/** Everything one variant runs on. */
export interface VariantInput {
  name: string;
  description?: string;
  reference: ReferenceData;
  arrivals: Scenario['arrivals'];
  behaviour: Behaviour;
  citizen?: Scenario['citizen'];
  /** First day of arrivals (YYYY-MM-DD, China Standard Time), how many days, and the days after to let cases close. */
  start: string;
  days: number;
  drainDays: number;
  seed: number;
  ranking: RankingPolicy;
}

/** A unit's week: cases it received, its queue (cases in its hands, not waiting for the citizen: sampled each day at 17:00), its missed deadlines (not the citizen's), escalations it caused, whistles and summons. */
export interface UnitWeek {
  week: string;
  load: number;
  queueAverage: number;
  queueMax: number;
  deadlinesMissed: number;
  escalated: number;
  escalatedToTop: number;
  whistled: number;
  summoned: number;
}

export interface UnitReport {
  unitId: string;
  name: string;
  level: string;
  kind: string;
  weeks: UnitWeek[];
  total: Omit<UnitWeek, 'week'>;
}

export interface VariantResult {
  name: string;
  description: string | null;
  process: { key: string; version: number };
  listVersion: number;
  period: { from: string; to: string; closedBy: string };
  cases: number;
  closed: number;
  openAtEnd: number;
  figures: {
    total: Figures;
    weeks: Array<{ week: string; figures: Figures }>;
    by: Record<Exclude<SimDimension, 'total'>, SimFigureGroup[]>;
    streetWeeks: Array<{ week: string; groups: SimFigureGroup[] }>;
  };
  units: UnitReport[];
  totals: { deadlinesMissed: number; escalated: number; escalatedToTop: number; overdueAtTop: number; whistled: number; summoned: number };
  /** Each month's evaluation: units ranked, the bottom of each level, and the strikes it gives (`partial`: the run ended within the month). */
  evaluations: Array<{ period: string; partial: boolean; ranked: number; bottom: string[]; strikes: StrikeDue[] }>;
  stats: { actions: number; refused: number; notifications: number; wallMs: number };
}

const localDate = (ms: number): string => new Date(ms + LOCAL).toISOString().slice(0, 10);
const emptyWeek = (week: string): UnitWeek => ({ week, load: 0, queueAverage: 0, queueMax: 0, deadlinesMissed: 0, escalated: 0, escalatedToTop: 0, whistled: 0, summoned: 0 });

/** Runs one variant; `progress` hears after each simulated day. */
export function simulateVariant(input: VariantInput, progress?: (day: number, totalDays: number, cases: number) => void): VariantResult {
  const started = Date.now();
  const reference = new SimReference(input.reference);
  const definition = reference.definition;
  const top = definition.levels.at(-1);
  const evaluationSteps = new Set(Object.values(definition.nodes).flatMap((n) => (n.type === 'userTask' && n.task === 'evaluate' ? [n.id] : [])));
  const from = Date.parse(`${input.start}T00:00:00+08:00`);
  if (!Number.isFinite(from)) throw new Error(`start "${input.start}" is not a date`);
  const to = from + input.days * DAY;
  const closedBy = to + input.drainDays * DAY;
  const clock = new EventQueue(from);
  const weeks: Period[] = [];
  for (let w = from; w < to; w += 7 * DAY) weeks.push({ id: localDate(w), from: w, to: Math.min(w + 7 * DAY, to) });
  const tally = new FigureTally({ id: 'all', from, to }, weeks);
  const weekOf = (at: number): number => (at >= from && at < to ? Math.floor((at - from) / (7 * DAY)) : -1);
  const agents = new Agents(reference, input.behaviour, input.citizen, clock, new Random(streamSeed(input.seed, 'behaviour')));

  const unitStats = new Map<string, UnitWeek[]>();
  const statsOf = (unitId: string | null | undefined, at: number): UnitWeek | undefined => {
    const w = weekOf(at);
    if (!unitId || w < 0 || !reference.units.has(unitId)) return undefined;
    let list = unitStats.get(unitId);
    if (!list) unitStats.set(unitId, (list = weeks.map((p) => emptyWeek(p.id))));
    return list[w];
  };
  const held = new Map<string, number>();
  const heldBy = new Map<string, string>();
  const lastSeq = new Map<string, number>();
  const monthRows = new Map<string, UnitOutcome[]>();
  const overdueAtTop = new Map<string, Map<string, number>>();
  const totals = { deadlinesMissed: 0, escalated: 0, escalatedToTop: 0, overdueAtTop: 0, whistled: 0, summoned: 0 };
  let cases = 0;
  let closed = 0;
  let notifications = 0;
  const open = new Set<SimCase>();
  const counted = new WeakSet<SimCase>();

  const hooks: CaseHooks = {
    clock,
    changed(c, now) {
      const state = c.engine.state;
      // New timeline entries: what the units did and what happened to them.
      const seen = lastSeq.get(c.caseNo) ?? 0;
      let first = state.timeline.length;
      while (first > 0 && state.timeline[first - 1]!.seq > seen) first -= 1;
      for (const e of state.timeline.slice(first)) {
        if (e.action === 'deadline-missed' && !evaluationSteps.has(String(e.detail?.step))) {
          totals.deadlinesMissed += 1;
          const s = statsOf(e.toUnitId, now);
          if (s) s.deadlinesMissed += 1;
        } else if (e.action === 'escalated') {
          totals.escalated += 1;
          if (e.toLevel === top) totals.escalatedToTop += 1;
          const s = statsOf(e.fromUnitId, now);
          if (s) {
            s.escalated += 1;
            if (e.toLevel === top) s.escalatedToTop += 1;
          }
        } else if (e.action === 'whistled' || e.action === 'summoned') {
          totals[e.action] += 1;
          const s = statsOf(e.actor.unitId, now);
          if (s) s[e.action] += 1;
        } else if (e.action === 'overdue-at-top') {
          totals.overdueAtTop += 1;
          const unit = e.detail?.strikeUnitId;
          if (typeof unit === 'string') {
            const period = periodOf(e.at);
            const perUnit = overdueAtTop.get(period) ?? new Map<string, number>();
            perUnit.set(unit, (perUnit.get(unit) ?? 0) + 1);
            overdueAtTop.set(period, perUnit);
          }
        }
      }
      lastSeq.set(c.caseNo, state.seq);
      c.engine.trimTimeline(state.seq);
      // Who holds the case now: the queues.
      // A case waiting for the citizen's rating is no longer in a unit's queue.
      const read = new CaseReader(c.engine.definition, state);
      const working = !c.engine.closed && read.taskTokens().some((t) => !evaluationSteps.has(t.node));
      const answering = working ? (read.answering()?.id ?? undefined) : undefined;
      const before = heldBy.get(c.caseNo);
      if (answering !== before) {
        if (before) held.set(before, (held.get(before) ?? 1) - 1);
        if (answering) {
          held.set(answering, (held.get(answering) ?? 0) + 1);
          heldBy.set(c.caseNo, answering);
          const s = statsOf(answering, now);
          if (s) s.load += 1;
        } else heldBy.delete(c.caseNo);
      }
      if (!c.engine.closed) {
        open.add(c);
        agents.plan(c);
      } else if (!counted.has(c)) {
        counted.add(c);
        open.delete(c);
        closed += 1;
        notifications += c.notifications;
        tally.addCase(c.engine.snapshot());
        lastSeq.delete(c.caseNo);
      }
    },
    outcome(c, { closedAt, rows }) {
      tally.addOutcomes(c.engine.snapshot(), closedAt, rows);
      const period = periodOf(closedAt);
      const list = monthRows.get(period) ?? [];
      list.push(...rows);
      monthRows.set(period, list);
    },
  };

  // Arrivals: each day's cases are drawn when the day begins, hour by hour (a Poisson count, uniform in the hour).
  const arrivalRandom = new Random(streamSeed(input.seed, 'arrivals'));
  const { arrivals } = input;
  const weekdays = arrivals.weekdays ?? [1, 1, 1, 1, 1, 1, 1];
  const weekdayMean = weekdays.reduce((a, b) => a + b, 0) / 7;
  const hours = arrivals.hours ?? new Array<number>(24).fill(1);
  const hourTotal = hours.reduce((a, b) => a + b, 0);
  const categories = Object.entries(arrivals.categories) as Array<[string, number]>;
  const communities = [...reference.units.values()].filter((u) => u.level === 'community' && u.kind === 'community');
  const locations = communities.map((u) => [u.id, arrivals.locations?.[u.id] ?? 1] as [string, number]);
  if (locations.length === 0) throw new Error('The scenario has no communities for cases to happen in');
  const pickCategory = picker(categories);
  const pickLocation = picker(locations);
  const startCase = (at: number): void => {
    cases += 1;
    const ticketId = `S${String(cases).padStart(7, '0')}`;
    const complaint: Complaint = {
      source: 'sim',
      ticketId,
      title: 'Simulated case',
      description: 'Simulated case',
      category: pickCategory(arrivalRandom),
      urgency: arrivalRandom.chance(arrivals.urgentShare ?? 0.05) ? 'urgent' : 'normal',
      location: { unitId: pickLocation(arrivalRandom) },
      citizen: {},
    };
    const caseNo = `sim-${ticketId}`;
    clock.schedule(at, () => SimCase.start(reference, { caseNo, workflowId: `complaint-${caseNo}`, complaint, receivedAt: new Date(at).toISOString() }, at, hooks));
  };
  for (let day = 0; day < input.days; day += 1) {
    const dayStart = from + day * DAY;
    clock.schedule(dayStart, () => {
      const weekday = (new Date(dayStart + LOCAL).getUTCDay() + 6) % 7;
      const expected = (arrivals.perDay * weekdays[weekday]!) / weekdayMean;
      for (let h = 0; h < 24; h += 1) {
        const n = arrivalRandom.poisson((expected * hours[h]!) / hourTotal);
        const times = Array.from({ length: n }, () => dayStart + h * HOUR + Math.floor(arrivalRandom.next() * HOUR)).sort((a, b) => a - b);
        for (const at of times) startCase(at);
      }
    });
  }
  // Queues sampled each day at 17:00; each month evaluated as it ends.
  for (let day = 0; day < input.days; day += 1) {
    clock.schedule(from + day * DAY + 17 * HOUR, () => {
      for (const [unitId, n] of held) {
        const s = statsOf(unitId, clock.now);
        if (!s) continue;
        s.queueAverage += n / 7;
        s.queueMax = Math.max(s.queueMax, n);
      }
    });
  }
  const evaluations: VariantResult['evaluations'] = [];
  const rankable = [...reference.units.values()].filter((u) => u.kind !== 'centre').map((u) => ({ id: u.id, level: u.level }));
  const evaluate = (period: string, partial: boolean): void => {
    const performances = rankUnits(monthRows.get(period) ?? [], rankable, input.ranking, overdueAtTop.get(period));
    evaluations.push({
      period,
      partial,
      ranked: performances.filter((p) => p.ranked).length,
      bottom: performances.filter((p) => p.bottom).map((p) => p.unitId),
      strikes: strikesDue(performances, input.ranking),
    });
    monthRows.delete(period);
  };
  for (let day = 1; day <= input.days + input.drainDays; day += 1) {
    const at = from + day * DAY;
    if (localDate(at).endsWith('-01')) clock.schedule(at, () => evaluate(periodOf(new Date(at - 1).toISOString()), false));
  }

  const totalDays = input.days + input.drainDays;
  for (let day = 1; day <= totalDays; day += 1) {
    clock.runUntil(from + day * DAY);
    progress?.(day, totalDays, cases);
  }
  clock.runUntil(closedBy);
  for (const period of [...new Set([...monthRows.keys(), ...overdueAtTop.keys()])].sort()) if (!evaluations.some((e) => e.period === period)) evaluate(period, true);
  for (const c of open) tally.addCase(c.engine.snapshot());

  const units: UnitReport[] = [...unitStats.entries()]
    .map(([unitId, list]) => {
      const u = reference.units.get(unitId)!;
      for (const w of list) w.queueAverage = Math.round(w.queueAverage * 100) / 100;
      const { week: _week, ...total } = list.reduce(
        (sum, w) => ({
          week: '',
          load: sum.load + w.load,
          queueAverage: sum.queueAverage + w.queueAverage / list.length,
          queueMax: Math.max(sum.queueMax, w.queueMax),
          deadlinesMissed: sum.deadlinesMissed + w.deadlinesMissed,
          escalated: sum.escalated + w.escalated,
          escalatedToTop: sum.escalatedToTop + w.escalatedToTop,
          whistled: sum.whistled + w.whistled,
          summoned: sum.summoned + w.summoned,
        }),
        emptyWeek(''),
      );
      total.queueAverage = Math.round(total.queueAverage * 100) / 100;
      return { unitId, name: u.name, level: u.level, kind: u.kind, weeks: list, total };
    })
    .sort((a, b) => a.unitId.localeCompare(b.unitId));
  const by = Object.fromEntries(SIM_DIMENSIONS.filter((d) => d !== 'total').map((d) => [d, tally.groups('all', d)])) as VariantResult['figures']['by'];
  return {
    name: input.name,
    description: input.description ?? null,
    process: { key: definition.key, version: definition.version },
    listVersion: input.reference.list.version,
    period: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), closedBy: new Date(closedBy).toISOString() },
    cases,
    closed,
    openAtEnd: open.size,
    figures: {
      total: tally.total('all'),
      weeks: weeks.map((w) => ({ week: w.id, figures: tally.total(w.id) })),
      by,
      streetWeeks: weeks.map((w) => ({ week: w.id, groups: tally.groups(w.id, 'street') })),
    },
    units,
    totals,
    evaluations,
    stats: { actions: agents.counts.actions, refused: agents.counts.refused, notifications, wallMs: Date.now() - started },
  };
}
