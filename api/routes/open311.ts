/**
 * Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) as a facade over Jiesu's intake and read
 * model: a service is a category of the responsibility list in force, a service request is a case.
 * Every resource answers JSON or XML by its extension, and errors come in the spec's own format.
 */
import { createHash } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { and, desc, eq, gte, inArray, like, lte, not, or, type SQL } from 'drizzle-orm';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { PrincipalRole } from '../../db/api-keys.js';
import { scopeCondition } from '../../db/case-queries.js';
import { cases, responsibilityItems, responsibilityLists, type CaseRow } from '../../db/schema.js';
import type { RouteDeps } from '../app.js';
import { presentedKey, principalOf } from '../auth.js';
import { fileComplaint } from '../cases.js';
import { backendUnavailable, HttpProblem } from '../problem.js';
import { scopeOf } from './search.js';

type Format = 'json' | 'xml';

const MAX_RESULTS = 1000;
const DEFAULT_SPAN_MS = 90 * 86_400_000;
const CATALOGUE_TTL_MS = 10_000;
const TITLE_LENGTH = 60;

/** An answer in the spec's error format: `[{ code, description }]` or `<errors><error>…`. */
class Open311Error extends Error {
  constructor(
    readonly status: number,
    description: string,
  ) {
    super(description);
    this.name = 'Open311Error';
  }
}

// ------------------------------------------------------------------ XML

type XmlValue = string | number | boolean | null | XmlValue[] | { [key: string]: XmlValue };

/** Element names of list items, as in the spec's examples. */
const ITEM_ELEMENTS: Record<string, string> = { services: 'service', service_requests: 'request', errors: 'error', attributes: 'attribute' };
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
// XML 1.0 cannot carry most control characters or unpaired surrogates at all, escaped or not.
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const escapeXml = (text: string): string => text.replace(XML_INVALID, '\ufffd').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);

