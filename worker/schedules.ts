import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Logger } from '../infra/logger.js';
import { MONTHLY_EVALUATION_SCHEDULE_ID, MONTHLY_EVALUATION_WORKFLOW_TYPE } from '../workflows/messages.js';

export interface EvaluationScheduleOptions {
  taskQueue: string;
  /** Cron expression, in `timezone`. */
  cron: string;
  timezone: string;
}

/**
 * Creates the monthly evaluation Schedule, or brings an existing one in line with the configuration.
 * Idempotent: every worker start calls it, and there is only ever one Schedule with this id.
 */
export async function ensureEvaluationSchedule(client: Client, { taskQueue, cron, timezone }: EvaluationScheduleOptions, logger: Logger): Promise<void> {
  const spec = { cronExpressions: [cron], timezone };
  const action = { type: 'startWorkflow' as const, workflowType: MONTHLY_EVALUATION_WORKFLOW_TYPE, taskQueue, args: [{}], workflowId: 'monthly-evaluation' };
  // The server turns cron into calendar specs; the note remembers the configuration to compare with.
  const note = `cron=${cron}; timezone=${timezone}; taskQueue=${taskQueue}`;
  try {
    await client.schedule.create({
      scheduleId: MONTHLY_EVALUATION_SCHEDULE_ID,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      state: { note },
    });
    logger.info({ cron, timezone }, 'Created the monthly evaluation schedule');
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    const handle = client.schedule.getHandle(MONTHLY_EVALUATION_SCHEDULE_ID);
    if ((await handle.describe()).state.note === note) return;
    await handle.update((previous) => ({ ...previous, spec, action, state: { ...previous.state, note } }));
    logger.info({ cron, timezone }, 'Updated the monthly evaluation schedule');
  }
}
