/**
 * The reform's figures (DESIGN.md, "Figures the reforms are judged by") as the dashboard shows them: each
 * names the field of GET /v1/statistics that holds it. A figure the API does not answer yet is listed as
 * missing; when the API adds the field, it appears without a change elsewhere.
 */
export interface Figure {
  key: string;
  kind: 'count' | 'rate' | 'hours';
}

export const FIGURES: Figure[] = [
  { key: 'total', kind: 'count' },
  { key: 'communityShare', kind: 'rate' },
  { key: 'sameDayResolutionRate', kind: 'rate' },
  { key: 'resolutionRate', kind: 'rate' },
  { key: 'reachedTopRate', kind: 'rate' },
  { key: 'onTimeResponseRate', kind: 'rate' },
  { key: 'onTimeResolutionRate', kind: 'rate' },
  { key: 'satisfactionRate', kind: 'rate' },
  { key: 'averageHandlingHours', kind: 'hours' },
];

/** The figures a statistics answer holds, and those it does not. */
export function splitFigures(stats: Record<string, unknown>): { present: Figure[]; missing: Figure[] } {
  return { present: FIGURES.filter((f) => f.key in stats), missing: FIGURES.filter((f) => !(f.key in stats)) };
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