function toXml(name: string, value: XmlValue): string {
  if (value === null) return `<${name}/>`;
  if (Array.isArray(value)) return `<${name}>${value.map((v) => toXml(ITEM_ELEMENTS[name] ?? 'item', v)).join('')}</${name}>`;
  if (typeof value === 'object') return `<${name}>${Object.entries(value).map(([k, v]) => toXml(k, v)).join('')}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function send(reply: FastifyReply, format: Format, status: number, root: string, body: XmlValue): FastifyReply {
  if (format === 'xml') return reply.status(status).type('text/xml; charset=utf-8').send(`<?xml version="1.0" encoding="utf-8"?>${toXml(root, body)}`);
  return reply.status(status).type('application/json; charset=utf-8').send(body);
}

const sendErrors = (reply: FastifyReply, format: Format, status: number, description: string): FastifyReply =>
  send(reply, format, status, 'errors', [{ code: status, description }]);

/** The format a request asked for: its `format` parameter, else the extension of its path (for unknown routes). */
function formatOf(request: FastifyRequest): Format {
  const param = (request.params as { format?: unknown } | undefined)?.format;
  if (param === 'xml' || param === 'json') return param;
  return request.url.split('?')[0]!.endsWith('.xml') ? 'xml' : 'json';
}

// ------------------------------------------------------------------ errors

function validationMessage(error: FastifyError): string {
  const messages = (error.validation ?? []).map((v) => {
    const missing = (v.params as { missingProperty?: unknown }).missingProperty;
    if (v.keyword === 'required' && typeof missing === 'string') return `${missing} was not provided`;
    const field = v.instancePath.replace(/^\//, '').replace(/\//g, '.') || error.validationContext || 'request';
    return `${field} ${v.message ?? 'is invalid'}`;
  });
  return messages.join('; ') || error.message;
}

/** Status and description of any error raised in this scope. */
function describeError(error: FastifyError | Error, request: FastifyRequest): { status: number; description: string } {
  if (error instanceof Open311Error || error instanceof HttpProblem) return { status: error.status, description: error.message };
  if ('validation' in error && error.validation) return { status: 400, description: validationMessage(error) };
  if ('statusCode' in error && typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, description: error.message };
  }
  if (backendUnavailable(error)) {
    request.log.warn({ err: error }, 'A backing service is unavailable');
    return { status: 503, description: 'A backing service is briefly unavailable; retry shortly' };
  }
  request.log.error({ err: error }, 'Open311 request failed');
  return { status: 500, description: 'The request failed on our side; it has been logged' };
}

// ------------------------------------------------------------------ schemas

const FormatParam = Type.Enum(['json', 'xml'] as const, { description: 'The answer format, by the resource extension' });
const code = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'A service_code (a category of the responsibility list)' });
const nullableString = () => Type.Union([Type.String(), Type.Null()]);

const Errors = Type.Array(Type.Object({ code: Type.Integer(), description: Type.String() }), { description: "Errors in the spec's format (XML: <errors><error>…)" });
const Xml = Type.String({ description: 'The same answer as XML, with the element names of the spec' });
/** A 200 answer in JSON or, by the `.xml` extension, XML. */
const jsonOrXml = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => ({ content: { 'application/json': { schema }, 'text/xml': { schema: Xml } } });
const errorResponses = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, { content: { 'application/json': { schema: Errors }, 'text/xml': { schema: Xml } } }]));

const ServiceSchema = Type.Object({
  service_code: Type.String(),
  service_name: Type.String(),
  description: Type.String(),
  metadata: Type.Boolean({ description: 'Always false: no service needs extra attributes' }),
  type: Type.String({ description: 'Always realtime: a request is a case at once' }),
  keywords: Type.String(),
  group: Type.String({ description: 'The level that owns the matter: community, street or district' }),
});
const ServiceDefinitionSchema = Type.Object({ service_code: Type.String(), attributes: Type.Array(Type.Object({}), { maxItems: 0 }) });
const CreatedSchema = Type.Array(Type.Object({ service_request_id: Type.String(), service_notice: Type.String(), account_id: Type.Null() }));
const ServiceRequestSchema = Type.Object({
  service_request_id: Type.String({ description: 'The case number' }),
  status: Type.Enum(['open', 'closed'] as const),
  status_notes: Type.String({ description: 'The Jiesu status of the case' }),
  service_name: Type.String(),
  service_code: Type.String(),
  description: Type.String({ description: "The case title (never the citizen's own text)" }),
  agency_responsible: nullableString(),
  service_notice: Type.Null(),
  requested_datetime: Type.String({ format: 'date-time' }),
  updated_datetime: Type.String({ format: 'date-time' }),
  expected_datetime: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'The current deadline' }),
  address: nullableString(),
  address_id: nullableString(),
  zipcode: Type.Null(),
  lat: Type.Null(),
  long: Type.Null(),
  media_url: Type.Null(),
});
const ServiceRequestsSchema = Type.Array(ServiceRequestSchema);

const apiKeyDescription = 'An API key (jsk_…); or send it as Authorization: Bearer …';
const PostBody = Type.Object(
  {
    api_key: Type.Optional(Type.String({ maxLength: 200, description: `An intake key. ${apiKeyDescription}` })),
    service_code: code,
    jurisdiction_id: Type.Optional(Type.String({ maxLength: 64, description: 'The district (its centre unit id); must cover address_id' })),
    address_id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$', description: 'The community (or grid) unit id where the matter happens' }),
    address_string: Type.Optional(Type.String({ maxLength: 500 })),
    lat: Type.Optional(Type.String({ pattern: '^-?\\d{1,2}(\\.\\d{1,12})?$' })),
    long: Type.Optional(Type.String({ pattern: '^-?\\d{1,3}(\\.\\d{1,12})?$' })),
    description: Type.String({ minLength: 1, maxLength: 4000, pattern: '\\S' }),
    first_name: Type.Optional(Type.String({ maxLength: 50 })),
    last_name: Type.Optional(Type.String({ maxLength: 50 })),
    phone: Type.String({ pattern: '^\\+?[0-9][0-9 -]{4,19}$', description: 'Required by Jiesu: the unit calls the citizen back' }),
    email: Type.Optional(Type.String({ maxLength: 200 })),
    device_id: Type.Optional(Type.String({ maxLength: 200 })),
    account_id: Type.Optional(Type.String({ maxLength: 200 })),
    media_url: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  // The spec's attribute[…] fields are accepted and ignored: no Jiesu service defines attributes.
  { additionalProperties: true },
);
const ReadQuery = { api_key: Type.Optional(Type.String({ maxLength: 200, description: apiKeyDescription })), jurisdiction_id: Type.Optional(Type.String({ maxLength: 64 })) };

// ------------------------------------------------------------------ mapping

interface Service {
  category: string;
  name: string;
  level: string;
  departmentId: string | null;
}

const HAN = /\p{Script=Han}/u;

/** The citizen's name from the spec's two fields; Chinese names are written family name first, without a space. */
function citizenName(first: string | undefined, last: string | undefined): string {
  const given = first?.trim() ?? '';
  const family = last?.trim() ?? '';
  if (given && family && HAN.test(given) && HAN.test(family)) return `${family}${given}`;
  return [given, family].filter(Boolean).join(' ') || 'Anonymous';
}

/** A comma-separated parameter as a list, or undefined if it names nothing. */
function commaList(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  return items && items.length > 0 ? [...new Set(items)].slice(0, MAX_RESULTS) : undefined;
}

// A case is closed once its outcome is set: closed, closed-unevaluated, closed-unsatisfied or cancelled.
const isClosed = (status: string): boolean => status.startsWith('closed') || status === 'cancelled';
const closedCondition = or(like(cases.status, 'closed%'), eq(cases.status, 'cancelled'))!;

interface RequestQuery {
  service_request_id?: string;
  service_code?: string;
  start_date?: string;
  end_date?: string;
  status?: string;
  jurisdiction_id?: string;
}

/** The spec's filters of GET Service Requests as SQL: a list of ids overrides the rest; the span defaults to 90 days. */
function requestFilters(q: RequestQuery): SQL | undefined {
  const ids = commaList(q.service_request_id);
  if (ids) return inArray(cases.caseNo, ids);
  const end = q.end_date ? new Date(q.end_date) : q.start_date ? new Date(Date.parse(q.start_date) + DEFAULT_SPAN_MS) : new Date();
  const start = q.start_date ? new Date(q.start_date) : new Date(end.getTime() - DEFAULT_SPAN_MS);
  if (start > end) throw new Open311Error(400, 'start_date must not be after end_date');
  const codes = commaList(q.service_code);
  const statuses = new Set(commaList(q.status));
  return and(
    gte(cases.receivedAt, start),
    lte(cases.receivedAt, end),
    codes ? inArray(cases.category, codes) : undefined,
    statuses.size === 1 ? (statuses.has('closed') ? closedCondition : not(closedCondition)) : undefined,
    q.jurisdiction_id ? eq(cases.districtId, q.jurisdiction_id) : undefined,
  );
}

/** The facade under /open311/v2. */
export const open311Routes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { config, database, units, keys, temporal }) => {
  const { db } = database;

  let cached: { at: number; items: Service[] } | undefined;
  /** The categories of the list in force, kept briefly so intake keeps working while PostgreSQL is down (as /v1/complaints does). */
  const catalogue = async (): Promise<Service[]> => {
    if (cached && Date.now() - cached.at < CATALOGUE_TTL_MS) return cached.items;
    try {
      const [list] = await db.select({ version: responsibilityLists.version }).from(responsibilityLists).orderBy(desc(responsibilityLists.version)).limit(1);
      const items = list
        ? await db
            .select({ category: responsibilityItems.category, name: responsibilityItems.name, level: responsibilityItems.level, departmentId: responsibilityItems.departmentId })
            .from(responsibilityItems)
            .where(eq(responsibilityItems.listVersion, list.version))
            .orderBy(responsibilityItems.category)
        : [];
      cached = { at: Date.now(), items };
      return items;
    } catch (error) {
      if (cached) return cached.items;
      throw error;
    }
  };
  const findService = async (serviceCode: string) => (await catalogue()).find((s) => s.category === serviceCode);

  const service = (item: Service) => ({
    service_code: item.category,
    service_name: item.name,
    description: `${item.name}: handled by ${item.departmentId ? (units.get(item.departmentId)?.name ?? item.departmentId) : `the ${item.level} where it happens`}`,
    metadata: false,
    type: 'realtime',
    keywords: [item.category, item.level].join(', '),
    group: item.level,
  });

  const requestView = (row: CaseRow, names: Map<string, string>) => ({
    service_request_id: row.caseNo,
    status: isClosed(row.status) ? 'closed' : 'open',
    status_notes: row.status,
    service_name: names.get(row.category) ?? row.category,
    service_code: row.category,
    description: row.title,
    agency_responsible: row.unitId ? (units.get(row.unitId)?.name ?? row.unitId) : null,
    service_notice: null,
    requested_datetime: row.receivedAt.toISOString(),
    updated_datetime: row.updatedAt.toISOString(),
    expected_datetime: row.deadline?.toISOString() ?? null,
    // The citizen's own address is personal data: the location unit stands for it.
    address: units.get(row.locationUnitId)?.name ?? null,
    address_id: row.locationUnitId || null,
    zipcode: null,
    lat: null,
    long: null,
    media_url: null,
  });
  const serviceNames = async () => new Map((await catalogue()).map((s) => [s.category, s.name]));

  /**
   * Authenticates the spec's `api_key` (body or query string) or the app's usual headers. A hook, not
   * `config.roles`: the key may sit in the body, and failures must answer in the spec's format.
   */
  const authenticate =
    (part: 'body' | 'query', roles?: readonly PrincipalRole[]) =>
    async (request: FastifyRequest): Promise<void> => {
      const fields = request[part];
      const field = fields !== null && typeof fields === 'object' ? (fields as { api_key?: unknown }).api_key : undefined;
      const key = typeof field === 'string' && field !== '' ? field : presentedKey(request);
      const principal = key === undefined ? undefined : await keys.verify(key);
      if (!principal) throw new Open311Error(403, 'Invalid api_key received -- can not proceed');
      if (roles && !roles.includes(principal.role)) throw new Open311Error(403, `A ${principal.role} api_key cannot do this; it needs: ${roles.join(', ')}`);
      // Also what the rate limiter keys on.
      request.principal = principal;
    };

  await app.register(
    async (scope) => {
      const open311 = scope.withTypeProvider<TypeBoxTypeProvider>();
      await open311.register(formbody);
      open311.setErrorHandler((error: FastifyError | Error, request, reply) => {
        const { status, description } = describeError(error, request);
        if (status === 503) void reply.header('retry-after', '5');
        return sendErrors(reply, formatOf(request), status, description);
      });
      open311.setNotFoundHandler((request, reply) => sendErrors(reply, formatOf(request), 404, `No resource ${request.method} ${request.url.split('?')[0]}`));

      open311.get(
        '/services.:format',
        {
          schema: {
            tags: ['open311'],
            summary: "GET Service List: the responsibility list's categories",
            description: 'Public. One service per category of the responsibility list in force; `group` is the level that owns it.',
            params: Type.Object({ format: FormatParam }),
            response: { 200: jsonOrXml(Type.Array(ServiceSchema)), ...errorResponses(400) },
          },
        },
        async (request, reply) => send(reply, request.params.format, 200, 'services', (await catalogue()).map(service)),
      );

      open311.get(
        '/services/:code.:format',
        {
          schema: {
            tags: ['open311'],
            summary: 'GET Service Definition: a service with its attributes (none in Jiesu)',
            params: Type.Object({ code, format: FormatParam }),
            response: { 200: jsonOrXml(ServiceDefinitionSchema), ...errorResponses(400, 404) },
          },
        },
        async (request, reply) => {
          const item = await findService(request.params.code);
          if (!item) throw new Open311Error(404, `service_code ${request.params.code} was not found`);
          return send(reply, request.params.format, 200, 'service_definition', { service_code: item.category, attributes: [] });
        },
      );

      open311.post(
        '/requests.:format',
        {
          config: { rateLimit: { max: config.api.intakeRateLimit, timeWindow: '1 minute' } },
          preValidation: authenticate('body', ['intake']),
          schema: {
            tags: ['open311'],
            summary: 'POST Service Request: file a complaint (form-encoded, with an intake api_key)',
            description:
              'Starts a case for the key\'s portal at once (type realtime). `address_id` is the community where the matter happens; `first_name`/`last_name` and `phone` are the citizen\'s, `lat`/`long`, `media_url`, `email`, `device_id` and `attribute[…]` are accepted and ignored. Posting the same request again yields the same case.',
            consumes: ['application/x-www-form-urlencoded'],
            params: Type.Object({ format: FormatParam }),
            body: PostBody,
            response: { 200: jsonOrXml(CreatedSchema), ...errorResponses(400, 403, 429, 503) },
          },
        },
        async (request, reply) => {
          const principal = principalOf(request);
          const body = request.body;
          if (!principal.source) throw new Open311Error(403, 'The api_key names no intake portal');
          if (!(await findService(body.service_code))) throw new Open311Error(400, `service_code ${body.service_code} is not a valid service`);
          const location = units.chain(body.address_id);
          if (!location || !['community', 'grid'].includes(location.unit.kind)) throw new Open311Error(400, `address_id ${body.address_id} is not an active community`);
          const district = location.ancestors.at(-1)?.id ?? location.unit.id;
          if (body.jurisdiction_id !== undefined && body.jurisdiction_id !== district) {
            throw new Open311Error(400, `jurisdiction_id ${body.jurisdiction_id} does not cover address_id ${body.address_id}`);
          }
          // Open311 clients send no ticket id of their own: the request's content names it, so a retried post reaches the same case.
          const ticketId = `o311-${createHash('sha256')
            .update([principal.keyId, body.service_code, body.address_id, body.description, body.phone, body.first_name ?? '', body.last_name ?? ''].join('\u0000'))
            .digest('hex')
            .slice(0, 20)}`;
          const description = body.description.trim();
          const { caseNo } = await fileComplaint(temporal, {
            source: principal.source,
            ticketId,
            title: [...description].slice(0, TITLE_LENGTH).join(''),
            description,
            category: body.service_code,
            urgency: 'normal',
            location: { unitId: location.unit.id, ...(body.address_string?.trim() ? { address: body.address_string.trim() } : {}) },
            citizen: { name: citizenName(body.first_name, body.last_name), phone: body.phone },
          });
          request.log.info({ caseNo }, 'Open311 service request accepted');
          const notice = `Received as case ${caseNo}. Follow it with GET /open311/v2/requests/${caseNo}.${request.params.format}`;
          return send(reply, request.params.format, 200, 'service_requests', [{ service_request_id: caseNo, service_notice: notice, account_id: null }]);
        },
      );

      open311.get(
        '/requests.:format',
        {
          preValidation: authenticate('query'),
          schema: {
            tags: ['open311'],
            summary: 'GET Service Requests: cases the key may read (default: the last 90 days, at most 1000)',
            description:
              'Any role\'s key: portals see what they filed, handlers what their unit has held, dispatchers and supervisors their area, evaluators and admins everything. Newest first. `service_request_id` overrides every other filter.',
            security: [{ apiKey: [] }],
            params: Type.Object({ format: FormatParam }),
            querystring: Type.Object({
              ...ReadQuery,
              service_request_id: Type.Optional(Type.String({ maxLength: 10_000, description: 'One or more case numbers, comma-separated' })),
              service_code: Type.Optional(Type.String({ maxLength: 2000, description: 'One or more service codes, comma-separated' })),
              start_date: Type.Optional(Type.String({ format: 'date-time', description: 'Received at or after (ISO 8601 with a time zone)' })),
              end_date: Type.Optional(Type.String({ format: 'date-time', description: 'Received at or before' })),
              status: Type.Optional(Type.String({ pattern: '^(open|closed)(,(open|closed))*$', description: 'open, closed, or both comma-separated' })),
            }),
            response: { 200: jsonOrXml(ServiceRequestsSchema), ...errorResponses(400, 403, 503) },
          },
        },
        async (request, reply) => {
          const filters = requestFilters(request.query);
          const rows = await db
            .select()
            .from(cases)
            .where(and(scopeCondition(scopeOf(principalOf(request), units)), filters))
            .orderBy(desc(cases.receivedAt), desc(cases.caseNo))
            .limit(MAX_RESULTS);
          const names = await serviceNames();
          return send(reply, request.params.format, 200, 'service_requests', rows.map((r) => requestView(r, names)));
        },
      );

      open311.get(
        '/requests/:id.:format',
        {
          preValidation: authenticate('query'),
          schema: {
            tags: ['open311'],
            summary: 'GET Service Request: one case, as a list of one',
            description: 'Any role\'s key, within what it may read; a case outside it is "not found", as is an unknown one.',
            security: [{ apiKey: [] }],
            params: Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,96}$', description: 'The case number' }), format: FormatParam }),
            querystring: Type.Object(ReadQuery),
            response: { 200: jsonOrXml(ServiceRequestsSchema), ...errorResponses(400, 403, 404, 503) },
          },
        },
        async (request, reply) => {
          const { id, format } = request.params;
          const [row] = await db
            .select()
            .from(cases)
            .where(and(eq(cases.caseNo, id), scopeCondition(scopeOf(principalOf(request), units))));
          if (!row) throw new Open311Error(404, `service_request_id ${id} was not found`);
          return send(reply, format, 200, 'service_requests', [requestView(row, await serviceNames())]);
        },
      );
    },
    { prefix: '/open311/v2' },
  );
};
