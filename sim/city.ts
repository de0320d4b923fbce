/**
 * A city: independent districts, each a copy of one scenario's district (its centre, departments, streets
 * and communities, its list, process and behaviour) with cases of its own, simulated on worker threads and
 * merged. Districts share nothing — a case never leaves its district, each centre evaluates its own units —
 * so they can run side by side; each draws from a seed of its own (the scenario's seed and its number), and
 * the merge goes by district number, so the same seed gives the same city whatever the number of threads.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { figure, type Figure, type Figures } from '../domain/figures.js';
import { streamSeed } from './random.js';
import { simulateVariant, type VariantInput, type VariantResult } from './simulate.js';

export interface CityOptions {
  /** How many districts the city has. */
  districts: number;
  /** Worker threads to run them on (default: one per core, at most one per district); 1 runs them in this thread, one after the other. */
  threads?: number;
  /** Hears as simulated days pass, summed over the districts (`total`: districts × days of each). */
  progress?: (days: number, total: number, cases: number) => void;
}

export interface CityResult {
  districts: number;
  threads: number;
  cases: number;
  closed: number;
  openAtEnd: number;
  /** The whole city's figures over the period, summed over the districts' counts. */
  figures: Figures;
  totals: VariantResult['totals'];
  /** Each district's own result, in district order (unit ids repeat from district to district: each is a copy). */
  results: VariantResult[];
}

/** District `index` (from 0) of a city made of `input`'s district: its name and its own seed. */
export function districtInput(input: VariantInput, index: number): VariantInput {
  const n = String(index + 1).padStart(2, '0');
  return { ...input, name: `${input.name} d${n}`, seed: streamSeed(input.seed, `district-${n}`) };
}

/** A message from a district's worker thread. */
export type CityWorkerMessage = { type: 'progress'; index: number; day: number; cases: number } | { type: 'result'; index: number; result: VariantResult } | { type: 'error'; index: number; message: string };

/** Simulates every district of the city and merges them. */
export async function simulateCity(input: VariantInput, options: CityOptions): Promise<CityResult> {
  const { districts } = options;
  if (!Number.isInteger(districts) || districts < 1) throw new Error(`districts must be a whole number of at least 1 (got ${districts})`);
  const threads = Math.max(1, Math.min(districts, options.threads ?? os.availableParallelism()));
  const daysEach = input.days + input.drainDays;
  const daysDone = new Array<number>(districts).fill(0);
  const casesSoFar = new Array<number>(districts).fill(0);
  const report = (index: number, day: number, cases: number): void => {
    daysDone[index] = day;
    casesSoFar[index] = cases;
    options.progress?.(
      daysDone.reduce((a, b) => a + b, 0),
      districts * daysEach,
      casesSoFar.reduce((a, b) => a + b, 0),
    );
  };
  const results: VariantResult[] = new Array<VariantResult>(districts);
  if (threads === 1) {
    for (let i = 0; i < districts; i += 1) results[i] = simulateVariant(districtInput(input, i), (day, _total, cases) => report(i, day, cases));
  } else {
    await runOnWorkers(input, districts, threads, results, report);
  }
  return merge(results, threads);
}

/** Runs the districts on `threads` workers, each taking the next district when it is done with one. */
async function runOnWorkers(input: VariantInput, districts: number, threads: number, results: VariantResult[], report: (index: number, day: number, cases: number) => void): Promise<void> {
  let next = 0;
  // The worker's module is TypeScript: a process run by tsx hands its loader on; others (a test runner) need it named.
  const execArgv = process.execArgv.some((a) => a.includes('tsx')) ? process.execArgv : [...process.execArgv, '--import', 'tsx'];
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./city-worker.ts', import.meta.url), { execArgv }));
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const give = (): void => {
              if (next >= districts) return resolve();
              const index = next++;
              worker.postMessage({ index, input: districtInput(input, index) });
            };
            worker.on('message', (m: CityWorkerMessage) => {
              if (m.type === 'progress') report(m.index, m.day, m.cases);
              else if (m.type === 'error') reject(new Error(`district ${m.index + 1}: ${m.message}`));
              else {
                results[m.index] = m.result;
                give();
              }
            });
            worker.on('error', reject);
            worker.on('exit', (code) => (next < districts || code !== 0 ? reject(new Error(`a city worker stopped (exit code ${code})`)) : undefined));
            give();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function merge(results: VariantResult[], threads: number): CityResult {
  const sum = (f: (r: VariantResult) => number): number => results.reduce((a, r) => a + f(r), 0);
  const figures = results.map((r) => r.figures.total);
  const rate = (key: Exclude<keyof Figures, 'received' | 'selfDiscovered'>): Figure =>
    figure(
      figures.reduce((a, f) => a + f[key].numerator, 0),
      figures.reduce((a, f) => a + f[key].denominator, 0),
    );
  const totals = Object.fromEntries(Object.keys(results[0]!.totals).map((k) => [k, sum((r) => r.totals[k as keyof VariantResult['totals']])])) as VariantResult['totals'];
  return {
    districts: results.length,
    threads,
    cases: sum((r) => r.cases),
    closed: sum((r) => r.closed),
    openAtEnd: sum((r) => r.openAtEnd),
    figures: {
      received: figures.reduce((a, f) => a + f.received, 0),
      selfDiscovered: figures.reduce((a, f) => a + f.selfDiscovered, 0),
      communityShare: rate('communityShare'),
      sameDayResolution: rate('sameDayResolution'),
      resolutionRate: rate('resolutionRate'),
      reachedTop: rate('reachedTop'),
      response: rate('response'),
      onTime: rate('onTime'),
      satisfaction: rate('satisfaction'),
    },
    totals,
    results,
  };
}
