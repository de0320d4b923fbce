import { sql } from 'drizzle-orm';
import type { ProcessDefinition } from '../domain/process/definition.js';
import type { UnitArea } from '../domain/units.js';
import { bigint, boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, type AnyPgColumn } from 'drizzle-orm/pg-core';

/** Units as a tree by `parent_id`: the district centre at the root, departments and streets below, communities below streets. */
export const units = pgTable(
  'units',
  {
    id: text('id').primaryKey(),
    /** The display name people read (Chinese in the sample district); `id` stays English. */
    name: text('name').notNull(),
    /** The name in English, for the English interface. */
    nameEn: text('name_en'),
    /** Process level: community, street, district (centre and departments); a model may add more (grid). */
    level: text('level').notNull(),
    /** What the unit is: centre, department, street, community, grid. */
    kind: text('kind').notNull(),
    parentId: text('parent_id').references((): AnyPgColumn => units.id),
    active: boolean('active').notNull().default(true),
    /** The area the unit covers (communities and grids), so a reported point can be placed in it. */
    area: jsonb('area').$type<UnitArea>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('units_parent_idx').on(t.parentId)],
);
export type Unit = typeof units.$inferSelect;
export type NewUnit = typeof units.$inferInsert;

/** A published version of the responsibility list; the highest version is in force. */
export const responsibilityLists = pgTable('responsibility_lists', {
  version: integer('version').primaryKey(),
  note: text('note').notNull(),
  publishedAt: timestamp('published_at', { withTimezone: true }).notNull().defaultNow(),
});

/** One matter (category) of a responsibility list and the level (and, for district matters, department) that owns it. */
export const responsibilityItems = pgTable(
  'responsibility_items',
  {
    listVersion: integer('list_version')
      .notNull()
      .references(() => responsibilityLists.version),
    category: text('category').notNull(),
    /** The display name people read (Chinese in the sample district); `category` stays English. */
    name: text('name').notNull(),
    nameEn: text('name_en'),
    level: text('level').notNull(),
    departmentId: text('department_id').references(() => units.id),
    /** Departments that join the lead department on every case of this matter (a ruling may add them). */
    coDepartmentIds: text('co_department_ids').array().notNull().default(sql`'{}'::text[]`),
  },
  (t) => [primaryKey({ columns: [t.listVersion, t.category] })],
);
export type ResponsibilityItem = typeof responsibilityItems.$inferSelect;

