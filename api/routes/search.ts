import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type, type Static } from 'typebox';
import type { Principal } from '../../db/api-keys.js';
import { CASE_SORTS, caseStatistics, countCases, listCases, type CaseListFilters, type CaseScope } from '../../db/case-queries.js';
import { computeFigures } from '../../db/figures.js';
import type { CaseRow } from '../../db/schema.js';
import { parseLimit } from '../../domain/calendar.js';
import { CASE_TYPES, ORIGINS, type CaseType, type Origin } from '../../domain/case.js';
import type { RouteDeps } from '../deps.js';
import { PeriodQuery, periodRange, resolveArea } from '../area.js';
import { principalOf } from '../auth.js';
import { caseLinks, maskCitizen } from '../cases.js';
import { toCsv, wantsCsv } from '../csv.js';
import { NameBook, NamesSchema, namesIn } from '../names.js';
import { HttpProblem } from '../problem.js';
import { Citizen, jsonOrCsv, problemResponses } from '../schemas.js';
import type { UnitDirectory } from '../units.js';
import { FiguresSchema } from './figures.js';

const everyone = ['intake', 'handler', 'dispatcher', 'supervisor', 'evaluator', 'admin'] as const;
const security = [{ apiKey: [] }];
const slug = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' });
const dateTime = Type.String({ format: 'date-time' });
const format = Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'csv for a CSV export (or send Accept: text/csv)' }));

const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.String({ pattern: '^[a-z-]+(,[a-z-]+)*$', description: 'One or more statuses, comma-separated' })),
    level: Type.Optional(slug),
    unitId: Type.Optional(slug),
    summoned: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'Cases this department was summoned to' })),
    category: Type.Optional(slug),
    urgency: Type.Optional(Type.Union([Type.Literal('urgent'), Type.Literal('normal')])),
    caseType: Type.Optional(Type.Enum(CASE_TYPES, { description: 'Only cases of this type' })),
    origin: Type.Optional(Type.Enum(ORIGINS, { description: 'citizen for citizen-raised cases; grid or unit for self-discovered ones' })),
    overdue: Type.Optional(Type.Boolean()),
    warning: Type.Optional(Type.Boolean()),
    open: Type.Optional(Type.Boolean()),
    createdFrom: Type.Optional(dateTime),
    createdTo: Type.Optional(dateTime),
    deadlineBefore: Type.Optional(dateTime),
    // PostgreSQL text holds no NUL: control characters are refused here, not failed on in the query.
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f]+$', description: 'Free text in the title' })),
    step: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,80}$', description: 'A process step (node id)' })),
    processKey: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' })),
    sort: Type.Optional(Type.Enum(CASE_SORTS, { default: '-created' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 300 })),
    format,
  },
  { additionalProperties: false },
);

const CaseSummary = Type.Object({
  caseNo: Type.String(),
  source: Type.String(),
  status: Type.String(),
  level: Type.Union([Type.String(), Type.Null()]),
  unitId: Type.Union([Type.String(), Type.Null()]),
  step: Type.Union([Type.String(), Type.Null()]),
  category: Type.String(),
  urgency: Type.String(),
  title: Type.String(),
  deadline: Type.Union([Type.String(), Type.Null()]),
  warning: Type.Boolean(),
  overdue: Type.Boolean(),
  overdueAtTop: Type.Boolean(),
  escalations: Type.Integer(),
  rating: Type.Union([Type.String(), Type.Null()]),
  caseType: Type.Enum(CASE_TYPES),
  origin: Type.Enum(ORIGINS, { description: 'Who raised it: a citizen, or a grid worker or unit (self-discovered)' }),
  citizen: Type.Object(Citizen.properties, { description: 'Masked in lists; empty for a confidential or anonymous case' }),
  receivedAt: Type.String(),
  stepSince: Type.String(),
  resolvedAt: Type.Union([Type.String(), Type.Null()], { description: 'When the case was first resolved (the reply given)' }),
  closedAt: Type.Union([Type.String(), Type.Null()]),
  whistleTier: Type.Union([Type.String(), Type.Null()], { description: 'The highest whistle tier departments were summoned with' }),
  links: Type.Object({ self: Type.String(), timeline: Type.String(), temporalUi: Type.String() }),
});
const CaseList = Type.Object({ items: Type.Array(CaseSummary), nextCursor: Type.Union([Type.String(), Type.Null()]), names: NamesSchema });

