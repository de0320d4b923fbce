import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { countStrike, pruneState, sanctionActionRefusal, strikeWindow, type AccountabilityState, type Strike } from '../domain/accountability.js';
import type { Actor } from '../domain/case.js';
import {
  accountabilityStateQuery,
  closeInvestigationUpdate,
  interviewHeldUpdate,
  liftFreezeUpdate,
  strikeSignal,
  type UnitAccountabilityInput,
} from './messages.js';

/**
 * One short transaction and one notification (its webhook gives up after 10 s). The timeout is also how
 * long a sanction waits when its worker dies mid-activity, so it stays close to the work it bounds.
 */
const { applySanction, recordSanctionChange } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Continue as new well before the history gets long; the state travels in the input. */
const HISTORY_LIMIT = 2_000;

/**
 * One per unit (`unit-accountability-<unit id>`): counts strikes within the window (the calendar year)
 * and applies "one notice, two interviews, three freezes" — each sanction once per (unit, window, strike
 * number), whatever retries, restarts or duplicate deliveries happen. Supervisors record interviews held,
 * close investigations, and lift freezes through updates.
 */
export async function unitAccountabilityWorkflow(input: UnitAccountabilityInput): Promise<void> {
  const state: AccountabilityState = input.state ?? { unitId: input.unitId, strikes: [], sanctions: [] };
  const inbox: Strike[] = [];

  setHandler(strikeSignal, (strike) => {
    inbox.push(strike);
  });
  setHandler(accountabilityStateQuery, () => state);

  const supervisorRefusal = (actor: Actor): string | null =>
    actor.role === 'supervisor' && actor.unitId !== undefined && input.ancestors.includes(actor.unitId)
      ? null
      : `Only a supervisor above ${input.unitId} can act on its sanctions`;
  const validator =
    (action: 'interviewHeld' | 'closeInvestigation' | 'liftFreeze') =>
    ({ actor, sanctionId }: { actor: Actor; sanctionId: string }): void => {
      const permission = supervisorRefusal(actor);
      if (permission) throw ApplicationFailure.create({ type: 'NotPermitted', message: permission, nonRetryable: true });
      const refusal = sanctionActionRefusal(state, action, sanctionId);
      if (refusal) throw ApplicationFailure.create({ type: 'NotAllowedNow', message: refusal, nonRetryable: true });
    };
  const sanction = (id: string) => state.sanctions.find((s) => s.id === id)!;
  const now = (): string => new Date().toISOString();

  setHandler(
    interviewHeldUpdate,
    async ({ sanctionId, minutes }) => {
      const at = now();
      Object.assign(sanction(sanctionId), { status: 'held', heldAt: at });
      await recordSanctionChange({ kind: 'interview-held', sanctionId, at, minutes });
      return state;
    },
    { validator: validator('interviewHeld') },
  );
  setHandler(
    closeInvestigationUpdate,
    async ({ sanctionId, finding }) => {
      const at = now();
      Object.assign(sanction(sanctionId).investigation!, { status: 'closed', closedAt: at });
      await recordSanctionChange({ kind: 'investigation-closed', sanctionId, at, finding });
      return state;
    },
    { validator: validator('closeInvestigation') },
  );
  setHandler(
    liftFreezeUpdate,
    async ({ sanctionId }) => {
      const at = now();
      Object.assign(sanction(sanctionId), { status: 'lifted', liftedAt: at });
      await recordSanctionChange({ kind: 'freeze-lifted', sanctionId, at });
      return state;
    },
    { validator: validator('liftFreeze') },
  );

  for (;;) {
    await condition(() => inbox.length > 0 || workflowInfo().historyLength > HISTORY_LIMIT || workflowInfo().continueAsNewSuggested);
    while (inbox.length > 0) {
      const strike = inbox.shift()!;
      const counted = countStrike(state, strike);
      if (!counted) {
        log.info('Strike already counted', { strikeId: strike.id });
        continue;
      }
      // Counted before the activity runs: a duplicate arriving meanwhile is recognised.
      state.strikes.push(counted.strike);
      state.sanctions.push(counted.sanction);
      await applySanction(counted);
    }
    if (workflowInfo().historyLength > HISTORY_LIMIT || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (inbox.length > 0) continue;
      const keepFrom = strikeWindow(now()) - 1;
      await continueAsNew<typeof unitAccountabilityWorkflow>({ ...input, state: pruneState(state, keepFrom) });
    }
  }
}
