import { Type, type Static } from 'typebox';
import { URGENCIES } from '../domain/case.js';

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
    source: Type.String({ ...casePart, description: 'Intake portal name, e.g. hotline, app, wechat' }),
    ticketId: Type.String({ ...casePart, description: "The portal's own ticket id; the same ticket always yields the same case" }),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.String({ minLength: 1, maxLength: 5000 }),
    category: Type.String({ ...slug, description: 'A category of the responsibility list; unknown ones go to the centre dispatcher' }),
    urgency: Type.Optional(Type.Union(URGENCIES.map((u) => Type.Literal(u)), { default: 'normal' })),
    location: Type.Object(
      {
        unitId: Type.String({ ...casePart, description: 'The community (or grid) where the matter happens' }),
        address: Type.Optional(Type.String({ maxLength: 500 })),
      },
      { additionalProperties: false },
    ),
    citizen: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 100 }),
        phone: Type.String({ pattern: '^\\+?[0-9][0-9 -]{4,19}$' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type ComplaintBody = Static<typeof ComplaintBody>;

export const CaseNoParams = Type.Object({ caseNo: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,96}$', maxLength: 97 }) });

export const CaseLinks = Type.Object({
  self: Type.String(),
  temporalUi: Type.String({ description: 'The case in the Temporal Web UI' }),
});

export const CreatedCase = Type.Object({
  caseNo: Type.String(),
  workflowId: Type.String(),
  links: CaseLinks,
});

export const TimelineEntrySchema = Type.Object({
  seq: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  action: Type.String(),
  actor: Type.Object({ role: Type.String(), id: Type.String(), unitId: Type.Optional(Type.String()) }),
  reason: Type.Optional(Type.String()),
  fromUnitId: Type.Optional(Type.String()),
  toUnitId: Type.Optional(Type.String()),
  fromLevel: Type.Optional(Type.String()),
  toLevel: Type.Optional(Type.String()),
  detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export const CaseViewSchema = Type.Object({
  caseNo: Type.String(),
  workflowId: Type.String(),
  status: Type.String(),
  category: Type.String(),
  urgency: Type.String(),
  title: Type.String(),
  level: Type.Union([Type.String(), Type.Null()]),
  unitId: Type.Union([Type.String(), Type.Null()]),
  receivedAt: Type.String({ format: 'date-time' }),
  timeline: Type.Array(TimelineEntrySchema),
  links: CaseLinks,
});

/** Standard error responses of a route, for the OpenAPI document. */
export const problemResponses = (...statuses: number[]): Record<number, typeof ProblemSchema> =>
  Object.fromEntries(statuses.map((s) => [s, ProblemSchema]));
