/**
 * The workbench section of BENCHMARKS.md says what its figures say: a verdict against the 1 s target per
 * screen (on the page's own clock where it was measured, else the driver's), where the cold time went, and "several times what an idle machine shows" only when the machine's
 * load stayed at twice its cores or more.
 */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { workbenchReport, type WorkbenchResult, type WorkbenchRow } from '../../bench/workbench.js';

const cores = os.availableParallelism();
const row = (screen: string, shownP95Ms: number): WorkbenchRow => ({
  screen,
  cases: 10_000,
  coldP50Ms: 600,
  coldP95Ms: shownP95Ms + 250,
  warmP50Ms: 300,
  warmP95Ms: 350,
  apiP50Ms: 20,
  firstCallP50Ms: 150,
  dataInP50Ms: 450,
  shownP50Ms: 500,
  shownP95Ms,
});
const table = (header: string[], rows: Array<Array<string | number>>) => [header, ...rows].map((r) => r.join(' | ')).join('\n');
const report = (result: Partial<WorkbenchResult>) =>
  workbenchReport({ rows: [row('queue', 800), row('dashboard', 1200)], docs: { coldP50Ms: 1500, coldP95Ms: 1700 }, load: [0.5, 0.8], ...result }, 'Measured now.', table).join('\n');

describe('the workbench report', () => {
  it('gives each screen its verdict against the 1 s target on the page\'s clock and names the screens over it', () => {
    const text = report({});
    expect(text).toContain('under 1 s (shown p95, on the page\'s clock)');
    expect(text).toContain('queue | 600 | 1050 | 300 | 350 | 150 | 450 | 500 | 800 | 20 | yes');
    expect(text).toContain('dashboard | 600 | 1450 | 300 | 350 | 150 | 450 | 500 | 1200 | 20 | no');
    expect(text).toContain('slowest shown p95, on the page\'s clock / the 1 s target = 1.2 (over it: dashboard, on this machine at this load)');
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
    const ownLoad = report({ load: [0.5, cores * 2] });
    expect(ownLoad).toContain('idle when the section started');
    expect(ownLoad).not.toContain('shared with other');
  });

  it('reads figures saved before "data in" and "shown" were measured, judging them on the driver\'s cold p95', () => {
    const { dataInP50Ms: _, shownP50Ms: __, shownP95Ms: ___, ...old } = row('queue', 700);
    const text = report({ rows: [old] });
    expect(text).toContain('queue | 600 | 950 | 300 | 350 | 150 | — | — | — | 20 | yes');
    expect(text).toContain('under 1 s (cold p95)');
    expect(text).not.toContain('Where the cold time goes');
  });
});
