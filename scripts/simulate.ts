/**
 * `npm run simulate -- <scenario.yaml> [--out <dir>]` runs a scenario's variants through the case engine on a
 * virtual clock (docs/simulation.md) and writes report.json, figures.csv, units.csv, strikes.csv and a
 * self-contained report.html into the directory (default `.data/simulations/<scenario name>/`).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { loadChineseCalendar } from '../db/calendar-source.js';
import { reportFiles } from '../sim/report.js';
import { loadEchartsSource } from '../sim/echarts-source.js';
import { runScenario } from '../sim/run-scenario.js';
import { parseScenario, ScenarioError } from '../sim/scenario.js';
import { FIGURE_NAMES } from '../sim/tally.js';
import { shippedProcessesByKey } from '../processes/shipped.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' } } });
if (positionals.length !== 1) {
  process.stderr.write('Usage: npm run simulate -- <scenario.yaml> [--out <dir>]\n');
  process.exit(2);
}
const file = positionals[0]!;
let scenario;
try {
  scenario = parseScenario(parse(await readFile(file, 'utf8')));
} catch (error) {
  process.stderr.write(`${file}: ${error instanceof ScenarioError ? error.message : (error as Error).message}\n`);
  process.exit(1);
}
const processes = await shippedProcessesByKey();
const context = {
  calendar: loadChineseCalendar(),
  process(key: string) {
    const definition = processes.get(key);
    if (!definition) throw new Error(`No shipped process "${key}" (there are: ${[...processes.keys()].join(', ')})`);
    return definition;
  },
};
let lastLine = 0;
const report = runScenario(scenario, context, (p) => {
  if (Date.now() - lastLine < 1000 && p.day !== p.days) return;
  lastLine = Date.now();
  process.stderr.write(`  ${p.variant} (${p.index + 1}/${p.of}): day ${p.day}/${p.days}, ${p.cases} cases\n`);
});
const out = values.out ?? path.join('.data', 'simulations', scenario.name);
await mkdir(out, { recursive: true });
for (const [name, content] of Object.entries(reportFiles(report, await loadEchartsSource()))) await writeFile(path.join(out, name), content);

const pad = (text: string, width: number): string => text.padEnd(width);
process.stdout.write(`\n${scenario.name}: ${report.variants.map((v) => `${v.name} ${v.cases} cases (${v.stats.wallMs} ms)`).join(', ')}\n\n`);
process.stdout.write(`${pad('figure', 28)}${report.variants.map((v) => pad(v.name, 16)).join('')}\n`);
for (const [key, name] of FIGURE_NAMES) {
  process.stdout.write(`${pad(name, 28)}${report.variants.map((v) => pad(v.figures.total[key].rate === null ? '–' : `${(v.figures.total[key].rate! * 100).toFixed(2)}%`, 16)).join('')}\n`);
}
process.stdout.write(`${pad('deadlines missed', 28)}${report.variants.map((v) => pad(String(v.totals.deadlinesMissed), 16)).join('')}\n`);
process.stdout.write(`${pad('escalated to the top', 28)}${report.variants.map((v) => pad(String(v.totals.escalatedToTop), 16)).join('')}\n`);
process.stdout.write(`${pad('strikes (monthly evaluation)', 28)}${report.variants.map((v) => pad(String(v.evaluations.reduce((n, e) => n + e.strikes.length, 0)), 16)).join('')}\n`);
process.stdout.write(`\nReport: ${path.join(out, 'report.html')} (and report.json, figures.csv, units.csv, strikes.csv)\n`);
