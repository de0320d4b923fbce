/**
 * Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): the civic-issue standard, as a facade
 * over Jiesu's own intake and read model. Services are the responsibility list's categories; a service
 * request is a case. JSON and XML by the resource's extension; errors in the spec's own format.
 */
import { createHash } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, desc, eq, gte, inArray, isNotNull, isNull, lt } from 'drizzle-orm';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Principal } from '../../db/api-keys.js';
import { scopeCondition } from '../../db/case-queries.js';
import { cases, responsibilityItems, responsibilityLists, type CaseRow } from '../../db/schema.js';
import type { RouteDeps } from '../app.js';
import { fileComplaint } from '../cases.js';
import { HttpProblem } from '../problem.js';
import { scopeOf } from './search.js';

type Format = 'json' | 'xml';
const formatParam = Type.Enum(['json', 'xml'] as const, { description: 'Response format, by the resource extension' });
const MAX_RESULTS = 1000;
const DEFAULT_DAYS = 90;

/** An Open311 error: answered as `[{ code, description }]` or `<errors><error>…`. */
class Open311Error extends Error {
  constructor(
    readonly status: number,
    description: string,
  ) {
    super(description);
  }
}

const escapeXml = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

type XmlValue = string | number | boolean | null | undefined | XmlValue[] | { [key: string]: XmlValue };

