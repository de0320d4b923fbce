/**
 * The figures of a simulation, counted as cases close (or stay open at the end) with the counts of
 * `domain/figures.ts` — the same definitions the read model counts in SQL — for the whole period and for
 * each week, in total and by district, the street that handled a case, unit and category.
 */
import type { CaseSnapshot } from '../domain/case.js';
import { countCase, countedCase, countOutcome, emptyCaseCounts, emptyOutcomeCounts, figuresOf, type CaseCounts, type Figures, type OutcomeCounts } from '../domain/figures.js';
import type { UnitOutcome } from '../domain/outcomes.js';

/** What figures are grouped by in a simulation's report. */
export const SIM_DIMENSIONS = ['total', 'district', 'street', 'unit', 'category'] as const;
export type SimDimension = (typeof SIM_DIMENSIONS)[number];

export interface Period {
  /** `all`, or the week's first day (YYYY-MM-DD). */
  id: string;
  from: number;
  to: number;
}

/** The figures of one group. */
export interface SimFigureGroup {
  key: string | null;
  figures: Figures;
}

interface Cell {
  cases: CaseCounts;
  outcomes: OutcomeCounts;
}

/** The keys a case has in a dimension (a case held by several units counts once for each). */
function keysOf(s: CaseSnapshot, dimension: SimDimension): Array<string | null> {
  switch (dimension) {
    case 'total':
      return [null];
    case 'district':
      return [s.districtId];
    case 'street':
      return [s.streetHandled ? (s.streetId ?? null) : null];
    case 'unit':
      return s.holders;
    case 'category':
      return [s.category];
  }
}

function outcomeKey(s: CaseSnapshot, row: UnitOutcome, dimension: SimDimension): string | null {
  return dimension === 'unit' ? row.unitId : keysOf(s, dimension)[0]!;
}

export class FigureTally {
  private readonly cells = new Map<string, Cell>();

  /**
   * @param whole the period the report is about
   * @param weeks its weeks
   * @param weekly the dimensions counted per week (all of them are counted for the whole period)
   */
  constructor(
    readonly whole: Period,
    readonly weeks: Period[],
    private readonly weekly: readonly SimDimension[] = ['total', 'street'],
  ) {}

  private cell(period: string, dimension: SimDimension, key: string | null): Cell {
    const id = `${period}\u0000${dimension}\u0000${key ?? ''}`;
    let cell = this.cells.get(id);
    if (!cell) this.cells.set(id, (cell = { cases: emptyCaseCounts(), outcomes: emptyOutcomeCounts() }));
    return cell;
  }

  private periodsOf(at: number): Array<{ period: Period; dimensions: readonly SimDimension[] }> {
    if (at < this.whole.from || at >= this.whole.to) return [];
    const week = this.weeks.find((w) => at >= w.from && at < w.to);
    return [{ period: this.whole, dimensions: SIM_DIMENSIONS }, ...(week ? [{ period: week, dimensions: this.weekly }] : [])];
  }

  /** Counts a case as it stands at the end of the run (closed, or still open). */
  addCase(s: CaseSnapshot): void {
    if (!countedCase(s.status)) return;
    for (const { period, dimensions } of this.periodsOf(Date.parse(s.receivedAt))) {
      const end = new Date(period.to).toISOString();
      for (const dimension of dimensions) for (const key of keysOf(s, dimension)) countCase(this.cell(period.id, dimension, key).cases, s, end);
    }
  }

  /** Counts the outcome rows of a case closed at `closedAt`. */
  addOutcomes(s: CaseSnapshot, closedAt: string, rows: UnitOutcome[]): void {
    if (!countedCase(s.status)) return;
    for (const { period, dimensions } of this.periodsOf(Date.parse(closedAt))) {
      for (const dimension of dimensions) for (const row of rows) countOutcome(this.cell(period.id, dimension, outcomeKey(s, row, dimension)).outcomes, row);
    }
  }

  /** The figures of a period by a dimension, groups ordered by key (no key last). */
  groups(period: string, dimension: SimDimension): SimFigureGroup[] {
    const prefix = `${period}\u0000${dimension}\u0000`;
    const groups: SimFigureGroup[] = [];
    for (const [id, cell] of this.cells) {
      if (!id.startsWith(prefix)) continue;
      const key = id.slice(prefix.length);
      groups.push({ key: key === '' ? null : key, figures: figuresOf(cell.cases, cell.outcomes) });
    }
    return groups.sort((a, b) => (a.key === b.key ? 0 : a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : 1));
  }

  /** The figures of a period in total. */
  total(period: string): Figures {
    return this.groups(period, 'total')[0]?.figures ?? figuresOf();
  }
}

/** The figures a report shows, in DESIGN.md's order, with their names. */
export const FIGURE_NAMES: Array<[keyof Omit<Figures, 'received' | 'selfDiscovered'>, string]> = [
  ['communityShare', 'Community share'],
  ['sameDayResolution', 'Same-day resolution'],
  ['resolutionRate', 'Resolution rate'],
  ['reachedTop', 'Reached the top'],
  ['response', 'Response (signed on time)'],
  ['onTime', 'Resolved on time'],
  ['satisfaction', 'Satisfaction'],
];
