/**
 * A simulation's report as files: JSON (everything), CSV (figures, units by week, evaluations) and a
 * self-contained HTML page whose charts (Apache ECharts, inlined) compare the variants side by side.
 */
import { toCsv } from '../infra/csv.js';
import type { Figures } from '../domain/figures.js';
import { reportHtml } from './report-html.js';
import type { SimulationReport } from './run-scenario.js';
import { FIGURE_NAMES } from './tally.js';

type FigureRow = { variant: string; period: string; dimension: string; key: string | null; figure: string; numerator: number; denominator: number; rate: number | null };

/** Every figure of every variant: for the whole period (by each dimension) and per week (in total and by street). */
export function figuresCsv(report: SimulationReport): string {
  const rows: FigureRow[] = [];
  const add = (variant: string, period: string, dimension: string, key: string | null, figures: Figures): void => {
    for (const [figure] of FIGURE_NAMES) rows.push({ variant, period, dimension, key, figure, ...figures[figure] });
  };
  for (const v of report.variants) {
    add(v.name, 'all', 'total', null, v.figures.total);
    for (const [dimension, groups] of Object.entries(v.figures.by)) for (const g of groups) add(v.name, 'all', dimension, g.key, g.figures);
    for (const w of v.figures.weeks) add(v.name, w.week, 'total', null, w.figures);
    for (const w of v.figures.streetWeeks) for (const g of w.groups) add(v.name, w.week, 'street', g.key, g.figures);
  }
  return toCsv<FigureRow>(
    [
      ['variant', (r) => r.variant],
      ['period', (r) => r.period],
      ['dimension', (r) => r.dimension],
      ['key', (r) => r.key],
      ['figure', (r) => r.figure],
      ['numerator', (r) => r.numerator],
      ['denominator', (r) => r.denominator],
      ['rate', (r) => r.rate],
    ],
    rows,
  );
}

/** Each unit's weeks: load, queue, missed deadlines, escalations (to the top), whistles and summons. */
export function unitsCsv(report: SimulationReport): string {
  const rows = report.variants.flatMap((v) => v.units.flatMap((u) => u.weeks.map((w) => ({ variant: v.name, unit: u, ...w }))));
  return toCsv<(typeof rows)[number]>(
    [
      ['variant', (r) => r.variant],
      ['unit_id', (r) => r.unit.unitId],
      ['unit_name', (r) => r.unit.name],
      ['level', (r) => r.unit.level],
      ['kind', (r) => r.unit.kind],
      ['week', (r) => r.week],
      ['load', (r) => r.load],
      ['queue_average', (r) => r.queueAverage],
      ['queue_max', (r) => r.queueMax],
      ['deadlines_missed', (r) => r.deadlinesMissed],
      ['escalated', (r) => r.escalated],
      ['escalated_to_top', (r) => r.escalatedToTop],
      ['whistled', (r) => r.whistled],
      ['summoned', (r) => r.summoned],
    ],
    rows,
  );
}

/** The monthly evaluations: the strikes each would give, one row per strike. */
export function strikesCsv(report: SimulationReport): string {
  const rows = report.variants.flatMap((v) => v.evaluations.flatMap((e) => e.strikes.map((s) => ({ variant: v.name, period: e.period, partial: e.partial, ...s }))));
  return toCsv<(typeof rows)[number]>(
    [
      ['variant', (r) => r.variant],
      ['period', (r) => r.period],
      ['partial_month', (r) => r.partial],
      ['unit_id', (r) => r.unitId],
      ['level', (r) => r.level],
      ['reasons', (r) => r.reasons.join(' ')],
      ['overdue_at_top', (r) => r.overdueCases],
    ],
    rows,
  );
}

/** Every file of a report by name: the JSON, the three CSVs and the HTML page (given the ECharts source to inline). */
export function reportFiles(report: SimulationReport, echartsSource: string): Record<string, string> {
  return {
    'report.json': `${JSON.stringify(report, null, 2)}\n`,
    'figures.csv': figuresCsv(report),
    'units.csv': unitsCsv(report),
    'strikes.csv': strikesCsv(report),
    'report.html': reportHtml(report, echartsSource),
  };
}
