import { Context } from '@temporalio/activity';
import { and, eq, isNull } from 'drizzle-orm';
import { rankingPolicyInForce } from '../db/case-facts.js';
import { periodPerformances } from '../db/performance.js';
import { caseOutcomes, investigations, rankings, sanctions, strikes, units } from '../db/schema.js';
import { loadUnitChain } from '../db/units.js';
import { periodOf, type SanctionRecord, type Strike, type StrikeRecord } from '../domain/accountability.js';
import { computeDeadline, parseLimit } from '../domain/calendar.js';
import type { UnitOutcome } from '../domain/outcomes.js';
import { DEFAULT_RANKING_POLICY, strikesDue, type StrikeDue } from '../domain/ranking.js';
import type { OutcomeInput } from '../domain/engine/types.js';
import { strikeSignal, UNIT_ACCOUNTABILITY_WORKFLOW_TYPE, unitAccountabilityWorkflowId, type UnitAccountabilityInput } from '../workflows/messages.js';
import { CalendarCache } from './calendar-cache.js';
import type { ActivityDeps } from './deps.js';

/** What the evaluation of a period did, for the evaluation workflow. */
export interface EvaluatePeriodResult {
  districts: string[];
  ranked: number;
  /** The strikes to give: one per unit at most, with the appeal window of the policy that gave them. */
  strikes?: Array<StrikeDue & { districtId: string; appealWindow: string }>;
  /** Results recorded before fair strikes named only the bottom units. */
  bottom?: Array<{ unitId: string; level: string; districtId: string }>;
}

export type SanctionChange =
  | { kind: 'interview-held'; sanctionId: string; at: string; minutes: string }
  | { kind: 'investigation-closed'; sanctionId: string; at: string; finding: string }
  | { kind: 'freeze-lifted'; sanctionId: string; at: string };

/** What a strike's appeal came to, for the read model. */
export type StrikeChange = { kind: 'appealed' | 'voided'; strike: StrikeRecord };

