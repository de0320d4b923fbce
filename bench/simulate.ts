/**
 * The simulator's speed: a district month (the Gusu scenario's `after` variant, about 4,500 cases, on one core)
 * and a city year (18 districts of Gusu's shape, about 1,000,000 cases over 365 days, the districts on worker
 * threads: `sim/city.ts`). The city year is reported against the district month measured in the same run
 * (cases per second).
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { loadChineseCalendar } from '../db/calendar-source.js';
import { projectRoot } from '../infra/config.js';
import { shippedProcessesByKey } from '../processes/shipped.js';
import { simulateCity } from '../sim/city.js';
import { parseScenario, type Scenario } from '../sim/scenario.js';
import { simulateVariant } from '../sim/simulate.js';
import { variantInputs } from '../sim/variants.js';
import { Progress, round } from './progress.js';

export interface SimulateRun {
  name: string;
  cases: number;
  /** Cases still open when the run ended (absent in figures kept from before it was counted). */
  openAtEnd?: number;
  simulatedDays: number;
  units: number;
  seconds: number;
  /** CPU seconds the run used (user and system): what an idle machine would take, near enough. */
  cpuSeconds: number;
  casesPerSecond: number;
  peakRssMiB: number;
  /** The limit the issue sets for this size, in seconds. */
  limitSeconds: number;
  /** Districts simulated and the threads they ran on (absent in figures kept from before the city had districts). */
  districts?: number;
  threads?: number;
  /** The machine's 1-minute load average during the run (mean of samples, and the highest). */
  loadMean?: number;
  loadMax?: number;
}

export interface SimulateResult {
  runs: SimulateRun[];
}

/** The city's shape: districts like Gusu, each with its share of a million cases a year. */
export const CITY_DISTRICTS = 18;

async function run(name: string, scenario: Scenario, limitSeconds: number, city?: { districts: number; threads: number }): Promise<SimulateRun> {
  const processes = await shippedProcessesByKey();
  const [input] = variantInputs({ ...scenario, variants: scenario.variants.filter((v) => v.name === 'after') }, { calendar: loadChineseCalendar(), process: (key) => processes.get(key)! });
  const progress = new Progress(`simulate ${name}`);
  let peak = process.memoryUsage().rss;
  const loads: number[] = [];
  const heard = (day: number, days: number, cases: number): void => {
    const rss = process.memoryUsage().rss;
    peak = Math.max(peak, rss);
    loads.push(os.loadavg()[0]!);
    progress.update(day, days, `${cases.toLocaleString('en')} cases, RSS ${Math.round(rss / 2 ** 20)} MiB`);
  };
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const { cases, openAtEnd } = city ? await simulateCity(input!, { ...city, progress: heard }) : simulateVariant(input!, heard);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // CPU time of the process: every thread's.
  const used = process.cpuUsage(cpu);
  return {
    name,
    cases,
    openAtEnd,
    simulatedDays: scenario.days + (scenario.drainDays ?? 21),
    units: input!.reference.units.length * (city?.districts ?? 1),
    seconds: round(seconds, 2),
    cpuSeconds: round((used.user + used.system) / 1e6, 2),
    casesPerSecond: Math.round(cases / seconds),
    peakRssMiB: Math.round(peak / 2 ** 20),
    limitSeconds,
    districts: city?.districts ?? 1,
    threads: city?.threads ?? 1,
    loadMean: round(loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length), 1),
    loadMax: round(Math.max(0, ...loads), 1),
  };
}

/**
 * The city of the benchmark: {@link CITY_DISTRICTS} copies of the Gusu district (8 streets of 20 communities,
 * 5 departments) sharing a million cases a year, staffed so that their queues stay level over the year
 * (9 people at each street, 12 at each department; Gusu's own staff fall behind over months: the list change
 * costs the streets) — a city that keeps up, so a year's memory is what its open cases hold.
 */
export function cityScenario(gusu: Scenario, days: number): Scenario {
  return {
    ...gusu,
    name: 'city-year',
    days,
    drainDays: 14,
    arrivals: { ...gusu.arrivals, perDay: 1_000_000 / 365 / CITY_DISTRICTS },
    behaviour: { ...gusu.behaviour, levels: { ...gusu.behaviour?.levels, street: { staff: 9, workHours: 2.5 }, district: { staff: 12, workHours: 4 } } },
  };
}

/**
 * `cityDays`: the city's days of arrivals (365 for the year the issue asks about; fewer for a shorter run on a busy
 * machine); `cityThreads`: the worker threads its districts run on (default: one per core).
 */
export async function benchSimulate({ cityDays = 365, cityThreads = os.availableParallelism() }: { cityDays?: number; cityThreads?: number } = {}): Promise<SimulateResult> {
  const gusu = parseScenario(parse(await readFile(path.join(projectRoot, 'scenarios', 'gusu-list-change.yaml'), 'utf8')));
  const month: Scenario = { ...gusu, days: 30, arrivals: { ...gusu.arrivals, perDay: 150 } };
  const runs = [await run('district month', month, 10)];
  const name = cityDays === 365 ? 'city year' : `city, ${cityDays} days of a year`;
  runs.push(await run(name, cityScenario(gusu, cityDays), Math.round((600 * cityDays) / 365), { districts: CITY_DISTRICTS, threads: cityThreads }));
  return { runs };
}
