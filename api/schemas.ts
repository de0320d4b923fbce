import { Type, type Static } from 'typebox';
import { CASE_TYPES, ORIGINS, PRIVACY_MODES, URGENCIES } from '../domain/case.js';
import { NamesSchema } from './names.js';

const casePart = { pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$', minLength: 1, maxLength: 48 };
const slug = { pattern: '^[a-z0-9][a-z0-9-]{0,63}$' };

/** RFC 9457 problem details. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' },
);

export const ComplaintBody = Type.Object(
  {
    ticketId: Type.String({ ...casePart, description: "The portal's own ticket id; the same ticket always yields the same case" }),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.String({ minLength: 1, maxLength: 5000 }),
    category: Type.String({ ...slug, description: 'A category of the responsibility list; unknown ones go to the centre dispatcher' }),
    urgency: Type.Optional(Type.Enum(URGENCIES, { default: 'normal' })),
    location: Type.Object(
      {
        unitId: Type.String({ ...casePart, description: 'The community (or grid) where the matter happens' }),
        address: Type.Optional(Type.String({ maxLength: 500 })),
      },
      { additionalProperties: false },
    ),
    citizen: Type.Optional(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 100 }),
          phone: Type.String({ pattern: '^\\+?[0-9][0-9 -]{4,19}$' }),
        },
        { additionalProperties: false, description: 'The citizen who raised the case; required for a citizen-raised case unless it is anonymous, absent otherwise' },
      ),
    ),
    type: Type.Optional(Type.Enum(CASE_TYPES, { default: 'complaint', description: 'consultation, help (request), complaint, report or suggestion; what each means is a rule of the process (a consultation answered at intake closes there, a report is confidential)' })),
    origin: Type.Optional(
      Type.Enum(ORIGINS, { default: 'citizen', description: 'Who raised it: a citizen, or a grid worker or a unit that found it (self-discovered: no citizen, no evaluation)' }),
    ),
    privacy: Type.Optional(
      Type.Enum(PRIVACY_MODES, {
        default: 'open',
        description: "open: the contact is shown to the unit holding the case; confidential: to the hotline only; anonymous: there is no contact (no citizen)",
      }),
    ),
    answer: Type.Optional(
      Type.String({ minLength: 1, maxLength: 5000, description: "The hotline seat's answer given at intake; a type whose rule closes at intake (consultation) closes the case with it" }),
    ),
    receivedAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'When the citizen called or wrote, if not now: not in the future, at most RECEIVED_AT_MAX_DAYS days back; deadlines and figures count from it',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ComplaintBody = Static<typeof ComplaintBody>;

/** The citizen's contact data; a field the citizen did not give is absent. */
export const Citizen = Type.Object({ name: Type.Optional(Type.String()), phone: Type.Optional(Type.String()) });

export const CaseNoParams = Type.Object({ caseNo: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,96}$', maxLength: 97 }) });

export const CaseLinks = Type.Object({
  self: Type.String(),
  timeline: Type.String(),
  temporalUi: Type.String({ description: 'The case in the Temporal Web UI' }),
});

export const CreatedCase = Type.Object({
  caseNo: Type.String(),
  workflowId: Type.String(),
  links: CaseLinks,
});

/** Who did something: a role, a key (or `timer`, `router`, a portal) and the unit it acts for. */
export const ActorSchema = Type.Object({ role: Type.String(), id: Type.String(), unitId: Type.Optional(Type.String()) });

export const TimelineEntrySchema = Type.Object({
  seq: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  action: Type.String(),
  actor: ActorSchema,
  reason: Type.Optional(Type.String()),
  fromUnitId: Type.Optional(Type.String()),
  toUnitId: Type.Optional(Type.String()),
  fromLevel: Type.Optional(Type.String()),
  toLevel: Type.Optional(Type.String()),
  detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const ReportInSchema = Type.Object({ unitId: Type.String(), at: Nullable(Type.String()), late: Type.Boolean() });

export const TaskSchema = Type.Object({
  node: Type.String({ description: 'The process step (a node of the process definition)' }),
  name: Type.String(),
  task: Type.String(),
  level: Nullable(Type.String()),
  unitId: Nullable(Type.String()),
  since: Type.String({ format: 'date-time' }),
  deadline: Nullable(Type.String({ format: 'date-time' })),
  signed: Type.Boolean(),
  warned: Type.Boolean(),
  overdue: Type.Boolean(),
  extensions: Type.Integer(),
  pendingExtension: Nullable(Type.Object({ reason: Type.String(), extendBy: Type.String(), at: Type.String() })),
  reportIns: Type.Array(ReportInSchema),
  reportInDeadline: Nullable(Type.String({ format: 'date-time' })),
  staged: Nullable(
    Type.Object(
      { done: Type.String(), plan: Type.String(), followUpAt: Type.String({ format: 'date-time' }), at: Type.String({ format: 'date-time' }) },
      { description: 'Staged completion: what was done, the plan, and when the case comes back (its limit rests meanwhile)' },
    ),
  ),
});

export const SummonsSchema = Type.Object(
  {
    n: Type.Integer({ description: 'Its number on the case, from 1' }),
    by: Type.String({ description: 'The summoning unit (it keeps the case)' }),
    byLevel: Type.String(),
    tier: Type.String({ description: 'The whistle tier' }),
    note: Type.String(),
    at: Type.String({ format: 'date-time' }),
    open: Type.Boolean(),
    reportInDeadline: Nullable(Type.String({ format: 'date-time' })),
    departments: Type.Array(
      Type.Object({
        unitId: Type.String(),
        reportedAt: Nullable(Type.String({ format: 'date-time' })),
        late: Type.Boolean(),
        doneAt: Nullable(Type.String({ format: 'date-time' })),
        rated: Type.Boolean(),
      }),
    ),
  },
  { description: 'Departments a unit holding the case summoned to it' },
);

export const SupervisionOrderSchema = Type.Object(
  {
    n: Type.Integer({ description: 'Its number on the case, from 1' }),
    by: Type.String({ description: 'The issuing unit' }),
    to: Type.String({ description: 'The unit it is addressed to' }),
    note: Type.String(),
    limit: Type.String(),
    at: Type.String({ format: 'date-time' }),
    deadline: Nullable(Type.String({ format: 'date-time' })),
    warned: Type.Boolean(),
    feedback: Nullable(
      Type.Object({ text: Type.String(), at: Type.String({ format: 'date-time' }), by: ActorSchema, onTime: Type.Boolean() }),
    ),
    missed: Type.Boolean(),
    open: Type.Boolean(),
  },
  { description: 'A supervision order: its own deadline and a required written answer' },
);

export const CaseViewSchema = Type.Object(
  {
    caseNo: Type.String(),
    workflowId: Type.String(),
    source: Type.String(),
    ticketId: Type.String(),
    title: Type.String(),
    description: Type.String(),
    category: Type.String(),
    urgency: Type.String(),
    status: Type.String(),
    outcome: Nullable(Type.String()),
    routedLevel: Nullable(Type.String()),
    districtId: Nullable(Type.String()),
    locationUnitId: Type.String(),
    processKey: Type.String(),
    processVersion: Type.Integer(),
    level: Nullable(Type.String()),
    unitId: Nullable(Type.String({ description: 'The unit holding the case (the lead department at the centre)' })),
    lead: Nullable(Type.String()),
    coDepartments: Type.Array(Type.String()),
    step: Nullable(Type.String()),
    deadline: Nullable(Type.String({ format: 'date-time' })),
    warning: Type.Boolean(),
    overdue: Type.Boolean(),
    overdueAtTop: Type.Boolean(),
    escalations: Type.Integer(),
    returns: Type.Integer(),
    reopens: Type.Integer(),
    rating: Nullable(Type.String()),
    citizen: Citizen,
    holders: Type.Array(Type.String()),
    process: Type.Object({ key: Type.String(), version: Type.Integer() }),
    receivedAt: Type.String({ format: 'date-time' }),
    stepSince: Type.String({ format: 'date-time' }),
    closedAt: Nullable(Type.String({ format: 'date-time' })),
    resolvedAt: Nullable(Type.String({ format: 'date-time', description: 'When the case was first resolved (the reply given)' })),
    streetId: Nullable(Type.String({ description: "The street whose area the case's location is in" })),
    communityHeld: Type.Boolean({ description: 'A community held the case at some point' }),
    streetHandled: Type.Boolean({ description: 'The case came to a street or one of its communities' }),
    reachedTop: Type.Boolean({ description: 'The case ended at the top level after starting below it' }),
    whistleTier: Nullable(Type.String({ description: 'The highest whistle tier departments were summoned with' })),
    deadlineCalendar: Type.Optional(Type.Array(
      Type.Object({
        year: Type.Integer(),
        source: Type.String({ description: 'chinese-days (the package), admin (loaded through PUT /v1/calendar/:year) or weekdays (no calendar: Monday–Friday counted)' }),
        updatedAt: Nullable(Type.String({ format: 'date-time', description: 'When that year was last set; a year set after the step began did not count in its deadline' })),
      }),
      { description: 'GET of a case: the working-day calendar of each year its current deadline counts through (empty without a deadline)' },
    )),
    caseType: Type.Enum(CASE_TYPES, { description: 'The kind of request' }),
    origin: Type.Enum(ORIGINS, { description: 'Who raised it: a citizen, or a grid worker or unit (self-discovered)' }),
    privacy: Type.Enum(PRIVACY_MODES, { description: "How the citizen's contact may be shown, after the case type's rule (a report is confidential)" }),
    tasks: Type.Array(TaskSchema),
    allowedActions: Type.Record(Type.String(), Type.Array(Type.String())),
    notes: Type.Object(
      { comments: Type.Integer(), urges: Type.Integer(), maxComments: Type.Integer(), maxUrges: Type.Integer() },
      { description: "Comments and urges posted so far, and the most the case's process takes" },
    ),
    incident: Nullable(
      Type.Object(
        { reason: Type.String(), retryAt: Nullable(Type.String({ format: 'date-time' })) },
        { description: 'Why the case cannot move on by itself (e.g. routing found no district centre), and when it tries again' },
      ),
    ),
    summons: Type.Array(SummonsSchema),
    difficult: Nullable(
      Type.Object(
        {
          status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('denied')]),
          reason: Type.String(),
          limit: Type.String({ description: 'The limit applied for; once approved, the one granted' }),
          appliedBy: ActorSchema,
          at: Type.String({ format: 'date-time' }),
          decidedAt: Nullable(Type.String({ format: 'date-time' })),
        },
        { description: 'Difficult status: the application for a longer limit and the centre\'s decision' },
      ),
    ),
    orders: Type.Array(SupervisionOrderSchema),
    seq: Type.Integer({ description: 'How many entries the whole timeline has' }),
    timeline: Type.Array(TimelineEntrySchema, { description: 'The newest entries (at most 50); the whole timeline is at links.timeline' }),
    links: CaseLinks,
    names: NamesSchema,
  },
  { $id: 'Case' },
);

const Csv = Type.String({ description: 'RFC 4180 CSV' });
/** A 200 answer in JSON, or CSV when asked for (`?format=csv` or `Accept: text/csv`). */
export const jsonOrCsv = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => ({ content: { 'application/json': { schema }, 'text/csv': { schema: Csv } } });

/** Standard error responses of a route, for the OpenAPI document. */
export const problemResponses = (...statuses: number[]): Record<number, typeof ProblemSchema> =>
  Object.fromEntries(statuses.map((s) => [s, ProblemSchema]));