/** Activities of accountability: the outcome ledger, strikes and their appeals, sanctions and the monthly evaluation. */
export function createAccountabilityActivities({ db, outbox, client, logger }: ActivityDeps) {
  const calendar = new CalendarCache(db);

  /** The root of a unit's tree: its district centre, the scope of rankings. */
  const districtOf = async (unitId: string): Promise<string> => {
    const chain = await loadUnitChain(db, unitId);
    return chain?.ancestors.at(-1)?.id ?? unitId;
  };
  /** A unit's name, and who hears about its strikes: the unit and the unit above it (whose supervisors decide appeals). */
  const audience = async (unitId: string): Promise<{ name: string; recipients: string[] }> => {
    const chain = await loadUnitChain(db, unitId);
    return { name: chain?.unit.name ?? unitId, recipients: [unitId, ...(chain?.ancestors[0] ? [chain.ancestors[0].id] : [])] };
  };
  const reasonsOf = (strike: Strike): string =>
    [
      strike.period ? `for ${strike.period}` : null,
      strike.reasons?.includes('bottom') ? 'bottom of its level' : null,
      strike.reasons?.includes('overdue') ? `${strike.overdueCases ?? 0} case(s) overdue at the top` : null,
    ]
      .filter((part) => part !== null)
      .join(', ');
  /** The strike row as the read model keeps it. */
  const strikeRow = (strike: StrikeRecord) => ({
    id: strike.id,
    unitId: strike.unitId,
    source: strike.source,
    caseNo: strike.caseNo ?? null,
    period: strike.period ?? null,
    at: new Date(strike.at),
    window: strike.window,
    number: strike.number,
    status: strike.status ?? 'effective',
    appealUntil: strike.appealUntil ? new Date(strike.appealUntil) : null,
    appealReason: strike.appeal?.reason ?? null,
    appealedAt: strike.appeal ? new Date(strike.appeal.at) : null,
    decidedBy: strike.decision?.by ?? null,
    decidedAt: strike.decision ? new Date(strike.decision.at) : null,
    decisionNote: strike.decision?.note ?? null,
  });

  return {
    /** Records the outcome ledger of a closed case: one row per unit, written once however often this runs. */
    async recordOutcome({ caseNo, closedAt, rows }: OutcomeInput): Promise<void> {
      if (rows.length === 0) return;
      const period = periodOf(closedAt);
      const values = await Promise.all(
        rows.map(async (r: UnitOutcome) => ({ caseNo, period, closedAt: new Date(closedAt), districtId: await districtOf(r.unitId), ...r })),
      );
      await db.insert(caseOutcomes).values(values).onConflictDoNothing();
    },

    /**
     * Delivers a strike to the unit's accountability workflow, starting it if needed (signal-with-start).
     * The workflow counts a strike id once, so retries and duplicates are harmless. Cases started before
     * fair strikes still deliver one when they go overdue at the top: such a case counts into its
     * period's evaluation instead, so nothing is delivered.
     */
    async deliverStrike(strike: Strike): Promise<void> {
      if (strike.source === 'overdue-at-top') {
        logger.info({ unitId: strike.unitId, caseNo: strike.caseNo }, "A case overdue at the top counts into its period's evaluation, not as a strike of its own");
        return;
      }
      const chain = await loadUnitChain(db, strike.unitId);
      const input: UnitAccountabilityInput = { unitId: strike.unitId, ancestors: chain?.ancestors.map((a) => a.id) ?? [] };
      await client.workflow.signalWithStart(UNIT_ACCOUNTABILITY_WORKFLOW_TYPE, {
        workflowId: unitAccountabilityWorkflowId(strike.unitId),
        taskQueue: Context.current().info.taskQueue,
        args: [input],
        signal: strikeSignal,
        signalArgs: [strike],
      });
    },

    /**
     * Opens the appeal window of a strike: its deadline (the window from now, working days on the
     * calendar), the pending strike row, and the notice to the unit and the unit above. The first run
     * fixes the deadline; a retry answers the stored one.
     */
    async openStrikeAppeal({ strike }: { strike: StrikeRecord }): Promise<{ appealUntil: string }> {
      const window = strike.appealWindow ?? (await rankingPolicyInForce(db)).appealWindow;
      let limit;
      try {
        limit = parseLimit(window);
      } catch (error) {
        logger.error({ err: error, appealWindow: window }, 'The appeal window of the ranking policy is not a limit: the default applies');
        limit = parseLimit(DEFAULT_RANKING_POLICY.appealWindow);
      }
      const computed = computeDeadline(new Date(), limit, await calendar.get());
      if (computed.fallbackYears.length > 0) logger.warn({ years: computed.fallbackYears }, 'No holiday calendar for these years: counted Monday–Friday as working days');
      const { name, recipients } = await audience(strike.unitId);
      const appealUntil = await db.transaction(async (tx) => {
        await tx.insert(strikes).values(strikeRow({ ...strike, appealUntil: computed.deadline.toISOString() })).onConflictDoNothing({ target: strikes.id });
        const [row] = await tx.select({ appealUntil: strikes.appealUntil }).from(strikes).where(eq(strikes.id, strike.id));
        if (!row?.appealUntil) throw new Error(`Strike ${strike.id} has no appeal window in the read model`);
        const until = row.appealUntil.toISOString();
        const message = `Strike against ${name} (${reasonsOf(strike)}): it takes effect at ${until} unless the unit appeals before then`;
        await outbox.enqueue({ id: `strike:${strike.id}:pending`, kind: 'sanction', storedKind: 'strike-pending', caseNo: strike.caseNo ?? null, unitIds: recipients, message }, tx);
        return until;
      });
      return { appealUntil };
    },

    /** Mirrors an appeal, or an appeal upheld (the strike void), into the read model, and tells the unit and the unit above. */
    async recordStrikeChange({ kind, strike }: StrikeChange): Promise<void> {
      const { name, recipients } = await audience(strike.unitId);
      const message =
        kind === 'appealed'
          ? `${name} appealed its strike ${strike.id}: a supervisor above it decides before any sanction`
          : `The appeal of ${name} against strike ${strike.id} is upheld: the strike is void`;
      await db.transaction(async (tx) => {
        await tx.update(strikes).set(strikeRow(strike)).where(eq(strikes.id, strike.id));
        await outbox.enqueue({ id: `strike:${strike.id}:${kind}`, kind: 'sanction', storedKind: `strike-${kind}`, caseNo: strike.caseNo ?? null, unitIds: recipients, message }, tx);
      });
    },

    /**
     * Carries out a sanction: the strike row (effective), the sanction (notice published, interview
     * scheduled, or freeze with its inaction investigation), and the notifications to the unit and its
     * superior. Keyed by (unit, window, sanction number): however often this runs, it happens once.
     */
    async applySanction({ strike, sanction }: { strike: StrikeRecord; sanction: SanctionRecord }): Promise<void> {
      const { name, recipients } = await audience(strike.unitId);
      const which = `sanction ${sanction.number} of ${sanction.window}, strike ${strike.id}`;
      const message = {
        notice: `Notice: ${name} is struck (${which})`,
        interview: `Interview: the leaders of ${name} are summoned (${which}) on ${sanction.scheduledFor?.slice(0, 10)}`,
        freeze: `Freeze: personnel matters of ${name} are frozen and an inaction investigation is opened (${which})`,
      }[sanction.kind];
      const notificationId = `sanction:${sanction.id}`;
      await db.transaction(async (tx) => {
        const row = strikeRow(strike);
        await tx.insert(strikes).values(row).onConflictDoUpdate({ target: strikes.id, set: row });
        await tx
          .insert(sanctions)
          .values({
            id: sanction.id,
            unitId: strike.unitId,
            window: sanction.window,
            number: sanction.number,
            kind: sanction.kind,
            strikeId: strike.id,
            status: sanction.status,
            scheduledFor: sanction.scheduledFor ? new Date(sanction.scheduledFor) : null,
          })
          .onConflictDoNothing();
        if (sanction.investigation) {
          await tx.insert(investigations).values({ id: sanction.investigation.id, unitId: strike.unitId, sanctionId: sanction.id, openedAt: new Date(sanction.at) }).onConflictDoNothing();
        }
        await outbox.enqueue({ id: notificationId, kind: 'sanction', storedKind: `sanction-${sanction.kind}`, caseNo: strike.caseNo ?? null, unitIds: recipients, message }, tx);
      });
      outbox.wake();
      logger.info({ unitId: strike.unitId, sanction: sanction.id, kind: sanction.kind }, 'Sanction applied');
    },

    /** Mirrors a supervisor's action on a sanction into the read model. */
    async recordSanctionChange(change: SanctionChange): Promise<void> {
      const at = new Date(change.at);
      if (change.kind === 'interview-held') {
        await db.update(sanctions).set({ status: 'held', heldAt: at, minutes: change.minutes }).where(eq(sanctions.id, change.sanctionId));
      } else if (change.kind === 'investigation-closed') {
        await db.update(investigations).set({ closedAt: at, finding: change.finding }).where(eq(investigations.sanctionId, change.sanctionId));
      } else {
        await db.update(sanctions).set({ status: 'lifted', liftedAt: at }).where(eq(sanctions.id, change.sanctionId));
      }
    },

    /**
     * Ranks the units of each district (or one) for a period from the outcome ledger and the cases that
     * went overdue at the top in it, replacing any earlier ranking of that period, and returns the
     * strikes it gives: at most one per unit, for the bottom of its level or for enough overdue cases.
     */
    async evaluatePeriod({ period, districtId }: { period: string; districtId?: string }): Promise<EvaluatePeriodResult> {
      const policy = await rankingPolicyInForce(db);
      const roots = districtId
        ? [districtId]
        : (await db.select({ id: units.id }).from(units).where(and(eq(units.kind, 'centre'), isNull(units.parentId)))).map((r) => r.id);
      const result: Required<Omit<EvaluatePeriodResult, 'bottom'>> = { districts: roots, ranked: 0, strikes: [] };
      for (const root of roots) {
        const performances = await periodPerformances(db, period, root, policy);
        await db.transaction(async (tx) => {
          await tx.delete(rankings).where(and(eq(rankings.period, period), eq(rankings.districtId, root)));
          if (performances.length > 0) {
            await tx.insert(rankings).values(
              performances.map((p) => ({ period, unitId: p.unitId, districtId: root, level: p.level, performance: { ...p }, score: p.score, ranked: p.ranked, rank: p.rank, bottom: p.bottom, policyVersion: policy.version })),
            );
          }
        });
        result.ranked += performances.filter((p) => p.ranked).length;
        result.strikes.push(...strikesDue(performances, policy).map((due) => ({ ...due, districtId: root, appealWindow: policy.appealWindow })));
      }
      return result;
    },
  };
}
