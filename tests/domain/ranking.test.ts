import { describe, expect, it } from 'vitest';
import type { UnitOutcome } from '../../domain/outcomes.js';
import { DEFAULT_RANKING_POLICY, rankUnits, strikesDue, type RankingPolicy } from '../../domain/ranking.js';

const outcome = (unitId: string, over: Partial<UnitOutcome> = {}): UnitOutcome => ({
  unitId,
  role: 'holder',
  responded: true,
  respondedOnTime: true,
  resolved: true,
  resolvedOnTime: true,
  escalatedByTimeout: false,
  returned: false,
  reportedInOnTime: null,
  whistled: false,
  shirked: false,
  overdueAtTop: false,
  partDone: null,
  cooperation: null,
  partResolved: null,
  rating: 'satisfied',
  ...over,
});
const times = (n: number, row: () => UnitOutcome): UnitOutcome[] => Array.from({ length: n }, row);
const policy: RankingPolicy = { ...DEFAULT_RANKING_POLICY, minCases: 2 };
const by = (result: ReturnType<typeof rankUnits>, id: string) => result.find((p) => p.unitId === id)!;

describe('rates, score and ranking', () => {
  const units = [
    { id: 'a', level: 'community' },
    { id: 'b', level: 'community' },
    { id: 'c', level: 'community' },
    { id: 'solo', level: 'street' },
  ];

  it('weights the rates, re-weights when a unit has no evaluations, and strikes only below more than one ranked unit', () => {
    const result = rankUnits(
      [
        outcome('a'),
        outcome('a'),
        outcome('b', { respondedOnTime: false }),
        outcome('b', { rating: null }),
        outcome('c'),
        outcome('solo', { rating: null }),
        outcome('solo', { rating: null, resolvedOnTime: false }),
      ],
      units,
      policy,
    );
    expect(by(result, 'a')).toMatchObject({ score: 1, rank: 1, bottom: false });
    // b: response 0.5, resolution 1, satisfaction 1 (one evaluated) → 0.15 + 0.35 + 0.35
    expect(by(result, 'b')).toMatchObject({ responseRate: 0.5, satisfactionRate: 1, score: 0.85, rank: 2, bottom: true });
    expect(by(result, 'c')).toMatchObject({ ranked: false, rank: null });
    // No evaluations: (0.3 × 1 + 0.35 × 0.5) / 0.65
    expect(by(result, 'solo')).toMatchObject({ satisfactionRate: null, score: 0.730769, rank: 1, bottom: false });
  });

  it('does not rank a unit that whistled legitimately below one that sat on its cases', () => {
    const streets = [
      { id: 'a-sitter', level: 'street' },
      { id: 'w-whistler', level: 'street' },
    ];
    const result = rankUnits(
      [
        // Resolved three, and whistled two up to the centre that its own powers could not solve.
        ...times(3, () => outcome('w-whistler')),
        ...times(2, () => outcome('w-whistler', { resolved: false, resolvedOnTime: false, whistled: true, rating: null })),
        // Resolved four, and sat on one until its limit moved it up.
        ...times(4, () => outcome('a-sitter')),
        outcome('a-sitter', { resolved: false, resolvedOnTime: false, escalatedByTimeout: true, rating: null }),
      ],
      streets,
      policy,
    );
    expect(by(result, 'w-whistler')).toMatchObject({ assigned: 5, held: 3, whistled: 2, resolvedOnTime: 3, onTimeResolutionRate: 1, score: 1, rank: 1, bottom: false });
    expect(by(result, 'a-sitter')).toMatchObject({ held: 5, escalatedByTimeout: 1, onTimeResolutionRate: 0.8, rank: 2, bottom: true });
  });

  it('counts a return of a matter the list gives to the unit against it (shirking), and a legitimate return not at all', () => {
    const communities = [
      { id: 'legit', level: 'community' },
      { id: 'shirker', level: 'community' },
    ];
    const result = rankUnits(
      [
        ...times(4, () => outcome('shirker')),
        // Returned its own matter; it came back and the unit resolved it in time after all.
        outcome('shirker', { returned: true, shirked: true }),
        ...times(4, () => outcome('legit')),
        // Returned a matter that is not its own: not held.
        outcome('legit', { returned: true, resolved: false, resolvedOnTime: false, rating: null }),
      ],
      communities,
      policy,
    );
    expect(by(result, 'shirker')).toMatchObject({ held: 5, resolved: 5, returned: 1, shirked: 1, resolvedOnTime: 4, onTimeResolutionRate: 0.8, bottom: true });
    expect(by(result, 'legit')).toMatchObject({ held: 4, returned: 1, shirked: 0, onTimeResolutionRate: 1, rank: 1 });
  });

  it("scores summoned departments on report-in, the summoning units' cooperation ratings and part resolution, with the policy's weights", () => {
    const departments = [
      { id: 'dept-s', level: 'district' },
      { id: 'dept-t', level: 'district' },
    ];
    const summoned = (unitId: string, over: Partial<UnitOutcome>) =>
      outcome(unitId, { role: 'summoned', respondedOnTime: false, resolved: false, resolvedOnTime: false, rating: null, reportedInOnTime: true, partDone: true, ...over });
    const rows = [
      summoned('dept-s', { cooperation: 5, partResolved: true }),
      summoned('dept-s', { cooperation: 4, partResolved: true }),
      summoned('dept-s', { cooperation: 3, partResolved: false }),
      summoned('dept-s', { reportedInOnTime: false, partDone: false }),
      ...times(2, () => summoned('dept-t', { cooperation: 5, partResolved: true })),
    ];
    const result = rankUnits(rows, departments, policy);
    // report-in 3/4, cooperation mean 4 → (4 − 1) / 4, parts 2/3: (0.3 × 0.75 + 0.35 × 0.75 + 0.35 × 2/3) / 1
    expect(by(result, 'dept-s')).toMatchObject({
      assigned: 0,
      held: 0,
      summoned: 4,
      summonedReportedInOnTime: 3,
      partsDone: 3,
      cooperationRated: 3,
      cooperationAverage: 4,
      partsRated: 3,
      partsResolved: 2,
      responseRate: null,
      reportInRate: 0.75,
      partResolutionRate: 0.666667,
      score: 0.720833,
      ranked: true,
      rank: 2,
      bottom: true,
    });
    expect(by(result, 'dept-t')).toMatchObject({ cooperationAverage: 5, score: 1, rank: 1 });
    // The weights are policy data: with cooperation weighing nothing, dept-s is scored on the other two.
    const reweighted = rankUnits(rows, departments, { ...policy, weights: { ...policy.weights, cooperation: 0 } });
    expect(by(reweighted, 'dept-s').score).toBe(Math.round(((0.3 * 0.75 + 0.35 * (2 / 3)) / 0.65) * 1e6) / 1e6);
  });

  it('lists a unit with cases overdue at the top even without closed cases, unranked', () => {
    const result = rankUnits([outcome('a'), outcome('a')], [{ id: 'a', level: 'community' }, { id: 'b', level: 'community' }], policy, new Map([['b', 2], ['elsewhere', 1]]));
    expect(by(result, 'b')).toMatchObject({ assigned: 0, overdueAtTop: 2, score: null, ranked: false });
    expect(result.map((p) => p.unitId)).toEqual(['a', 'b']);
  });
});

