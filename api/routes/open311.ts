/**
 * Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) as a facade over Jiesu's intake and read
 * model: a service is a category of the responsibility list in force, a service request is a case.
 * Every resource answers JSON or XML by its extension, and errors come in the spec's own format.
 */
import { createHash } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { and, desc, eq } from 'drizzle-orm';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { PrincipalRole } from '../../db/api-keys.js';
import type { Complaint } from '../../domain/case.js';
import { scopeCondition } from '../../db/case-queries.js';
import { responsibilityList, type ListItem } from '../../db/reference-queries.js';
import { cases } from '../../db/schema.js';
import type { RouteDeps } from '../deps.js';
import { presentedKey, principalOf } from '../auth.js';
import { fileComplaint, intakeSource, type FiledCase } from '../cases.js';
import { problemOf, type HttpProblem } from '../problem.js';
import { xmlDocument, type XmlValue } from '../open311/xml.js';
import {
  CreatedSchema,
  errorResponses,
  FormatParam,
  jsonOrXml,
  PostBody,
  ReadQuery,
  RequestIdParam,
  RequestsQuery,
  ServiceCode,
  ServiceDefinitionSchema,
  ServiceRequestsSchema,
  ServiceSchema,
} from '../open311/schemas.js';
import { caseDescription, citizenOf, MAX_RESULTS, open311Error, placeRequest, requestFilters, serviceRequest } from '../open311/service-requests.js';
import { scopeOf } from './search.js';

type Format = 'json' | 'xml';

const CATALOGUE_TTL_MS = 10_000;
/** How often one report may come again after its earlier cases closed (each repeat probes one ticket more). */
const MAX_REPEATS = 100;
const PUBLIC_VIEW =
  'status, dates, agency, service and community; the description names the service and community, never what the citizen wrote, and no name, phone or address of theirs';
const TITLE_LENGTH = 60;

function send(reply: FastifyReply, format: Format, status: number, root: string, body: XmlValue): FastifyReply {
  if (format === 'xml') return reply.status(status).type('text/xml; charset=utf-8').send(xmlDocument(root, body));
  return reply.status(status).type('application/json; charset=utf-8').send(body);
}

/** The format a request asked for: its `format` parameter, else the extension of its path (for unknown routes). */
function formatOf(request: FastifyRequest): Format {
  const param = (request.params as { format?: unknown } | undefined)?.format;
  if (param === 'xml' || param === 'json') return param;
  return request.url.split('?')[0]!.endsWith('.xml') ? 'xml' : 'json';
}

/** A problem in the spec's words: validation errors name the parameter alone ("lat must match …"). */
function errorDescription(problem: HttpProblem): string {
  const errors = problem.extra.errors ?? [];
  if (errors.length === 0) return problem.message;
  return errors.map((e) => `${e.field.replace(/^[a-z]+\//, '').replace(/\//g, '.')} ${e.message}`).join('; ');
}

/** Form clients send every field, empty or not: an empty one is an absent one (spec parameters are all text). */
function dropEmptyFields(fields: unknown): void {
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) return;
  for (const [name, value] of Object.entries(fields)) if (value === '') delete (fields as Record<string, unknown>)[name];
}

/** An error answer in the spec's format. */
const sendErrors = (reply: FastifyReply, format: Format, problem: HttpProblem): FastifyReply =>
  send(reply, format, problem.status, 'errors', [{ code: problem.status, description: errorDescription(problem) }]);

/**
 * Files a report under the ticket its content names. A client's retry reaches the same case while it is
 * open; once that case has closed, the same report is a repeat and opens a new case under the next
 * ticket (`…-2`, `…-3`, …), so a citizen is never answered with a closed case.
 */
async function fileReport(temporal: RouteDeps['temporal'], complaint: Omit<Complaint, 'ticketId'>, ticket: string): Promise<FiledCase> {
  for (let repeat = 1; repeat <= MAX_REPEATS; repeat += 1) {
    const filed = await fileComplaint(temporal, { ...complaint, ticketId: repeat === 1 ? ticket : `${ticket}-${repeat}` });
    if (!filed.closed) return filed;
  }
  throw open311Error(409, `This report has come ${MAX_REPEATS} times and each case has closed; file it through the hotline`);
}

