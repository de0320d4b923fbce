/**
 * The vocabulary of a case, shared by workflows, activities, the API and tests. Pure types and
 * functions only: this module is imported by deterministic workflow code.
 */

export const URGENCIES = ['urgent', 'normal'] as const;
export type Urgency = (typeof URGENCIES)[number];

/**
 * What a citizen asks for: consultation, help request, complaint, report, suggestion. What each type means for
 * a case (closing at intake, keeping the reporter confidential) is a rule of the process model
 * (`<jiesu:caseType>`, see docs/bpmn.md); cases filed before types existed are complaints.
 */
export const CASE_TYPES = ['consultation', 'help', 'complaint', 'report', 'suggestion'] as const;
export type CaseType = (typeof CASE_TYPES)[number];

/**
 * Who raised a case: a citizen, or a grid worker or a unit that found the problem before anyone complained
 * (self-discovered: no citizen, no evaluation). Cases filed before origins existed are citizen-raised.
 */
export const ORIGINS = ['citizen', 'grid', 'unit'] as const;
export type Origin = (typeof ORIGINS)[number];

/**
 * How the citizen's contact may be shown: `open` to the unit holding the case (and supervisors over it),
 * `confidential` to the hotline only (no unit key ever sees it), `anonymous` when there is none at all.
 */
export const PRIVACY_MODES = ['open', 'confidential', 'anonymous'] as const;
export type Privacy = (typeof PRIVACY_MODES)[number];

export const ROLES = ['intake', 'handler', 'dispatcher', 'supervisor', 'evaluator', 'admin', 'system'] as const;
export type Role = (typeof ROLES)[number];

/** Who did something. `system` is the engine itself (timers, routing). */
export interface Actor {
  role: Role;
  /** Principal id (API key id, portal name, or `timer` / `router` for the system). */
  id: string;
  /** The unit a handler, dispatcher or supervisor acts for. */
  unitId?: string;
  /** The portal an intake key files for. */
  source?: string;
}

/**
 * Personal data of the citizen: encrypted in Temporal, redacted in logs, never in search attributes.
 * Either field may be absent (an Open311 report without a phone, a citizen who gives no name); an
 * absent field is not shown.
 */
export interface Citizen {
  name?: string;
  phone?: string;
}

/** A complaint as an intake portal files it. */
export interface Complaint {
  /** The portal's name (hotline, app, wechat, grid, open311, …). */
  source: string;
  /** The portal's own ticket id; (source, ticketId) identifies the case. */
  ticketId: string;
  title: string;
  description: string;
  category: string;
  urgency: Urgency;
  location: {
    /** The community (or grid) where the matter happens. */
    unitId: string;
    address?: string;
  };
  citizen: Citizen;
  /** The kind of request (absent: a complaint, as every case filed before types existed). */
  type?: CaseType;
  /** Who raised it (absent: a citizen). */
  origin?: Origin;
  /** How the citizen's contact may be shown (absent: open). */
  privacy?: Privacy;
  /** The hotline seat's answer given at intake; a type whose rule closes at intake closes the case with it. */
  answer?: string;
  /** When the citizen called or wrote, as the portal states it (absent: when intake accepted the complaint). */
  receivedAt?: string;
}

/** The case type, origin and privacy of a complaint, with the defaults of cases filed before they existed. */
export function intakeKind(complaint: Complaint): { type: CaseType; origin: Origin; privacy: Privacy } {
  return { type: complaint.type ?? 'complaint', origin: complaint.origin ?? 'citizen', privacy: complaint.privacy ?? 'open' };
}

const SOURCE_NAME = /^[a-z][a-z0-9]{0,31}$/;
const TICKET_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$/;

/** What a portal's name (an intake key's source) must look like: it begins every case number. */
export const SOURCE_NAME_RULE = '1–32 lowercase letters or digits, starting with a letter (no "-", ".", "_")';

/**
 * True when `value` can name a portal. A source never contains the separator, so a case number splits
 * at its first "-" and two (source, ticket) pairs can never make the same case number.
 */
export function isSourceName(value: string): boolean {
  return SOURCE_NAME.test(value);
}

/** True when a portal's ticket id can be part of a case number. */
export function isTicketId(value: string): boolean {
  return TICKET_ID.test(value);
}

/**
 * The case number follows from the portal's own ticket: posting the same ticket twice can only ever
 * reach the same case, without any database sequence on the intake path.
 */
export function caseNoFor(source: string, ticketId: string): string {
  if (!isSourceName(source)) throw new Error(`A source must be ${SOURCE_NAME_RULE} (got "${source}")`);
  if (!isTicketId(ticketId)) throw new Error('A ticket id must be 1–48 characters of letters, digits, ".", "_" or "-"');
  return `${source}-${ticketId}`;
}

/** One step in a case's history. Append-only; `seq` counts from 1 without gaps. */
export interface TimelineEntry {
  seq: number;
  at: string;
  action: string;
  actor: Actor;
  reason?: string;
  fromUnitId?: string;
  toUnitId?: string;
  fromLevel?: string;
  toLevel?: string;
  detail?: Record<string, unknown>;
}

/**
 * Everything the read model and the UI need about a case at one moment. Dates are ISO 8601 strings,
 * since this crosses Temporal payloads.
 */
export interface CaseSnapshot {
  caseNo: string;
  workflowId: string;
  source: string;
  ticketId: string;
  title: string;
  category: string;
  urgency: Urgency;
  status: string;
  /** The community (or grid) where the matter happens. */
  locationUnitId: string;
  /** The process definition the case pinned when it started. */
  processKey: string;
  processVersion: number;
  /** The district (its centre's unit id) the case belongs to, once routed. */
  districtId: string | null;
  /** The level the responsibility list gave the case (null when a dispatcher had to decide). */
  routedLevel: string | null;
  level: string | null;
  unitId: string | null;
  /** The process step the case waits in (a node of the process definition). */
  step: string | null;
  /** The next deadline of the step, if it has one. */
  deadline: string | null;
  warning: boolean;
  overdue: boolean;
  overdueAtTop: boolean;
  escalations: number;
  rating: string | null;
  /** Every unit that has held the case. */
  holders: string[];
  citizen: Citizen;
  description: string;
  /** Sequence number of the newest timeline entry. */
  seq: number;
  receivedAt: string;
  /** Since when the case waits in its current step. */
  stepSince: string;
  closedAt: string | null;
  /** When the case was first resolved (the reply given); the reform's figures count resolution from here. */
  resolvedAt: string | null;
  /** The street whose area the case's location is in, once routed (null outside any street). */
  streetId: string | null;
  /** A community held the case at some point (routed or passed to it). */
  communityHeld: boolean;
  /** The case came to a street or one of its communities (not straight to the centre or a department). */
  streetHandled: boolean;
  /** The case ended at the top level after starting below it (escalated, whistled up, returned up, disputed). */
  reachedTop: boolean;
  /** The highest whistle tier a unit summoned departments with (null: no summons). */
  whistleTier: string | null;
  /** The kind of request. */
  caseType: CaseType;
  /** Who raised it: a citizen, or a grid worker or unit (self-discovered). */
  origin: Origin;
  /** How the citizen's contact may be shown, after the case type's rule (a report is confidential). */
  privacy: Privacy;
  /** Every department summoned to the case: each may read it while it does its part (absent in snapshots of older workers). */
  summoned?: string[];
}
