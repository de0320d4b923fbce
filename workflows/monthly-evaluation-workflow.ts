import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { periodOf, periodStart, previousPeriod } from '../domain/accountability.js';
import type { MonthlyEvaluationInput, MonthlyEvaluationResult } from './messages.js';

const { evaluatePeriod, deliverStrike } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * The monthly evaluation: ranks every district's units for a period (by default the month before the
 * run, which the Schedule starts on the 1st) and strikes, at most once each, the units at the bottom of
 * their level and those with enough cases overdue at the top. Each strike then waits out its appeal
 * window in the unit's workflow. Strike ids are `ranking:<period>:<unit>`, so running the same period
 * again changes nothing.
 */
export async function monthlyEvaluationWorkflow(input: MonthlyEvaluationInput = {}): Promise<MonthlyEvaluationResult> {
  const period = input.period ?? previousPeriod(periodOf(workflowInfo().startTime.toISOString()));
  const result = await evaluatePeriod({ period, ...(input.districtId ? { districtId: input.districtId } : {}) });
  // A run recorded before fair strikes got only the bottom units back: replaying it strikes the same units.
  const due = result.strikes ?? (result.bottom ?? []).map((b) => ({ ...b, reasons: ['bottom' as const], overdueCases: 0, appealWindow: undefined }));
  const strikes: string[] = [];
  for (const { unitId, reasons, overdueCases, appealWindow } of due) {
    const id = `ranking:${period}:${unitId}`;
    await deliverStrike({ id, unitId, source: 'ranking', period, at: periodStart(period), reasons, overdueCases, ...(appealWindow ? { appealWindow } : {}) });
    strikes.push(id);
  }
  return { period, districts: result.districts, ranked: result.ranked, strikes };
}