/** Which cases a principal may list (as `canRead`): handlers what their unit has held or was summoned to, supervisors and dispatchers their area's, portals their own. */
export function scopeOf(principal: Principal, units: UnitDirectory): CaseScope {
  switch (principal.role) {
    case 'admin':
    case 'evaluator':
      return { kind: 'all' };
    case 'intake':
      return { kind: 'source', source: principal.source ?? '' };
    case 'handler':
      return { kind: 'read', unitIds: principal.unitId ? [principal.unitId] : [] };
    case 'dispatcher':
    case 'supervisor':
      return { kind: 'read', unitIds: principal.unitId ? units.subtree(principal.unitId) : [] };
  }
}

const csvColumns = (book: NameBook): Array<[string, (r: Static<typeof CaseSummary>) => unknown]> => [
  ['case_no', (r) => r.caseNo],
  ['status', (r) => r.status],
  ['level', (r) => r.level],
  ['unit', (r) => r.unitId],
  ['unit_name', (r) => book.unit(r.unitId)],
  ['category', (r) => r.category],
  ['category_name', (r) => book.category(r.category)],
  ['urgency', (r) => r.urgency],
  ['case_type', (r) => r.caseType],
  ['origin', (r) => r.origin],
  ['title', (r) => r.title],
  ['received_at', (r) => r.receivedAt],
  ['deadline', (r) => r.deadline],
  ['warning', (r) => r.warning],
  ['overdue', (r) => r.overdue],
  ['escalations', (r) => r.escalations],
  ['rating', (r) => r.rating],
  ['resolved_at', (r) => r.resolvedAt],
  ['closed_at', (r) => r.closedAt],
];

/** The list filters a query string asks for. */
function filtersOf(query: Omit<Static<typeof ListQuery>, 'sort' | 'limit' | 'cursor' | 'format'>): CaseListFilters {
  return {
    ...(query.status ? { status: query.status.split(',') } : {}),
    ...(query.level ? { level: query.level } : {}),
    ...(query.unitId ? { unitId: query.unitId } : {}),
    ...(query.summoned ? { summonedUnitId: query.summoned } : {}),
    ...(query.category ? { category: query.category } : {}),
    ...(query.urgency ? { urgency: query.urgency } : {}),
    ...(query.caseType ? { caseType: query.caseType } : {}),
    ...(query.origin ? { origin: query.origin } : {}),
    ...(query.overdue !== undefined ? { overdue: query.overdue } : {}),
    ...(query.warning !== undefined ? { warning: query.warning } : {}),
    ...(query.open !== undefined ? { open: query.open } : {}),
    ...(query.createdFrom ? { createdFrom: new Date(query.createdFrom) } : {}),
    ...(query.createdTo ? { createdTo: new Date(query.createdTo) } : {}),
    ...(query.deadlineBefore ? { deadlineBefore: new Date(query.deadlineBefore) } : {}),
    ...(query.q ? { q: query.q } : {}),
    ...(query.step ? { step: query.step } : {}),
    ...(query.processKey ? { processKey: query.processKey } : {}),
  };
}

