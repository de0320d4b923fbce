/**
 * The HTML report of a simulation: one self-contained page (Apache ECharts inlined, no network) with the
 * variants side by side — the figures, the community share week by week, each street's load and queue,
 * missed deadlines and escalations, and the strikes the monthly evaluations would give.
 */
import type { SimulationReport } from './run-scenario.js';
import { FIGURE_NAMES } from './tally.js';

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const percent = (rate: number | null): string => (rate === null ? '–' : `${(rate * 100).toFixed(2)}%`);

/** The charts' data: what the page's script draws. */
function chartData(report: SimulationReport) {
  const variants = report.variants.map((v) => v.name);
  const streets = [...new Set(report.variants.flatMap((v) => v.units.filter((u) => u.kind === 'street').map((u) => u.unitId)))].sort();
  const streetValue = (v: SimulationReport['variants'][number], id: string, field: 'load' | 'queueAverage' | 'deadlinesMissed'): number => v.units.find((u) => u.unitId === id)?.total[field] ?? 0;
  return {
    variants,
    figureNames: FIGURE_NAMES.map(([, name]) => name),
    figures: report.variants.map((v) => FIGURE_NAMES.map(([key]) => (v.figures.total[key].rate === null ? null : Math.round(v.figures.total[key].rate! * 10000) / 100))),
    weeks: report.variants[0]?.figures.weeks.map((w) => w.week) ?? [],
    weeklyShare: report.variants.map((v) => v.figures.weeks.map((w) => (w.figures.communityShare.rate === null ? null : Math.round(w.figures.communityShare.rate * 10000) / 100))),
    streets: streets.map((id) => report.variants[0]?.units.find((u) => u.unitId === id)?.name ?? id),
    streetLoad: report.variants.map((v) => streets.map((id) => streetValue(v, id, 'load'))),
    streetQueue: report.variants.map((v) => streets.map((id) => streetValue(v, id, 'queueAverage'))),
    streetMissed: report.variants.map((v) => streets.map((id) => streetValue(v, id, 'deadlinesMissed'))),
    totalsNames: ['Deadlines missed', 'Escalated to the top', 'Overdue at the top', 'Whistled up', 'Summons'],
    totals: report.variants.map((v) => [v.totals.deadlinesMissed, v.totals.escalatedToTop, v.totals.overdueAtTop, v.totals.whistled, v.totals.summoned]),
  };
}

const CHARTS: Array<[id: string, title: string]> = [
  ['chart-figures', 'The figures, per variant (%)'],
  ['chart-weekly-share', 'Community share week by week (%)'],
  ['chart-street-load', 'Cases each street received'],
  ['chart-street-queue', 'Cases in each street’s hands (daily average)'],
  ['chart-totals', 'Missed deadlines and escalations'],
];

/** The page's own script: draws each chart from the embedded data and marks the page ready. */
const DRAW = `
const data = JSON.parse(document.getElementById('report-data').textContent);
const bars = (categories, rows, extra) => ({
  tooltip: { trigger: 'axis' }, legend: { data: data.variants }, grid: { containLabel: true },
  xAxis: { type: 'category', data: categories, axisLabel: { interval: 0, rotate: categories.length > 6 ? 30 : 0 } }, yAxis: { type: 'value' },
  series: rows.map((values, i) => ({ name: data.variants[i], type: 'bar', data: values, ...extra })),
});
const options = {
  'chart-figures': bars(data.figureNames, data.figures, { label: { show: true, position: 'top', formatter: (p) => p.value === null ? '' : p.value.toFixed(1) } }),
  'chart-weekly-share': { ...bars(data.weeks, data.weeklyShare), series: data.weeklyShare.map((values, i) => ({ name: data.variants[i], type: 'line', data: values })) },
  'chart-street-load': bars(data.streets, data.streetLoad),
  'chart-street-queue': bars(data.streets, data.streetQueue),
  'chart-totals': bars(data.totalsNames, data.totals),
};
window.jiesuCharts = {};
for (const [id, option] of Object.entries(options)) {
  const chart = echarts.init(document.getElementById(id), null, { renderer: 'canvas' });
  chart.setOption(option);
  window.jiesuCharts[id] = chart;
}
window.addEventListener('resize', () => Object.values(window.jiesuCharts).forEach((c) => c.resize()));
document.body.dataset.chartsReady = 'true';
`;

/** The page; `echartsSource` is the ECharts library (`echarts/dist/echarts.min.js`), inlined so the page opens offline. */
export function reportHtml(report: SimulationReport, echartsSource: string): string {
  const { scenario, variants } = report;
  const json = JSON.stringify(chartData(report)).replace(/</g, '\\u003c');
  const figureRows = FIGURE_NAMES.map(([key, name]) => `<tr><th>${escape(name)}</th>${variants.map((v) => `<td>${percent(v.figures.total[key].rate)} <small>(${v.figures.total[key].numerator} / ${v.figures.total[key].denominator})</small></td>`).join('')}</tr>`).join('\n');
  const strikeRows = variants
    .flatMap((v) => v.evaluations.flatMap((e) => e.strikes.map((s) => `<tr><td>${escape(v.name)}</td><td>${e.period}${e.partial ? ' (part)' : ''}</td><td>${escape(s.unitId)}</td><td>${escape(s.level)}</td><td>${s.reasons.join(', ')}</td><td>${s.overdueCases}</td></tr>`)))
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Simulation: ${escape(scenario.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 72rem; padding: 0 1rem; color: #1f2933; }
.chart { width: 100%; height: 360px; margin: 0 0 1.5rem; }
table { border-collapse: collapse; margin: 0 0 1.5rem; } th, td { border: 1px solid #d9e2ec; padding: .3rem .6rem; text-align: left; }
small { color: #627d98; }
</style></head>
<body>
<h1>Simulation: ${escape(scenario.name)}</h1>
${scenario.description ? `<p>${escape(scenario.description)}</p>` : ''}
<p>Seed ${scenario.seed}; arrivals from ${escape(scenario.start)} for ${scenario.days} days; each variant runs the same case engine and process definitions as the workflow on a virtual clock.</p>
${scenario.sources.length > 0 ? `<p>Sources: ${scenario.sources.map(escape).join('; ')}</p>` : ''}
<h2>Variants</h2>
<table><tr><th>variant</th><th>process</th><th>cases</th><th>closed</th><th>open at the end</th></tr>
${variants.map((v) => `<tr><td>${escape(v.name)}${v.description ? `<br><small>${escape(v.description)}</small>` : ''}</td><td>${escape(v.process.key)} v${v.process.version}</td><td>${v.cases}</td><td>${v.closed}</td><td>${v.openAtEnd}</td></tr>`).join('\n')}
</table>
<h2>Figures</h2>
<table><tr><th>figure</th>${variants.map((v) => `<th>${escape(v.name)}</th>`).join('')}</tr>
${figureRows}
</table>
${CHARTS.map(([id, title]) => `<h2>${escape(title)}</h2>\n<div class="chart" id="${id}"></div>`).join('\n')}
<h2>Strikes the monthly evaluations would give</h2>
<table><tr><th>variant</th><th>month</th><th>unit</th><th>level</th><th>reasons</th><th>overdue at the top</th></tr>
${strikeRows || '<tr><td colspan="6">none</td></tr>'}
</table>
<script type="application/json" id="report-data">${json}</script>
<script>${echartsSource.replace(/<\/script/gi, '<\\/script')}</script>
<script>${DRAW}</script>
</body></html>
`;
}