describe('the strikes of a period', () => {
  const performances = rankUnits(
    [...times(3, () => outcome('top')), ...times(3, () => outcome('low', { resolvedOnTime: false })), ...times(3, () => outcome('mid')), outcome('mid', { respondedOnTime: false })],
    ['top', 'low', 'mid', 'late'].map((id) => ({ id, level: 'community' })),
    policy,
    new Map([['low', 1], ['late', 3], ['top', 1]]),
  );

  it('gives at most one strike per unit, for the bottom of its level or for enough cases overdue at the top', () => {
    expect(strikesDue(performances, { overdueStrikeCases: 1 })).toEqual([
      { unitId: 'top', level: 'community', reasons: ['overdue'], overdueCases: 1 },
      { unitId: 'low', level: 'community', reasons: ['bottom', 'overdue'], overdueCases: 1 },
      { unitId: 'late', level: 'community', reasons: ['overdue'], overdueCases: 3 },
    ]);
    expect(strikesDue(performances, { overdueStrikeCases: 2 }).map((s) => s.unitId)).toEqual(['low', 'late']);
    expect(strikesDue(performances, { overdueStrikeCases: 0 })).toEqual([{ unitId: 'low', level: 'community', reasons: ['bottom'], overdueCases: 1 }]);
  });
});
