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
 * run, which the Schedule starts on the 1st) and strikes the bottom units of each level. Strike ids are
 * `ranking:<period>:<unit>`, so running the same period again changes nothing.
 */
export async function monthlyEvaluationWorkflow(input: MonthlyEvaluationInput = {}): Promise<MonthlyEvaluationResult> {
  const period = input.period ?? previousPeriod(periodOf(workflowInfo().startTime.toISOString()));
  const result = await evaluatePeriod({ period, ...(input.districtId ? { districtId: input.districtId } : {}) });
  const strikes: string[] = [];
  for (const bottom of result.bottom) {
    const id = `ranking:${period}:${bottom.unitId}`;
    await deliverStrike({ id, unitId: bottom.unitId, source: 'ranking', period, at: periodStart(period) });
    strikes.push(id);
  }
  return { period, districts: result.districts, ranked: result.ranked, strikes };
}
