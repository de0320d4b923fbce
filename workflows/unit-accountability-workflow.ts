import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import {
  appealRefusal,
  countStrike,
  decisionRefusal,
  lapsedStrikes,
  nextAppealClose,
  pruneState,
  receiveStrike,
  sanctionActionRefusal,
  sanctionOnEffect,
  strikeWindow,
  type AccountabilityState,
  type Strike,
  type StrikeRecord,
} from '../domain/accountability.js';
import type { Actor } from '../domain/case.js';
import {
  REFUSALS,
  accountabilityStateQuery,
  appealStrikeUpdate,
  closeInvestigationUpdate,
  decideStrikeAppealUpdate,
  interviewHeldUpdate,
  liftFreezeUpdate,
  strikeSignal,
  type UnitAccountabilityInput,
} from './messages.js';

/**
 * One short transaction and one notification (its webhook gives up after 10 s). The timeout is also how
 * long a sanction waits when its worker dies mid-activity, so it stays close to the work it bounds.
 */
const { applySanction, openStrikeAppeal, recordSanctionChange, recordStrikeChange } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Continue as new well before the history gets long; the state travels in the input. */
const HISTORY_LIMIT = 2_000;

/** Strikes wait out an appeal window before their sanction (runs recorded before take the old path). */
const FAIR_STRIKES_PATCH = 'fair-strikes';

const refuse = (type: string, message: string): never => {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
};

/**
 * One per unit (`unit-accountability-<unit id>`): receives strikes, gives the unit an appeal window on
 * each (the unit appeals with a reason, a supervisor above it decides), and applies "one notice, two
 * interviews, three freezes" to the strikes that take effect, counted within the window (the calendar
 * year) — each sanction once per (unit, window, sanction number), whatever retries, restarts or duplicate
 * deliveries happen. Supervisors record interviews held, close investigations, and lift freezes through
 * updates.
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
      : `Only a supervisor above ${input.unitId} can act on its strikes and sanctions`;
  const validator =
    (action: 'interviewHeld' | 'closeInvestigation' | 'liftFreeze') =>
    ({ actor, sanctionId }: { actor: Actor; sanctionId: string }): void => {
      const permission = supervisorRefusal(actor);
      if (permission) refuse(REFUSALS.notPermitted, permission);
      const refusal = sanctionActionRefusal(state, action, sanctionId);
      if (refusal) refuse(REFUSALS.notAllowedNow, refusal);
    };
  const sanction = (id: string) => state.sanctions.find((s) => s.id === id)!;
  const strike = (id: string) => state.strikes.find((s) => s.id === id)!;
  const now = (): string => new Date().toISOString();

  /** A strike takes effect: its sanction is decided here, before the activity, so it is decided once. */
  const takeEffect = async (record: StrikeRecord): Promise<void> => {
    const given = sanctionOnEffect(state, record, now());
    Object.assign(record, { status: 'effective', sanctionId: given.id });
    state.sanctions.push(given);
    await applySanction({ strike: record, sanction: given });
  };

  setHandler(
    appealStrikeUpdate,
    async ({ actor, strikeId, reason }) => {
      const record = strike(strikeId);
      Object.assign(record, { status: 'appealed', appeal: { reason: reason.trim(), at: now(), by: actor.id } });
      await recordStrikeChange({ kind: 'appealed', strike: record });
      return record;
    },
    {
      validator: ({ actor, strikeId, reason }) => {
        const ofTheUnit = (actor.role === 'handler' || actor.role === 'supervisor') && actor.unitId === input.unitId;
        if (!ofTheUnit) refuse(REFUSALS.notPermitted, `Only ${input.unitId} itself (its handlers or supervisors) can appeal its strikes`);
        const refusal = appealRefusal(state, strikeId, now());
        if (refusal) refuse(REFUSALS.notAllowedNow, refusal);
        if (typeof reason !== 'string' || reason.trim() === '') refuse(REFUSALS.invalidInput, 'An appeal needs a reason');
      },
    },
  );
  setHandler(
    decideStrikeAppealUpdate,
    async ({ actor, strikeId, upheld, note }) => {
      const record = strike(strikeId);
      record.decision = { upheld, note: note.trim(), at: now(), by: actor.id };
      if (upheld) {
        record.status = 'voided';
        await recordStrikeChange({ kind: 'voided', strike: record });
      } else {
        await takeEffect(record);
      }
      return record;
    },
    {
      validator: ({ actor, strikeId, upheld, note }) => {
        const permission = supervisorRefusal(actor);
        if (permission) refuse(REFUSALS.notPermitted, permission);
        const refusal = decisionRefusal(state, strikeId);
        if (refusal) refuse(REFUSALS.notAllowedNow, refusal);
        if (typeof upheld !== 'boolean' || typeof note !== 'string' || note.trim() === '') refuse(REFUSALS.invalidInput, 'A decision says whether the appeal is upheld, with a note');
      },
    },
  );

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

  const rollingOver = (): boolean => workflowInfo().historyLength > HISTORY_LIMIT || workflowInfo().continueAsNewSuggested;
  const ready = (): boolean => inbox.length > 0 || lapsedStrikes(state, now()).length > 0 || rollingOver();
  for (;;) {
    // The timer runs only while an appeal window is open: a unit without pending strikes just waits.
    const close = nextAppealClose(state);
    if (close === null) await condition(ready);
    else if (!ready()) await condition(ready, Math.max(close - Date.now(), 1));
    while (inbox.length > 0) {
      const arrived = inbox.shift()!;
      if (!patched(FAIR_STRIKES_PATCH)) {
        const counted = countStrike(state, arrived);
        if (!counted) {
          log.info('Strike already counted', { strikeId: arrived.id });
          continue;
        }
        // Counted before the activity runs: a duplicate arriving meanwhile is recognised.
        state.strikes.push(counted.strike);
        state.sanctions.push(counted.sanction);
        await applySanction(counted);
        continue;
      }
      const received = receiveStrike(state, arrived);
      if ('ignored' in received) {
        log.info('Strike not counted', { strikeId: arrived.id, why: received.ignored });
        continue;
      }
      // Received before the activity runs: a duplicate arriving meanwhile is recognised.
      state.strikes.push(received.record);
      const { appealUntil } = await openStrikeAppeal({ strike: received.record });
      received.record.appealUntil = appealUntil;
    }
    for (const lapsed of lapsedStrikes(state, now())) if (lapsed.status === 'pending') await takeEffect(lapsed);
    if (rollingOver()) {
      await condition(allHandlersFinished);
      if (inbox.length > 0) continue;
      const keepFrom = strikeWindow(now()) - 1;
      await continueAsNew<typeof unitAccountabilityWorkflow>({ ...input, state: pruneState(state, keepFrom) });
    }
  }
}
