/**
 * The reform's figures (DESIGN.md, "Figures the reforms are judged by") as the dashboard shows them. Each
 * names its field of the statistics answer: a ratio in its `figures` object (numerator, denominator, rate,
 * as GET /v1/figures computes it) or a plain number beside it. A figure the API does not answer is listed
 * as missing; when the API adds the field, it appears without a change elsewhere.
 */
export interface Figure {
  key: string;
  kind: 'count' | 'rate' | 'hours';
}

/** A ratio as the API gives it. */
export interface Ratio {
  numerator: number;
  denominator: number;
  rate: number | null;
}

/** The figures of a group of cases (GET /v1/figures, and `figures` in GET /v1/statistics). */
export type Figures = { received: number } & Record<string, Ratio | number>;

export const FIGURES: Figure[] = [
  { key: 'total', kind: 'count' },
  { key: 'communityShare', kind: 'rate' },
  { key: 'sameDayResolution', kind: 'rate' },
  { key: 'resolutionRate', kind: 'rate' },
  { key: 'reachedTop', kind: 'rate' },
  { key: 'response', kind: 'rate' },
  { key: 'onTime', kind: 'rate' },
  { key: 'satisfaction', kind: 'rate' },
  { key: 'averageHandlingHours', kind: 'hours' },
];

/** The ratios, in the order the figures table of GET /v1/figures lists them. */
export const RATIOS = FIGURES.filter((f) => f.kind === 'rate');

const isRatio = (v: unknown): v is Ratio => typeof v === 'object' && v !== null && 'rate' in v && 'denominator' in v;

/** A figure of a statistics answer (or of a figures group): a ratio, a number, or undefined when the answer lacks it. */
export function figureOf(stats: Record<string, unknown>, key: string): Ratio | number | null | undefined {
  const ratio = (stats.figures as Record<string, unknown> | undefined)?.[key] ?? stats[key];
  return isRatio(ratio) || typeof ratio === 'number' || ratio === null ? ratio : undefined;
}

/** A figure's rate as a number (null when its denominator is 0 or the answer lacks it). */
export const rateOf = (stats: Record<string, unknown>, key: string): number | null => {
  const v = figureOf(stats, key);
  return isRatio(v) ? v.rate : typeof v === 'number' ? v : null;
};

/** The figures a statistics answer holds, and those it does not. */
export function splitFigures(stats: Record<string, unknown>): { present: Figure[]; missing: Figure[] } {
  return { present: FIGURES.filter((f) => figureOf(stats, f.key) !== undefined), missing: FIGURES.filter((f) => figureOf(stats, f.key) === undefined) };
}

/** A month (YYYY-MM) and the `n - 1` before it, oldest first. */
export function lastMonths(period: string, n: number): string[] {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return Array.from({ length: n }, (_, i) => {
    const d = new Date(Date.UTC(y, m - 1 - (n - 1 - i), 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  });
}

/** This month in China Standard Time. */
export const currentPeriod = (): string => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7);

/** The dimensions GET /v1/figures groups by. */
export const FIGURE_DIMENSIONS = ['street', 'unit', 'category', 'month', 'whistleTier', 'district'] as const;
export type FigureDimension = (typeof FIGURE_DIMENSIONS)[number];