/** The facade under /open311/v2. */
export const open311Routes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { config, database, units, keys, temporal }) => {
  const { db } = database;

  let cached: { at: number; items: ListItem[] } | undefined;
  /** The categories of the list in force, kept briefly so intake keeps working while PostgreSQL is down (as /v1/complaints does). */
  const catalogue = async (): Promise<ListItem[]> => {
    if (cached && Date.now() - cached.at < CATALOGUE_TTL_MS) return cached.items;
    try {
      const items = (await responsibilityList(db))?.items ?? [];
      cached = { at: Date.now(), items };
      return items;
    } catch (error) {
      if (cached) return cached.items;
      throw error;
    }
  };
  const findService = async (serviceCode: string) => (await catalogue()).find((s) => s.category === serviceCode);
  const serviceNames = async () => new Map((await catalogue()).map((s) => [s.category, s.name]));

  const service = (item: ListItem) => ({
    service_code: item.category,
    service_name: item.name,
    description: `${item.name}: handled by ${item.departmentId ? (units.get(item.departmentId)?.name ?? item.departmentId) : `the ${item.level} where it happens`}`,
    metadata: false,
    type: 'realtime',
    keywords: [item.category, item.level].join(', '),
    group: item.level,
  });

  /**
   * Authenticates the spec's `api_key` (body or query string) or the app's usual headers. A hook, not
   * `config.roles`: the key may sit in the body, and failures must answer in the spec's format. With
   * `roles` a key is required; without, a request without one reads as the public.
   */
  const authenticate =
    (part: 'body' | 'query', roles?: readonly PrincipalRole[]) =>
    async (request: FastifyRequest): Promise<void> => {
      const fields = request[part];
      const field = fields !== null && typeof fields === 'object' ? (fields as { api_key?: unknown }).api_key : undefined;
      const key = typeof field === 'string' ? field : presentedKey(request);
      if (key === undefined && !roles) return;
      const principal = key === undefined ? undefined : await keys.verify(key);
      if (!principal) throw open311Error(403, 'Invalid api_key received -- can not proceed');
      if (roles && !roles.includes(principal.role)) throw open311Error(403, `A ${principal.role} api_key cannot do this; it needs: ${roles.join(', ')}`);
      // Also what the rate limiter keys on.
      request.principal = principal;
    };

  /** The cases a request may read: a key's scope, or every case for the public. */
  const readableBy = (request: FastifyRequest) => (request.principal ? scopeCondition(scopeOf(request.principal, units)) : undefined);
  const audienceOf = (request: FastifyRequest): 'key' | 'public' => (request.principal ? 'key' : 'public');
  // Public reads are limited per client address; a key's reads are not.
  const publicReadLimit = { max: config.api.publicReadRateLimit, timeWindow: '1 minute', allowList: (request: FastifyRequest) => request.principal !== null };

  await app.register(
    async (scope) => {
      const open311 = scope.withTypeProvider<TypeBoxTypeProvider>();
      await open311.register(formbody);
      open311.addHook('preValidation', async (request) => {
        dropEmptyFields(request.body);
        dropEmptyFields(request.query);
      });
      open311.setErrorHandler((error: FastifyError | Error, request, reply) => sendErrors(reply, formatOf(request), problemOf(error, request, reply)));
      open311.setNotFoundHandler((request, reply) => sendErrors(reply, formatOf(request), open311Error(404, `No resource ${request.method} ${request.url.split('?')[0]}`)));

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
            params: Type.Object({ code: ServiceCode, format: FormatParam }),
            response: { 200: jsonOrXml(ServiceDefinitionSchema), ...errorResponses(400, 404) },
          },
        },
        async (request, reply) => {
          const item = await findService(request.params.code);
          if (!item) throw open311Error(404, `service_code ${request.params.code} was not found`);
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
              'Starts a case for the key\'s portal at once (type realtime). The location is the first of: `address_id` (a community or grid), `lat`/`long` (the smallest community or grid area containing the point), or `address_string` alone (the district centre\'s dispatcher places it; `jurisdiction_id` names the district where the endpoint serves several). `first_name`/`last_name` and `phone` are the citizen\'s, all optional; `media_url`, `email`, `device_id` and `attribute[…]` are accepted and ignored. An empty field counts as absent. Posting the same request again yields the same case while it is open; after that case has closed, it opens a new one.',
            consumes: ['application/x-www-form-urlencoded'],
            params: Type.Object({ format: FormatParam }),
            body: PostBody,
            response: { 200: jsonOrXml(CreatedSchema), ...errorResponses(400, 403, 409, 429, 503) },
          },
        },
        async (request, reply) => {
          const principal = principalOf(request);
          const body = request.body;
          const source = intakeSource(principal);
          if (!(await findService(body.service_code))) throw open311Error(400, `service_code ${body.service_code} is not a valid service`);
          const placement = placeRequest(body, units);
          const description = caseDescription(body, placement);
          const complaint = {
            source,
            title: [...body.description.trim()].slice(0, TITLE_LENGTH).join(''),
            description,
            category: body.service_code,
            urgency: 'normal' as const,
            location: { unitId: placement.unit.id, ...(body.address_string?.trim() ? { address: body.address_string.trim() } : {}) },
            citizen: citizenOf(body),
            ...(body.case_type && body.case_type !== 'complaint' ? { type: body.case_type } : {}),
          };
          // Open311 clients send no ticket id of their own: the request's content names it, so a retried post reaches the same case.
          const ticket = `o311-${createHash('sha256').update(JSON.stringify([principal.keyId, complaint])).digest('hex').slice(0, 20)}`;
          const { caseNo, created } = await fileReport(temporal, complaint, ticket);
          request.log.info({ caseNo, created }, created ? 'Open311 service request accepted' : 'Open311 service request posted again: same open case');
          const notice = `Received as case ${caseNo}. Follow it with GET /open311/v2/requests/${caseNo}.${request.params.format}`;
          return send(reply, request.params.format, 200, 'service_requests', [{ service_request_id: caseNo, service_notice: notice, account_id: null }]);
        },
      );

      open311.get(
        '/requests.:format',
        {
          config: { rateLimit: publicReadLimit },
          preValidation: authenticate('query'),
          schema: {
            tags: ['open311'],
            summary: 'GET Service Requests: public, or the cases a key may read (default: the last 90 days, at most 1000)',
            description:
              `Public (no key): every case, with no personal data — ${PUBLIC_VIEW}. With a key: portals see what they filed, handlers what their unit has held, dispatchers and supervisors their area, evaluators and admins everything, with the case title as description. Newest first. \`service_request_id\` overrides every other filter.`,
            security: [{}, { apiKey: [] }],
            params: Type.Object({ format: FormatParam }),
            querystring: RequestsQuery,
            response: { 200: jsonOrXml(ServiceRequestsSchema), ...errorResponses(400, 403, 429, 503) },
          },
        },
        async (request, reply) => {
          const filters = requestFilters(request.query);
          const rows = await db
            .select()
            .from(cases)
            .where(and(readableBy(request), filters))
            .orderBy(desc(cases.receivedAt), desc(cases.caseNo))
            .limit(MAX_RESULTS);
          const names = await serviceNames();
          return send(reply, request.params.format, 200, 'service_requests', rows.map((r) => serviceRequest(r, names, units, audienceOf(request))));
        },
      );

      open311.get(
        '/requests/:id.:format',
        {
          config: { rateLimit: publicReadLimit },
          preValidation: authenticate('query'),
          schema: {
            tags: ['open311'],
            summary: 'GET Service Request: one case, as a list of one',
            description: 'Public, as GET Service Requests shows it; or with a key, within what the key may read (a case outside it is "not found", as is an unknown one).',
            security: [{}, { apiKey: [] }],
            params: Type.Object({ id: RequestIdParam, format: FormatParam }),
            querystring: ReadQuery,
            response: { 200: jsonOrXml(ServiceRequestsSchema), ...errorResponses(400, 403, 404, 429, 503) },
          },
        },
        async (request, reply) => {
          const { id, format } = request.params;
          const [row] = await db
            .select()
            .from(cases)
            .where(and(eq(cases.caseNo, id), readableBy(request)));
          if (!row) throw open311Error(404, `service_request_id ${id} was not found`);
          return send(reply, format, 200, 'service_requests', [serviceRequest(row, await serviceNames(), units, audienceOf(request))]);
        },
      );
    },
    { prefix: '/open311/v2' },
  );
};
