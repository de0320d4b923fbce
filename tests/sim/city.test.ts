/**
 * A city of independent districts on worker threads (`sim/city.ts`): the same seed gives the same city whether
 * its districts run in this thread one after the other or side by side on two or three workers; each district
 * draws cases of its own; the city's figures are its districts' counts summed.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadChineseCalendar } from '../../db/calendar-source.js';
import { projectRoot } from '../../infra/config.js';
import { shippedProcessesByKey } from '../../processes/shipped.js';
import { simulateCity, type CityResult } from '../../sim/city.js';
import { parseScenario } from '../../sim/scenario.js';
import type { VariantInput } from '../../sim/simulate.js';
import { variantInputs } from '../../sim/variants.js';

let input: VariantInput;
const withoutTiming = ({ threads: _threads, results, ...city }: CityResult) => ({ ...city, results: results.map(({ stats: { wallMs: _ms, ...stats }, ...r }) => ({ ...r, stats })) });

beforeAll(async () => {
  const processes = await shippedProcessesByKey();
  const gusu = parseScenario(parse(await readFile(path.join(projectRoot, 'scenarios', 'gusu-list-change.yaml'), 'utf8')));
  [input] = variantInputs({ ...gusu, days: 7, drainDays: 7, variants: gusu.variants.filter((v) => v.name === 'after') }, { calendar: loadChineseCalendar(), process: (key) => processes.get(key)! }) as [VariantInput];
});

describe('a city of districts', () => {
  let one: CityResult;
  let progress: Array<[number, number]>;
  beforeAll(() => {
    progress = [];
    return simulateCity(input, { districts: 3, threads: 1, progress: (days, total) => progress.push([days, total]) }).then((r) => (one = r));
  }, 120_000);

  it('gives the same city on one, two or three threads', async () => {
    const [two, three] = await Promise.all([simulateCity(input, { districts: 3, threads: 2 }), simulateCity(input, { districts: 3, threads: 3 })]);
    expect([one.threads, two.threads, three.threads]).toEqual([1, 2, 3]);
    expect(withoutTiming(two)).toEqual(withoutTiming(one));
    expect(withoutTiming(three)).toEqual(withoutTiming(one));
  }, 180_000);

  it('lets each district draw its own cases, and sums their counts into the city’s figures', () => {
    const [a, b, c] = one.results;
    expect(one.results.map((r) => r.name)).toEqual(['after d01', 'after d02', 'after d03']);
    expect(new Set([a!.cases, b!.cases, c!.cases]).size).toBeGreaterThan(1);
    expect(one.cases).toBe(a!.cases + b!.cases + c!.cases);
    expect(one.figures.received).toBe(one.results.reduce((n, r) => n + r.figures.total.received, 0));
    const share = one.results.reduce((n, r) => ({ num: n.num + r.figures.total.communityShare.numerator, den: n.den + r.figures.total.communityShare.denominator }), { num: 0, den: 0 });
    expect(one.figures.communityShare).toEqual({ numerator: share.num, denominator: share.den, rate: Math.round((share.num / share.den) * 1e4) / 1e4 });
    expect(one.totals.escalated).toBe(one.results.reduce((n, r) => n + r.totals.escalated, 0));
    expect(progress.at(-1)).toEqual([3 * 14, 3 * 14]);
  });

  it('refuses a city without districts', async () => {
    await expect(simulateCity(input, { districts: 0 })).rejects.toThrow(/districts must be a whole number/);
  });
});
