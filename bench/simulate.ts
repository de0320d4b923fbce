/**
 * The simulator's speed: a district month (the Gusu scenario's `after` variant, about 4,500 cases) and a city
 * year (the same district scaled to 100 streets, about 1,000,000 cases over 365 days), each one variant on
 * one core. The city year is reported against the district month measured in the same run (cases per second).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { loadChineseCalendar } from '../db/calendar-source.js';
import { projectRoot } from '../infra/config.js';
import { shippedProcessesByKey } from '../processes/shipped.js';
import { parseScenario, type Scenario } from '../sim/scenario.js';
import { simulateVariant } from '../sim/simulate.js';
import { variantInputs } from '../sim/variants.js';
import { Progress, round } from './progress.js';

export interface SimulateRun {
  name: string;
  cases: number;
  simulatedDays: number;
  units: number;
  seconds: number;
  /** CPU seconds the run used (user and system): what an idle machine would take, near enough. */
  cpuSeconds: number;
  casesPerSecond: number;
  peakRssMiB: number;
  /** The limit the issue sets for this size, in seconds. */
  limitSeconds: number;
}

export interface SimulateResult {
  runs: SimulateRun[];
}

async function run(name: string, scenario: Scenario, limitSeconds: number): Promise<SimulateRun> {
  const processes = await shippedProcessesByKey();
  const [input] = variantInputs({ ...scenario, variants: scenario.variants.filter((v) => v.name === 'after') }, { calendar: loadChineseCalendar(), process: (key) => processes.get(key)! });
  const progress = new Progress(`simulate ${name}`);
  let peak = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const result = simulateVariant(input!, (day, days, cases) => {
    peak = Math.max(peak, process.memoryUsage().rss);
    progress.update(day, days, `${cases.toLocaleString('en')} cases`);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return {
    name,
    cases: result.cases,
    simulatedDays: scenario.days + (scenario.drainDays ?? 21),
    units: input!.reference.units.length,
    seconds: round(seconds, 2),
    cpuSeconds: round((used.user + used.system) / 1e6, 2),
    casesPerSecond: Math.round(result.cases / seconds),
    peakRssMiB: Math.round(peak / 2 ** 20),
    limitSeconds,
  };
}

/** `cityDays`: the city's days of arrivals (365 for the year the issue asks about; fewer for a shorter run on a busy machine). */
export async function benchSimulate({ cityDays = 365 }: { cityDays?: number } = {}): Promise<SimulateResult> {
  const gusu = parseScenario(parse(await readFile(path.join(projectRoot, 'scenarios', 'gusu-list-change.yaml'), 'utf8')));
  const month: Scenario = { ...gusu, days: 30, arrivals: { ...gusu.arrivals, perDay: 150 } };
  const city: Scenario = {
    ...gusu,
    name: 'city-year',
    days: cityDays,
    drainDays: 14,
    units: { ...gusu.units, streets: Array.from({ length: 100 }, (_, i) => ({ id: `city-s${String(i + 1).padStart(3, '0')}`, name: `Street ${i + 1}`, communities: 15 })) },
    arrivals: { ...gusu.arrivals, perDay: 1_000_000 / 365 },
    behaviour: { ...gusu.behaviour, levels: { ...gusu.behaviour?.levels, district: { staff: 40, workHours: 4 } } },
  };
  const runs = [await run('district month', month, 10)];
  runs.push(await run(cityDays === 365 ? 'city year' : `city, ${cityDays} days of a year`, city, Math.round((600 * cityDays) / 365)));
  return { runs };
}