/** The read model of a case: one row per complaint, rewritten on every transition (newer `seq` wins). */
export const cases = pgTable(
  'cases',
  {
    caseNo: text('case_no').primaryKey(),
    workflowId: text('workflow_id').notNull().unique(),
    source: text('source').notNull(),
    ticketId: text('ticket_id').notNull(),
    title: text('title').notNull(),
    category: text('category').notNull(),
    urgency: text('urgency').notNull(),
    status: text('status').notNull(),
    locationUnitId: text('location_unit_id').notNull().default(''),
    processKey: text('process_key').notNull().default('complaint'),
    processVersion: integer('process_version').notNull().default(1),
    districtId: text('district_id'),
    routedLevel: text('routed_level'),
    level: text('level'),
    unitId: text('unit_id'),
    step: text('step'),
    deadline: timestamp('deadline', { withTimezone: true }),
    warning: boolean('warning').notNull().default(false),
    overdue: boolean('overdue').notNull().default(false),
    overdueAtTop: boolean('overdue_at_top').notNull().default(false),
    escalations: integer('escalations').notNull().default(0),
    rating: text('rating'),
    /** When the case was first resolved (the reply given); figures count resolution from here, not from closing. */
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    /** The street whose area the case's location is in (null outside any street). */
    streetId: text('street_id'),
    /** A community held the case at some point (routed or passed to it). */
    communityHeld: boolean('community_held').notNull().default(false),
    /** The case came to a street or its communities (not straight to the centre or a department). */
    streetHandled: boolean('street_handled').notNull().default(false),
    /** The case ended at the top level after starting below it. */
    reachedTop: boolean('reached_top').notNull().default(false),
    /** The highest whistle tier a unit summoned departments with (null: no summons). */
    whistleTier: text('whistle_tier'),
    /** The kind of request: consultation, help, complaint, report or suggestion. */
    caseType: text('case_type').notNull().default('complaint'),
    /** Who raised it: a citizen, or a grid worker or unit (self-discovered). */
    origin: text('origin').notNull().default('citizen'),
    /** How the citizen's contact may be shown: open, confidential (the hotline only) or anonymous (none). */
    privacy: text('privacy').notNull().default('open'),
    /** Every unit that has held the case: handlers read the cases their unit has held. */
    holders: text('holders').array().notNull().default(sql`'{}'::text[]`),
    /** Every department summoned to the case: they read it too, while they do their part. */
    summoned: text('summoned').array().notNull().default(sql`'{}'::text[]`),
    citizenName: text('citizen_name'),
    citizenPhone: text('citizen_phone'),
    description: text('description'),
    /** Sequence number of the newest timeline entry reflected in this row. */
    seq: integer('seq').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    stepSince: timestamp('step_since', { withTimezone: true }).notNull(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [
    index('cases_status_deadline_idx').on(t.status, t.deadline),
    index('cases_unit_status_idx').on(t.unitId, t.status),
    index('cases_received_idx').on(t.receivedAt, t.caseNo),
    index('cases_deadline_sort_idx').on(sql`coalesce(${t.deadline}, 'infinity'::timestamptz)`, t.caseNo),
    index('cases_district_received_idx').on(t.districtId, t.receivedAt),
    index('cases_source_received_idx').on(t.source, t.receivedAt),
    index('cases_step_since_idx').on(t.stepSince).where(sql`${t.closedAt} IS NULL`),
    index('cases_closed_idx').on(t.districtId, t.closedAt),
    index('cases_process_step_idx').on(t.processKey, t.step).where(sql`${t.closedAt} IS NULL`),
    index('cases_holders_idx').using('gin', t.holders),
    index('cases_summoned_idx').using('gin', t.summoned),
    index('cases_title_trgm_idx').using('gin', sql`${t.title} gin_trgm_ops`),
    index('cases_street_received_idx').on(t.streetId, t.receivedAt),
    index('cases_category_received_idx').on(t.category, t.receivedAt),
    index('cases_origin_received_idx').on(t.origin, t.receivedAt),
  ],
);
export type CaseRow = typeof cases.$inferSelect;
export type NewCaseRow = typeof cases.$inferInsert;

/** Append-only timeline: who did what, when and why. Keyed by workflow and sequence, so replays never duplicate. */
export const caseTimeline = pgTable(
  'case_timeline',
  {
    workflowId: text('workflow_id').notNull(),
    seq: integer('seq').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    action: text('action').notNull(),
    actorRole: text('actor_role').notNull(),
    actorId: text('actor_id'),
    actorUnitId: text('actor_unit_id'),
    reason: text('reason'),
    fromUnitId: text('from_unit_id'),
    toUnitId: text('to_unit_id'),
    fromLevel: text('from_level'),
    toLevel: text('to_level'),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
  },
  (t) => [
    primaryKey({ columns: [t.workflowId, t.seq] }),
    // Supervision orders are listed per issuing unit, newest first.
    index('case_timeline_orders_idx').on(t.actorUnitId, t.at).where(sql`${t.action} = 'order-issued'`),
  ],
);
export type TimelineRow = typeof caseTimeline.$inferSelect;

/** Deployed process definitions; a case pins (key, version) when it starts. */
export const processDefinitions = pgTable(
  'process_definitions',
  {
    key: text('key').notNull(),
    version: integer('version').notNull(),
    name: text('name').notNull(),
    /** `builtin` (written in TypeScript) or `bpmn` (compiled from `source`). */
    format: text('format').notNull(),
    source: text('source'),
    definition: jsonb('definition').$type<ProcessDefinition>().notNull(),
    deployedAt: timestamp('deployed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.key, t.version] })],
);
export type ProcessDefinitionRow = typeof processDefinitions.$inferSelect;

/** The working-day calendar per year: official holidays and make-up working days. Admins add a year when its notice is published. */
export const calendarYears = pgTable('calendar_years', {
  year: integer('year').primaryKey(),
  holidays: jsonb('holidays').$type<string[]>().notNull(),
  workdays: jsonb('workdays').$type<string[]>().notNull(),
  source: text('source').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Strikes against units, counted per window (calendar year); the id makes a strike count once however often it is delivered. */
export const strikes = pgTable(
  'strikes',
  {
    id: text('id').primaryKey(),
    unitId: text('unit_id').notNull(),
    source: text('source').notNull(),
    caseNo: text('case_no'),
    period: text('period'),
    at: timestamp('at', { withTimezone: true }).notNull(),
    window: integer('window').notNull(),
    number: integer('number').notNull(),
    /** `pending` (appeal window open), `appealed`, `effective` (sanction applied), `voided` (appeal upheld). */
    status: text('status').notNull().default('effective'),
    /** Until when the unit may appeal (null for strikes made before appeals existed). */
    appealUntil: timestamp('appeal_until', { withTimezone: true }),
    appealReason: text('appeal_reason'),
    appealedAt: timestamp('appealed_at', { withTimezone: true }),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decisionNote: text('decision_note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('strikes_unit_window_number_idx').on(t.unitId, t.window, t.number)],
);

/** One sanction per strike: notice, interview or freeze. Its id is (unit, window, strike number), so it happens once. */
export const sanctions = pgTable(
  'sanctions',
  {
    id: text('id').primaryKey(),
    unitId: text('unit_id').notNull(),
    window: integer('window').notNull(),
    number: integer('number').notNull(),
    kind: text('kind').notNull(),
    strikeId: text('strike_id').notNull(),
    /** notice: published; interview: scheduled → held; freeze: active → lifted. */
    status: text('status').notNull(),
    scheduledFor: timestamp('scheduled_for', { withTimezone: true }),
    heldAt: timestamp('held_at', { withTimezone: true }),
    minutes: text('minutes'),
    liftedAt: timestamp('lifted_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('sanctions_unit_idx').on(t.unitId)],
);

/** Inaction investigations opened with a freeze; the freeze lifts only after its investigation is closed with a finding. */
export const investigations = pgTable('investigations', {
  id: text('id').primaryKey(),
  unitId: text('unit_id').notNull(),
  sanctionId: text('sanction_id').notNull(),
  openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
  closedAt: timestamp('closed_at', { withTimezone: true }),
  finding: text('finding'),
});

/** The outcome ledger: what each unit did with each closed case. Written once per (case, unit), idempotently. */
export const caseOutcomes = pgTable(
  'case_outcomes',
  {
    caseNo: text('case_no').notNull(),
    unitId: text('unit_id').notNull(),
    districtId: text('district_id').notNull(),
    period: text('period').notNull(),
    closedAt: timestamp('closed_at', { withTimezone: true }).notNull(),
    role: text('role').notNull(),
    responded: boolean('responded').notNull(),
    respondedOnTime: boolean('responded_on_time').notNull(),
    resolved: boolean('resolved').notNull(),
    resolvedOnTime: boolean('resolved_on_time').notNull(),
    escalatedByTimeout: boolean('escalated_by_timeout').notNull(),
    returned: boolean('returned').notNull(),
    reportedInOnTime: boolean('reported_in_on_time'),
    rating: text('rating'),
    /** Left the case by a legitimate whistle (not a failure of the unit). */
    whistled: boolean('whistled').notNull().default(false),
    /** Returned a matter the list gives to it (shirking): counts against it. */
    shirked: boolean('shirked').notNull().default(false),
    /** Held the case when it went overdue at the top. */
    overdueAtTop: boolean('overdue_at_top').notNull().default(false),
    /** Summoned departments: did their part, and the summoning unit's rating (cooperation 1–5, part resolved). */
    partDone: boolean('part_done'),
    cooperation: integer('cooperation'),
    partResolved: boolean('part_resolved'),
    /** Supervision orders addressed to the unit on the case: issued, answered by their deadline, warned of, missed. */
    ordersIssued: integer('orders_issued').notNull().default(0),
    ordersAnsweredOnTime: integer('orders_answered_on_time').notNull().default(0),
    ordersWarned: integer('orders_warned').notNull().default(0),
    ordersMissed: integer('orders_missed').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.caseNo, t.unitId] }), index('case_outcomes_period_idx').on(t.period, t.districtId)],
);

/** Versions of the ranking policy: weights, minimum cases to be ranked, strikes per level. The newest applies. */
export const rankingPolicies = pgTable('ranking_policies', {
  version: integer('version').primaryKey(),
  weights: jsonb('weights').$type<{ response: number; resolution: number; satisfaction: number } & Record<string, number>>().notNull(),
  minCases: integer('min_cases').notNull(),
  bottomPerLevel: integer('bottom_per_level').notNull(),
  /** How long a unit may appeal a strike before its sanction takes effect (ISO 8601 duration or working days). */
  appealWindow: text('appeal_window').notNull().default('5 working days'),
  /** Cases overdue at the top in a period that give a unit a strike of their own (at most one per unit and period). */
  overdueStrikeCases: integer('overdue_strike_cases').notNull().default(1),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** The monthly ranking: rates, score and rank per unit and period, as last evaluated. */
export const rankings = pgTable(
  'rankings',
  {
    period: text('period').notNull(),
    unitId: text('unit_id').notNull(),
    districtId: text('district_id').notNull(),
    level: text('level').notNull(),
    performance: jsonb('performance').$type<Record<string, unknown>>().notNull(),
    score: doublePrecision('score'),
    ranked: boolean('ranked').notNull(),
    rank: integer('rank'),
    bottom: boolean('bottom').notNull(),
    policyVersion: integer('policy_version').notNull(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.period, t.unitId] }), index('rankings_district_idx').on(t.period, t.districtId, t.level)],
);

/**
 * The notification outbox: every notification, keyed by its id so a retried activity records it once, and
 * delivered from here by the workers of its task queue (`queue`) with bounded retries, so a dead receiver
 * never holds a case open. Delivered, or given up on (`failed_at`) after the configured attempts.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    caseNo: text('case_no'),
    unitIds: jsonb('unit_ids').$type<string[]>().notNull(),
    message: text('message').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    /** The task queue whose workers deliver it. */
    queue: text('queue').notNull().default(''),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
    failedAt: timestamp('failed_at', { withTimezone: true }),
  },
  (t) => [
    index('notifications_case_idx').on(t.caseNo),
    index('notifications_due_idx').on(t.queue, t.nextAttemptAt).where(sql`${t.deliveredAt} IS NULL AND ${t.failedAt} IS NULL`),
  ],
);

/** API keys: only a SHA-256 hash of the secret is stored; the key is shown once, when created. */
export const apiKeys = pgTable('api_keys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  role: text('role').notNull(),
  /** The unit a handler, dispatcher or supervisor acts for. */
  unitId: text('unit_id').references(() => units.id),
  /** The portal name an intake key files complaints as. */
  source: text('source'),
  secretHash: text('secret_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});
export type ApiKeyRow = typeof apiKeys.$inferSelect;

/**
 * Browser sessions opened with an API key (the Temporal UI's codec, the workbench): the cookie carries a
 * random token, only its SHA-256 hash is stored, and a session ends at `expires_at` or when revoked (logout,
 * or its key revoked). Shared by every API process.
 */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    keyId: text('key_id')
      .notNull()
      .references(() => apiKeys.id),
    /** What the session is for: `codec` (the Temporal UI) or `workbench`. */
    purpose: text('purpose').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('sessions_key_idx').on(t.keyId)],
);
export type SessionRow = typeof sessions.$inferSelect;

/** Who read or did something sensitive outside a case's own timeline (decoding payloads, sessions): append-only. */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    keyId: text('key_id'),
    action: text('action').notNull(),
    /** What it was done to: a case number, a workflow id, a session. */
    subject: text('subject'),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
  },
  (t) => [index('audit_events_at_idx').on(t.at), index('audit_events_subject_idx').on(t.subject)],
);

/**
 * Arbitration rulings: who owns a disputed matter — a level, or a lead department with
 * co-departments. Each is a proposed change to the responsibility list that an admin publishes as its next
 * version (or dismisses); written when the ruling's timeline entry reaches the read model.
 */
export const arbitrationRulings = pgTable(
  'arbitration_rulings',
  {
    /** The ruling's timeline entry: `<workflow id>:<seq>`. */
    id: text('id').primaryKey(),
    caseNo: text('case_no').notNull(),
    category: text('category').notNull(),
    /** The owning level the ruling names (a department's matter: the top level). */
    level: text('level').notNull(),
    leadUnitId: text('lead_unit_id').notNull(),
    coUnitIds: text('co_unit_ids').array().notNull().default(sql`'{}'::text[]`),
    ruling: text('ruling').notNull(),
    ruledBy: text('ruled_by').notNull(),
    ruledAt: timestamp('ruled_at', { withTimezone: true }).notNull(),
    /** `proposed`, `published` (as `listVersion`) or `dismissed`. */
    status: text('status').notNull().default('proposed'),
    listVersion: integer('list_version'),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
  },
  (t) => [index('arbitration_rulings_status_idx').on(t.status, t.ruledAt), index('arbitration_rulings_case_idx').on(t.caseNo)],
);

/**
 * Which process model a new case runs, as data: by portal (`source`), by category, or both; the most
 * specific rule wins (source and category, then category, then source), else the `complaint` process.
 */
export const processRules = pgTable(
  'process_rules',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    source: text('source'),
    category: text('category'),
    processKey: text('process_key').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('process_rules_scope_idx').on(sql`coalesce(${t.source}, '')`, sql`coalesce(${t.category}, '')`)],
);

/** What-if simulations run through the API (`POST /v1/simulations`): the request and the report, kept so the report can be fetched again. */
export const simulations = pgTable(
  'simulations',
  {
    id: text('id').primaryKey(),
    districtId: text('district_id').notNull(),
    createdBy: text('created_by').notNull(),
    request: jsonb('request').$type<Record<string, unknown>>().notNull(),
    report: jsonb('report').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('simulations_district_idx').on(t.districtId, t.createdAt)],
);
