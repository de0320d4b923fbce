/**
 * The outcome ledger: what each unit did with a case, built entry by entry from its timeline, and handed
 * to accountability when the case closes. Pure functions over plain data; imported by workflows.
 */
import type { TimelineEntry } from './case.js';

/**
 * What one unit did with one closed case. `holder` units were expected to resolve; `co` departments (joint
 * handling at the centre) and `summoned` departments (called to the case by the unit holding it) to report
 * in and do their part.
 */
export interface UnitOutcome {
  unitId: string;
  role: 'holder' | 'co' | 'summoned';
  responded: boolean;
  respondedOnTime: boolean;
  resolved: boolean;
  resolvedOnTime: boolean;
  escalatedByTimeout: boolean;
  returned: boolean;
  /** Departments summoned to joint handling: whether they reported in on time (null for others). */
  reportedInOnTime: boolean | null;
  /** The citizen's rating, on the unit whose reply was rated. */
  rating: string | null;
  /** Left the case by a legitimate whistle up: not a failure of the unit. */
  whistled: boolean;
  /** Returned a matter the responsibility list gives to it (shirking): counts against it. */
  shirked: boolean;
  /** Held the case when it went overdue at the top. */
  overdueAtTop: boolean;
  /** Summoned departments: whether they reported their part done (null for others). */
  partDone: boolean | null;
  /** The summoning unit's rating of a summoned department: cooperation 1–5 and whether it resolved its part. */
  cooperation: number | null;
  partResolved: boolean | null;
}

/**
 * What a case has done to each unit so far: built entry by entry as the timeline grows, so a case need
 * not keep its whole timeline to know its outcome rows (its timeline lives in the read model). Plain
 * data, carried over continue-as-new.
 */
export interface OutcomeLedger {
  rows: UnitOutcome[];
  /** The unit whose reply the citizen rates next. */
  lastResolver: string | null;
}

export const emptyLedger = (): OutcomeLedger => ({ rows: [], lastResolver: null });

/**
 * Adds one timeline entry to the ledger: one row per unit that held the case or was summoned to it.
 * Deterministic: the same entries in the same order always give the same rows.
 */
export function addToLedger(ledger: OutcomeLedger, entry: TimelineEntry): void {
  /** The unit's row; `holder`/`co` when the entry assigns the case to it, `keep` when it only records what the unit did. */
  const row = (unitId: string | undefined, role: UnitOutcome['role'] | 'keep' = 'keep'): UnitOutcome | undefined => {
    if (!unitId) return undefined;
    let existing = ledger.rows.find((r) => r.unitId === unitId);
    if (!existing) {
      existing = {
        unitId,
        role: role === 'keep' ? 'holder' : role,
        responded: false,
        respondedOnTime: false,
        resolved: false,
        resolvedOnTime: false,
        escalatedByTimeout: false,
        returned: false,
        reportedInOnTime: null,
        rating: null,
        whistled: false,
        shirked: false,
        overdueAtTop: false,
        partDone: null,
        cooperation: null,
        partResolved: null,
      };
      ledger.rows.push(existing);
    } else if (role === 'holder') existing.role = 'holder';
    return existing;
  };
  const respond = (unitId: string | undefined, onTime: boolean): void => {
    const r = row(unitId);
    if (!r || r.responded) return;
    r.responded = true;
    r.respondedOnTime = onTime;
  };
  const detail = entry.detail ?? {};
  switch (entry.action) {
    case 'routed':
    case 'sent-to-dispatcher':
    case 'reassigned':
      row(entry.toUnitId, 'holder');
      break;
    case 'escalated':
      if (entry.reason === 'timeout') {
        const from = row(entry.fromUnitId);
        if (from) from.escalatedByTimeout = true;
      }
      row(entry.toUnitId, 'holder');
      break;
    case 'dispatched':
    case 'arbitrated':
      respond(entry.actor.unitId, detail.onTime !== false);
      row(entry.toUnitId, 'holder');
      for (const co of (detail.coDepartments as string[] | undefined) ?? []) row(co, 'co');
      break;
    case 'signed':
      respond(entry.actor.unitId, true);
      break;
    case 'reported-in': {
      const onTime = detail.late !== true;
      respond(entry.actor.unitId, onTime);
      const r = row(entry.actor.unitId);
      if (r) r.reportedInOnTime = onTime;
      break;
    }
    case 'report-in-missed': {
      const r = row(entry.toUnitId);
      if (r) r.reportedInOnTime = false;
      break;
    }
    case 'resolved': {
      const r = row(entry.actor.unitId);
      if (r) {
        r.resolved = true;
        r.resolvedOnTime = detail.onTime !== false;
        ledger.lastResolver = r.unitId;
      }
      break;
    }
    case 'returned': {
      const r = row(entry.actor.unitId);
      if (r) {
        r.returned = true;
        // Returning a matter the responsibility list gives to the unit is shirking (shirking).
        if (detail.listOwner === true) r.shirked = true;
      }
      break;
    }
    case 'whistled':
    case 'disputed': {
      // Whistling up or disputing the duty is the reform's way out, not a failure of the unit.
      const r = row(entry.actor.unitId);
      if (r) r.whistled = true;
      break;
    }
    case 'overdue-at-top': {
      const r = row(detail.strikeUnitId as string | undefined);
      if (r) r.overdueAtTop = true;
      break;
    }
    case 'summoned':
      for (const unitId of (detail.departments as string[] | undefined) ?? []) {
        const r = row(unitId, 'summoned');
        if (r && r.partDone === null) r.partDone = false;
      }
      break;
    case 'part-done': {
      const r = row(entry.actor.unitId);
      if (r) r.partDone = true;
      break;
    }
    case 'department-rated': {
      const r = row(detail.unitId as string | undefined);
      if (r) {
        r.cooperation = typeof detail.cooperation === 'number' ? detail.cooperation : null;
        r.partResolved = typeof detail.partResolved === 'boolean' ? detail.partResolved : null;
      }
      break;
    }
    case 'evaluated': {
      const resolver = ledger.rows.find((r) => r.unitId === ledger.lastResolver);
      if (resolver) resolver.rating = typeof detail.rating === 'string' ? detail.rating : null;
      break;
    }
  }
}

/** The outcome ledger of a whole timeline: one row per unit that held the case or was summoned to it. */
export function caseOutcomes(timeline: TimelineEntry[]): UnitOutcome[] {
  const ledger = emptyLedger();
  for (const entry of timeline) addToLedger(ledger, entry);
  return ledger.rows;
}
