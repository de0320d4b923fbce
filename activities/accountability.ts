import { Context } from '@temporalio/activity';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { rankingPolicyInForce } from '../db/case-facts.js';
import { caseOutcomes, investigations, rankings, sanctions, strikes, units } from '../db/schema.js';
import { loadUnitChain } from '../db/units.js';
import { periodOf, rankUnits, type SanctionRecord, type Strike, type StrikeRecord } from '../domain/accountability.js';
import type { UnitOutcome } from '../domain/outcomes.js';
import type { OutcomeInput } from '../domain/engine/types.js';
import { strikeSignal, UNIT_ACCOUNTABILITY_WORKFLOW_TYPE, unitAccountabilityWorkflowId, type UnitAccountabilityInput } from '../workflows/messages.js';
import type { ActivityDeps } from './deps.js';

/** What the ranking of a period did, for the evaluation workflow. */
export interface EvaluatePeriodResult {
  districts: string[];
  ranked: number;
  bottom: Array<{ unitId: string; level: string; districtId: string }>;
}

export type SanctionChange =
  | { kind: 'interview-held'; sanctionId: string; at: string; minutes: string }
  | { kind: 'investigation-closed'; sanctionId: string; at: string; finding: string }
  | { kind: 'freeze-lifted'; sanctionId: string; at: string };

/** Activities of accountability: the outcome ledger, strikes, sanctions and the monthly ranking. */
export function createAccountabilityActivities({ db, outbox, client, logger }: ActivityDeps) {
  /** The root of a unit's tree: its district centre, the scope of rankings. */
  const districtOf = async (unitId: string): Promise<string> => {
    const chain = await loadUnitChain(db, unitId);
    return chain?.ancestors.at(-1)?.id ?? unitId;
  };


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
     * The workflow counts a strike id once, so retries and duplicates are harmless.
     */
    async deliverStrike(strike: Strike): Promise<void> {
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
     * Carries out a sanction: the strike row, the sanction (notice published, interview scheduled, or
     * freeze with its inaction investigation), and the notifications to the unit and its superior. Keyed
     * by (unit, window, strike number): however often this runs, it happens once.
     */
    async applySanction({ strike, sanction }: { strike: StrikeRecord; sanction: SanctionRecord }): Promise<void> {
      const chain = await loadUnitChain(db, strike.unitId);
      const recipients = [strike.unitId, ...(chain?.ancestors[0] ? [chain.ancestors[0].id] : [])];
      const message = {
        notice: `Notice: ${chain?.unit.name ?? strike.unitId} received strike ${strike.number} of ${strike.window} (${strike.source})`,
        interview: `Interview: the leaders of ${chain?.unit.name ?? strike.unitId} are summoned (strike ${strike.number} of ${strike.window}) on ${sanction.scheduledFor?.slice(0, 10)}`,
        freeze: `Freeze: personnel matters of ${chain?.unit.name ?? strike.unitId} are frozen and an inaction investigation is opened (strike ${strike.number} of ${strike.window})`,
      }[sanction.kind];
      const notificationId = `sanction:${sanction.id}`;
      await db.transaction(async (tx) => {
        await tx
          .insert(strikes)
          .values({ id: strike.id, unitId: strike.unitId, source: strike.source, caseNo: strike.caseNo ?? null, period: strike.period ?? null, at: new Date(strike.at), window: strike.window, number: strike.number })
          .onConflictDoNothing();
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
     * Ranks the units of each district (or one) for a period from the outcome ledger, replacing any
     * earlier ranking of that period, and returns the bottom units that get a strike.
     */
    async evaluatePeriod({ period, districtId }: { period: string; districtId?: string }): Promise<EvaluatePeriodResult> {
      const policy = await rankingPolicyInForce(db);
      const roots = districtId
        ? [districtId]
        : (await db.select({ id: units.id }).from(units).where(and(eq(units.kind, 'centre'), sql`${units.parentId} IS NULL`))).map((r) => r.id);
      const result: EvaluatePeriodResult = { districts: roots, ranked: 0, bottom: [] };
      for (const root of roots) {
        const outcomeRows = await db.select().from(caseOutcomes).where(and(eq(caseOutcomes.period, period), eq(caseOutcomes.districtId, root)));
        const unitIds = [...new Set(outcomeRows.map((o) => o.unitId))];
        const unitRows = unitIds.length === 0 ? [] : await db.select({ id: units.id, level: units.level, kind: units.kind }).from(units).where(inArray(units.id, unitIds));
        // The centre dispatches and judges; it is not ranked against the departments it summons.
        const rankable = unitRows.filter((u) => u.kind !== 'centre');
        const performances = rankUnits(
          outcomeRows.map((o) => ({ ...o, role: o.role as UnitOutcome['role'] })),
          rankable,
          policy,
        );
        await db.transaction(async (tx) => {
          await tx.delete(rankings).where(and(eq(rankings.period, period), eq(rankings.districtId, root)));
          if (performances.length > 0) {
            await tx.insert(rankings).values(
              performances.map((p) => ({ period, unitId: p.unitId, districtId: root, level: p.level, performance: { ...p }, score: p.score, ranked: p.ranked, rank: p.rank, bottom: p.bottom, policyVersion: policy.version })),
            );
          }
        });
        result.ranked += performances.filter((p) => p.ranked).length;
        result.bottom.push(...performances.filter((p) => p.bottom).map((p) => ({ unitId: p.unitId, level: p.level, districtId: root })));
      }
      return result;
    },
  };
}
