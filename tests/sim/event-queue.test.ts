/**
 * The simulator's clock and what it keeps: events run in `[at, seq]` order, cancelled ones never run and are
 * compacted away when they pile up (the order of the rest unchanged), and a case that closes leaves nothing of
 * its own waiting on the clock — its timers and its people's plans are cancelled, so the closed case is garbage
 * even though its deadlines lie weeks ahead.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadChineseCalendar } from '../../db/calendar-source.js';
import { projectRoot } from '../../infra/config.js';
import { shippedProcessesByKey } from '../../processes/shipped.js';
import { Agents } from '../../sim/behaviour.js';
import { SimCase, type CaseHooks } from '../../sim/case-driver.js';
import { EventQueue, type Scheduled } from '../../sim/event-queue.js';
import { Random } from '../../sim/random.js';
import { SimReference } from '../../sim/reference.js';
import { parseScenario } from '../../sim/scenario.js';
import { variantInputs } from '../../sim/variants.js';

const DAY = 86_400_000;

describe('EventQueue', () => {
  it('runs events by instant, then in the order they were scheduled; a cancelled one never runs', () => {
    const clock = new EventQueue(0);
    const ran: string[] = [];
    clock.schedule(20, () => ran.push('b'));
    clock.schedule(10, () => ran.push('a'));
    const dropped = clock.schedule(10, () => ran.push('cancelled'));
    clock.schedule(20, () => ran.push('c'));
    clock.schedule(10, () => clock.schedule(10, () => ran.push('a, scheduled while running')));
    clock.cancel(dropped);
    clock.cancel(dropped);
    expect(clock.pending).toBe(4);
    clock.runUntil(15);
    expect(ran).toEqual(['a', 'a, scheduled while running']);
    expect(clock.now).toBe(15);
    clock.runUntil(100);
    expect(ran).toEqual(['a', 'a, scheduled while running', 'b', 'c']);
    expect(clock.size).toBe(0);
  });

  it('drops cancelled events at once when they are most of the heap, and the rest keep their order', () => {
    const clock = new EventQueue(0);
    const random = new Random(7);
    const ran: number[] = [];
    const events: Array<{ n: number; event: Scheduled }> = [];
    for (let n = 0; n < 20_000; n += 1) {
      const at = Math.floor(random.next() * 1_000);
      events.push({ n, event: clock.schedule(at, () => ran.push(n)) });
    }
    const expected = events.map(({ n, event }) => ({ n, at: event.at })).filter(({ n }) => n % 3 === 0);
    for (const { n, event } of events) if (n % 3 !== 0) clock.cancel(event);
    // 13,333 of 20,000 cancelled: compacted once they passed half of the heap (the later ones wait as stale entries).
    expect(clock.size).toBeLessThan(20_000 - 10_000);
    expect(clock.pending).toBe(expected.length);
    clock.runUntil(1_000);
    expected.sort((a, b) => a.at - b.at || a.n - b.n);
    expect(ran).toEqual(expected.map((e) => e.n));
    expect(clock.size).toBe(0);
  });
});

describe('a simulated case that closes', () => {
  it('leaves none of its timers or plans on the clock, though its deadlines lie ahead', async () => {
    const processes = await shippedProcessesByKey();
    const scenario = parseScenario(parse(await readFile(path.join(projectRoot, 'scenarios', 'gusu-list-change.yaml'), 'utf8')));
    const [input] = variantInputs(scenario, { calendar: loadChineseCalendar(), process: (key) => processes.get(key)! });
    const reference = new SimReference(input!.reference);
    const start = Date.parse('2026-03-02T09:00:00+08:00');
    for (const [i, category] of ['street-environment', 'neighbour-dispute', 'food-safety', 'wage-arrears'].entries()) {
      const clock = new EventQueue(start);
      // Citizens always rate at once, so the case closes well before its limits run out.
      const agents = new Agents(reference, input!.behaviour, { answerChance: 1, answerHours: 0.1 }, clock, new Random(i));
      let waitingAtClose = -1;
      const hooks: CaseHooks = {
        clock,
        changed: (c) => {
          if (!c.engine.closed) agents.plan(c);
          else if (waitingAtClose < 0) waitingAtClose = clock.size;
        },
        outcome: () => undefined,
      };
      const complaint = { source: 'sim', ticketId: `Q${i}`, title: 'A case', description: 'A case', category, urgency: 'normal' as const, location: { unitId: 'gusu-s1-c01' }, citizen: {} };
      const c = SimCase.start(reference, { caseNo: `sim-q${i}`, workflowId: `complaint-sim-q${i}`, complaint, receivedAt: new Date(start).toISOString() }, start, hooks);
      while (!c.engine.closed && clock.now < start + 120 * DAY) clock.runUntil(clock.now + 3_600_000);
      expect(c.engine.closed).toBe(true);
      // Events of the case were waiting when it closed (its limits, what its people planned): none of them will run.
      expect(waitingAtClose).toBeGreaterThan(0);
      expect(clock.pending).toBe(0);
    }
  });
});