/** A small XML writer for the spec's shapes: objects become elements, arrays repeat `item` elements. */
function toXml(name: string, value: XmlValue, item?: string): string {
  if (value === null || value === undefined) return `<${name}/>`;
  if (Array.isArray(value)) return `<${name}>${value.map((v) => toXml(item ?? 'item', v)).join('')}</${name}>`;
  if (typeof value === 'object') return `<${name}>${Object.entries(value).map(([k, v]) => toXml(k, v)).join('')}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function send(reply: FastifyReply, format: Format, status: number, json: XmlValue, root: string, item: string): FastifyReply {
  if (format === 'xml') {
    return reply.status(status).type('text/xml; charset=utf-8').send(`<?xml version="1.0" encoding="utf-8"?>${toXml(root, json, item)}`);
  }
  return reply.status(status).type('application/json; charset=utf-8').send(JSON.stringify(json));
}

const formatOf = (request: FastifyRequest): Format => ((request.params as { format?: string }).format === 'xml' ? 'xml' : 'json');

/** The facade under /open311/v2. */
export const open311Routes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { database, units, keys, temporal }) => {
  const { db } = database;
  await app.register(formbody);

  // Inside this scope, every error takes the spec's shape instead of problem+json.
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    let status = 500;
    let description = 'The request failed on our side.';
    if (error instanceof Open311Error) ({ status, message: description } = error);
    else if (error instanceof HttpProblem) ({ status, message: description } = error);
    else if ('validation' in error && error.validation) {
      status = 400;
      description = error.validation.map((v) => `${v.instancePath.replace(/^\//, '') || (v.params as { missingProperty?: string }).missingProperty || 'request'} ${v.message ?? 'is invalid'}`).join('; ');
    } else if ('statusCode' in error && typeof error.statusCode === 'number' && error.statusCode < 500) {
      status = error.statusCode;
      description = error.message;
    } else request.log.error({ err: error }, 'Open311 request failed');
    return send(reply, formatOf(request), status, [{ code: status, description }], 'errors', 'error');
  });

  const authenticate = async (apiKey: string | undefined, request: FastifyRequest): Promise<Principal> => {
    const header = request.headers.authorization?.startsWith('Bearer ') ? request.headers.authorization.slice(7) : undefined;
    const key = apiKey ?? header;
    const principal = key ? await keys.verify(key) : undefined;
    if (!principal) throw new Open311Error(403, 'Invalid api_key received -- can not proceed');
    return principal;
  };

  const catalogue = async () => {
    const [list] = await db.select().from(responsibilityLists).orderBy(desc(responsibilityLists.version)).limit(1);
    if (!list) return [];
    return db.select().from(responsibilityItems).where(eq(responsibilityItems.listVersion, list.version)).orderBy(responsibilityItems.category);
  };
  const service = (item: { category: string; name: string; level: string; departmentId: string | null }) => ({
    service_code: item.category,
    service_name: item.name,
    description: `${item.name}: handled by the ${item.departmentId ? (units.get(item.departmentId)?.name ?? item.departmentId) : item.level}`,
    metadata: false,
    type: 'realtime',
    keywords: [item.category, item.level].join(', '),
    group: item.level,
  });

  app.get(
    '/open311/v2/services.:format',
    { schema: { tags: ['open311'], summary: 'GeoReport v2: the service list (the responsibility list\'s categories)', params: Type.Object({ format: formatParam }) } },
    async (request, reply) => send(reply, request.params.format, 200, (await catalogue()).map(service), 'services', 'service'),
  );

  app.get(
    '/open311/v2/services/:code.:format',
    {
      schema: {
        tags: ['open311'],
        summary: 'GeoReport v2: a service definition (no extra attributes are needed)',
        params: Type.Object({ code: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }), format: formatParam }),
      },
    },
    async (request, reply) => {
      const item = (await catalogue()).find((i) => i.category === request.params.code);
      if (!item) throw new Open311Error(404, `No service ${request.params.code}`);
      return send(reply, request.params.format, 200, { service_code: item.category, attributes: [] }, 'service_definition', 'attribute');
    },
  );

  const PostBody = Type.Object(
    {
      api_key: Type.String({ maxLength: 200 }),
      service_code: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }),
      jurisdiction_id: Type.Optional(Type.String({ maxLength: 64 })),
      address_id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$', description: 'The community (or grid) unit id where the matter happens' }),
      address_string: Type.Optional(Type.String({ maxLength: 500 })),
      lat: Type.Optional(Type.String({ maxLength: 32 })),
      long: Type.Optional(Type.String({ maxLength: 32 })),
      description: Type.String({ minLength: 1, maxLength: 4000 }),
      first_name: Type.Optional(Type.String({ maxLength: 50 })),
      last_name: Type.Optional(Type.String({ maxLength: 50 })),
      phone: Type.String({ pattern: '^\\+?[0-9][0-9 -]{4,19}$' }),
      email: Type.Optional(Type.String({ maxLength: 200 })),
      device_id: Type.Optional(Type.String({ maxLength: 200 })),
      account_id: Type.Optional(Type.String({ maxLength: 200 })),
      media_url: Type.Optional(Type.String({ maxLength: 1000 })),
    },
    // The spec allows attribute[...] fields; Jiesu's services define no attributes, so they are accepted and ignored.
    { additionalProperties: true },
  );

  app.post(
    '/open311/v2/requests.:format',
    {
      config: { rateLimit: { max: 600, timeWindow: '1 minute' } },
      schema: {
        tags: ['open311'],
        summary: 'GeoReport v2: create a service request (form-encoded, with an intake api_key); posting the same request again yields the same case',
        params: Type.Object({ format: formatParam }),
        body: PostBody,
      },
    },
    async (request, reply) => {
      const body = request.body;
      const principal = await authenticate(body.api_key, request);
      if (principal.role !== 'intake' || !principal.source) throw new Open311Error(403, 'The api_key is not an intake key');
      const item = (await catalogue()).find((i) => i.category === body.service_code);
      if (!item) throw new Open311Error(400, `Service_code ${body.service_code} is not valid`);
      const location = units.chain(body.address_id);
      if (!location) throw new Open311Error(400, `address_id ${body.address_id} is not a known community`);
      const district = location.ancestors.at(-1)?.id ?? location.unit.id;
      if (body.jurisdiction_id !== undefined && body.jurisdiction_id !== district) throw new Open311Error(400, `jurisdiction_id ${body.jurisdiction_id} does not cover address_id ${body.address_id}`);
      // Open311 clients have no ticket id of their own: the request's content names it, so a retried post is the same case.
      const ticketId = `o311-${createHash('sha256')
        .update([principal.keyId, body.service_code, body.address_id, body.description, body.phone, body.first_name ?? '', body.last_name ?? ''].join('\u0000'))
        .digest('hex')
        .slice(0, 20)}`;
      const name = [body.first_name, body.last_name].filter(Boolean).join(' ') || 'Anonymous';
      const { caseNo } = await fileComplaint(temporal, {
        source: principal.source,
        ticketId,
        title: body.description.slice(0, 60),
        description: body.description,
        category: body.service_code,
        urgency: 'normal',
        location: { unitId: body.address_id, ...(body.address_string ? { address: body.address_string } : {}) },
        citizen: { name, phone: body.phone },
      });
      const notice = `Filed as case ${caseNo}; ${location.unit.name} is responsible. Follow it with GET requests/${caseNo}.`;
      return send(reply, request.params.format, 200, [{ service_request_id: caseNo, service_notice: notice, account_id: null }], 'service_requests', 'request');
    },
  );

  const requestView = (row: CaseRow, names: Map<string, string>) => ({
    service_request_id: row.caseNo,
    status: row.closedAt === null ? 'open' : 'closed',
    status_notes: row.status,
    service_name: names.get(row.category) ?? row.category,
    service_code: row.category,
    description: row.title,
    agency_responsible: row.unitId ? (units.get(row.unitId)?.name ?? row.unitId) : null,
    service_notice: null,
    requested_datetime: row.receivedAt.toISOString(),
    updated_datetime: row.updatedAt.toISOString(),
    expected_datetime: row.deadline?.toISOString() ?? null,
    address: units.get(row.locationUnitId)?.name ?? null,
    address_id: row.locationUnitId || null,
    zipcode: null,
    lat: null,
    long: null,
    media_url: null,
  });
  const serviceNames = async () => new Map((await catalogue()).map((i) => [i.category, i.name]));

  app.get(
    '/open311/v2/requests.:format',
    {
      schema: {
        tags: ['open311'],
        summary: 'GeoReport v2: service requests (default: the last 90 days, at most 1000), within what the key may read',
        params: Type.Object({ format: formatParam }),
        querystring: Type.Object({
          api_key: Type.Optional(Type.String({ maxLength: 200 })),
          service_request_id: Type.Optional(Type.String({ maxLength: 2000 })),
          service_code: Type.Optional(Type.String({ maxLength: 2000 })),
          start_date: Type.Optional(Type.String({ format: 'date-time' })),
          end_date: Type.Optional(Type.String({ format: 'date-time' })),
          status: Type.Optional(Type.String({ pattern: '^(open|closed)(,(open|closed))?$' })),
          jurisdiction_id: Type.Optional(Type.String({ maxLength: 64 })),
        }),
      },
    },
    async (request, reply) => {
      const q = request.query;
      const principal = await authenticate(q.api_key, request);
      const list = (value: string | undefined) => value?.split(',').map((v) => v.trim()).filter(Boolean);
      const ids = list(q.service_request_id);
      const end = q.end_date ? new Date(q.end_date) : new Date();
      const start = q.start_date ? new Date(q.start_date) : new Date(end.getTime() - DEFAULT_DAYS * 86_400_000);
      if (start > end) throw new Open311Error(400, 'start_date must be before end_date');
      const statuses = new Set(list(q.status));
      const rows = await db
        .select()
        .from(cases)
        .where(
          and(
            scopeCondition(scopeOf(principal, units)),
            ids ? inArray(cases.caseNo, ids) : and(gte(cases.receivedAt, start), lt(cases.receivedAt, end)),
            list(q.service_code) ? inArray(cases.category, list(q.service_code)!) : undefined,
            statuses.size === 1 ? (statuses.has('open') ? isNull(cases.closedAt) : isNotNull(cases.closedAt)) : undefined,
            q.jurisdiction_id ? eq(cases.districtId, q.jurisdiction_id) : undefined,
          ),
        )
        .orderBy(desc(cases.receivedAt))
        .limit(MAX_RESULTS);
      const names = await serviceNames();
      return send(reply, request.params.format, 200, rows.map((r) => requestView(r, names)), 'service_requests', 'request');
    },
  );

  app.get(
    '/open311/v2/requests/:id.:format',
    {
      schema: {
        tags: ['open311'],
        summary: 'GeoReport v2: one service request',
        params: Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,96}$' }), format: formatParam }),
        querystring: Type.Object({ api_key: Type.Optional(Type.String({ maxLength: 200 })), jurisdiction_id: Type.Optional(Type.String({ maxLength: 64 })) }),
      },
    },
    async (request, reply) => {
      const principal = await authenticate(request.query.api_key, request);
      const [row] = await db
        .select()
        .from(cases)
        .where(and(eq(cases.caseNo, request.params.id), scopeCondition(scopeOf(principal, units))));
      if (!row) throw new Open311Error(404, `No service request ${request.params.id}`);
      return send(reply, request.params.format, 200, [requestView(row, await serviceNames())], 'service_requests', 'request');
    },
  );
};