/** Lists, the "stuck" list and statistics, from the read model; every one also as CSV. */
export const searchRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { database, units, categories, config }) => {
  const summary = (row: CaseRow): Static<typeof CaseSummary> => ({
    caseNo: row.caseNo,
    source: row.source,
    status: row.status,
    level: row.level,
    unitId: row.unitId,
    step: row.step,
    category: row.category,
    urgency: row.urgency,
    title: row.title,
    deadline: row.deadline?.toISOString() ?? null,
    warning: row.warning,
    overdue: row.overdue,
    overdueAtTop: row.overdueAtTop,
    escalations: row.escalations,
    rating: row.rating,
    caseType: row.caseType as CaseType,
    origin: row.origin as Origin,
    // A confidential reporter's contact never appears in a list, not even masked.
    citizen: row.privacy === 'open' ? maskCitizen({ ...(row.citizenName !== null ? { name: row.citizenName } : {}), ...(row.citizenPhone !== null ? { phone: row.citizenPhone } : {}) }) : {},
    receivedAt: row.receivedAt.toISOString(),
    stepSince: row.stepSince.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    closedAt: row.closedAt?.toISOString() ?? null,
    whistleTier: row.whistleTier,
    links: caseLinks(config, row.caseNo),
  });

  async function list(principal: Principal, query: Static<typeof ListQuery>, extra: CaseListFilters, reply: FastifyReply, accept: string | undefined) {
    const filters: CaseListFilters = { ...filtersOf(query), ...extra };
    let page;
    try {
      page = await listCases(database.db, filters, scopeOf(principal, units), { sort: query.sort ?? '-created', limit: query.limit ?? 50, ...(query.cursor ? { cursor: query.cursor } : {}) });
    } catch (error) {
      if (error instanceof RangeError) throw new HttpProblem(400, 'validation', 'Invalid request', 'The cursor is not one this API issued', { errors: [{ field: 'querystring/cursor', message: 'is invalid' }] });
      throw error;
    }
    const items = page.rows.map(summary);
    if (wantsCsv(query.format, accept)) {
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="cases.csv"').send(toCsv(csvColumns(new NameBook({ units, categories })), items));
    }
    return reply.send({ items, nextCursor: page.nextCursor, names: namesIn(items, { units, categories }) });
  }

  app.get(
    '/v1/complaints',
    {
      config: { roles: everyone },
      schema: {
        tags: ['search'],
        summary: 'Search cases: filters, sort by creation or deadline, cursor pagination, CSV export',
        security,
        querystring: ListQuery,
        response: { 200: jsonOrCsv(CaseList), ...problemResponses(400, 401) },
      },
    },
    async (request, reply) => list(principalOf(request), request.query, {}, reply, request.headers.accept),
  );

  app.get(
    '/v1/complaints/counts',
    {
      config: { roles: everyone },
      schema: {
        tags: ['search'],
        summary: 'How many cases match the list filters: in all, in warning (not yet overdue), and overdue',
        security,
        querystring: Type.Omit(ListQuery, ['sort', 'limit', 'cursor', 'format']),
        response: { 200: Type.Object({ total: Type.Integer(), warning: Type.Integer(), overdue: Type.Integer() }), ...problemResponses(400, 401) },
      },
    },
    async (request) => countCases(database.db, filtersOf(request.query), scopeOf(principalOf(request), units)),
  );

  app.get(
    '/v1/complaints/stuck',
    {
      config: { roles: ['dispatcher', 'supervisor', 'admin'] },
      schema: {
        tags: ['search'],
        summary: 'Open cases waiting in the same step for longer than a given time, even if not yet overdue; longest-waiting first',
        security,
        querystring: Type.Intersect([
          Type.Object({ waitingLongerThan: Type.String({ default: 'PT4H', maxLength: 40, description: 'An ISO 8601 duration, e.g. PT4H' }) }),
          Type.Omit(ListQuery, ['sort', 'open']),
        ]),
        response: { 200: jsonOrCsv(CaseList), ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      let ms: number;
      try {
        const limit = parseLimit(request.query.waitingLongerThan);
        if (limit.kind !== 'duration') throw new Error('a wall-clock ISO 8601 duration is needed');
        ms = limit.ms;
      } catch (error) {
        throw new HttpProblem(400, 'validation', 'Invalid request', `waitingLongerThan: ${(error as Error).message}`, { errors: [{ field: 'querystring/waitingLongerThan', message: 'is not an ISO 8601 duration' }] });
      }
      const { waitingLongerThan: _waiting, ...query } = request.query;
      return list(principalOf(request), { ...query, sort: 'waiting' as const }, { waitingSince: new Date(Date.now() - ms) }, reply, request.headers.accept);
    },
  );

  const count = Type.Integer();
  const ratio = (figure: string) => Type.Union([Type.Number(), Type.Null()], { description: `figures.${figure}.rate, kept for older clients` });
  const Statistics = Type.Object({
    scope: Type.String(),
    from: Type.String(),
    to: Type.String(),
    total: Type.Integer({ description: 'Every case received, cancelled duplicates included' }),
    byStatus: Type.Array(Type.Object({ status: Type.String(), cases: count })),
    byLevel: Type.Array(Type.Object({ level: Type.String(), cases: count })),
    resolvedByLevel: Type.Array(Type.Object({ level: Type.String(), cases: count, withoutEscalation: count })),
    averageHandlingHours: Type.Union([Type.Number(), Type.Null()]),
    figures: FiguresSchema,
    communityShare: ratio('communityShare'),
    sameDayResolutionRate: ratio('sameDayResolution'),
    onTimeResponseRate: ratio('response'),
    onTimeResolutionRate: ratio('onTime'),
    satisfactionRate: ratio('satisfaction'),
    names: NamesSchema,
  });
  app.get(
    '/v1/statistics',
    {
      config: { roles: ['dispatcher', 'supervisor', 'admin'] },
      schema: {
        tags: ['search'],
        summary: 'Statistics of the cases received in a period within a scope (a district centre, street or unit): counts, and the reform\'s figures as /v1/figures computes them',
        security,
        querystring: Type.Object({ scope: Type.Optional(slug), ...PeriodQuery, format }, { additionalProperties: false }),
        response: { 200: jsonOrCsv(Statistics), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { query } = request;
      const scope = query.scope ?? principal.unitId ?? units.all().find((u) => u.kind === 'centre' && u.parentId === null)?.id;
      if (!scope) throw new HttpProblem(404, 'not-found', 'Not found', 'No unit (none given)');
      const area = resolveArea(principal, units, { scope });
      const { from, to } = periodRange(query);
      const where = { from, to, scope: area.scope, ...(area.districtId ? { districtId: area.districtId } : {}) };
      const [stats, { total: figures }] = await Promise.all([caseStatistics(database.db, where), computeFigures(database.db, where)]);
      const body = {
        scope,
        ...stats,
        figures,
        communityShare: figures.communityShare.rate,
        sameDayResolutionRate: figures.sameDayResolution.rate,
        onTimeResponseRate: figures.response.rate,
        onTimeResolutionRate: figures.onTime.rate,
        satisfactionRate: figures.satisfaction.rate,
      };
      if (wantsCsv(query.format, request.headers.accept)) {
        const rows: Array<[string, string, unknown]> = [
          ['total', '', body.total],
          ...body.byStatus.map((s): [string, string, unknown] => ['status', s.status, s.cases]),
          ...body.byLevel.map((s): [string, string, unknown] => ['level', s.level, s.cases]),
          ...body.resolvedByLevel.map((s): [string, string, unknown] => ['resolved_at_level', s.level, s.cases]),
          ...body.resolvedByLevel.map((s): [string, string, unknown] => ['resolved_without_escalation', s.level, s.withoutEscalation]),
          ['received', '', figures.received],
          ['community_share', '', body.communityShare],
          ['same_day_resolution_rate', '', body.sameDayResolutionRate],
          ['on_time_response_rate', '', body.onTimeResponseRate],
          ['on_time_resolution_rate', '', body.onTimeResolutionRate],
          ['satisfaction_rate', '', body.satisfactionRate],
          ['average_handling_hours', '', body.averageHandlingHours],
        ];
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="statistics-${scope}.csv"`)
          .send(toCsv<[string, string, unknown]>([['metric', (r) => r[0]], ['key', (r) => r[1]], ['value', (r) => r[2]]], rows));
      }
      return reply.send({ ...body, names: namesIn(body, { units, categories }) });
    },
  );
};
