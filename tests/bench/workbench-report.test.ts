/**
 * The workbench section of BENCHMARKS.md says what its figures say: a verdict against the 1 s target per
 * screen, where the cold time went, and "several times what an idle machine shows" only when the machine's
 * load stayed at twice its cores or more.
 */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { workbenchReport, type WorkbenchResult, type WorkbenchRow } from '../../bench/workbench.js';

const cores = os.availableParallelism();
const row = (screen: string, coldP95Ms: number): WorkbenchRow => ({
  screen,
  cases: 10_000,
  coldP50Ms: 600,
  coldP95Ms,
  warmP50Ms: 300,
  warmP95Ms: 350,
  apiP50Ms: 20,
  firstCallP50Ms: 150,
  dataInP50Ms: 450,
});
const table = (header: string[], rows: Array<Array<string | number>>) => [header, ...rows].map((r) => r.join(' | ')).join('\n');
const report = (result: Partial<WorkbenchResult>) =>
  workbenchReport({ rows: [row('queue', 800), row('dashboard', 1200)], docs: { coldP50Ms: 1500, coldP95Ms: 1700 }, load: [0.5, 0.8], ...result }, 'Measured now.', table).join('\n');

describe('the workbench report', () => {
  it('gives each screen its verdict against the 1 s target and names the screens over it', () => {
    const text = report({});
    expect(text).toContain('queue | 600 | 800 | 300 | 350 | 150 | 450 | 20 | yes');
    expect(text).toContain('dashboard | 600 | 1200 | 300 | 350 | 150 | 450 | 20 | no');
    expect(text).toContain('slowest cold p95 / the 1 s target = 1.2 (over it: dashboard, on this machine at this load)');
    expect(report({ rows: [row('queue', 800)] })).toContain('(every screen within it, on this machine at this load)');
  });

  it('says where the cold time went: scripts until the first call, requests until the data is in, then drawing', () => {
    expect(report({})).toContain('the page and its scripts (25 %)');
    expect(report({})).toContain('the requests (50 %');
    expect(report({})).toContain('drawing and the harness noticing it (25 %)');
  });

  it('says the figures are several times an idle machine\'s only when the load stayed at twice the cores or more', () => {
    expect(report({ load: [0.5, cores] })).not.toContain('shared with other');
    const partly = report({ load: [cores / 2, cores * 2] });
    expect(partly).toContain('busier than its cores for part of the section');
    expect(partly).not.toContain('several times');
    expect(report({ load: [cores * 2, cores * 6] })).toContain('several times what an idle machine shows');
  });

  it('reads figures saved before "data in" was measured', () => {
    const { dataInP50Ms: _, ...old } = row('queue', 800);
    const text = report({ rows: [old] });
    expect(text).toContain('queue | 600 | 800 | 300 | 350 | 150 | — | 20 | yes');
    expect(text).not.toContain('Where the cold time goes');
  });
});
