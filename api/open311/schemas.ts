/**
 * The Open311 facade's request and answer schemas. They validate at the edge and document the routes
 * in the OpenAPI document (JSON answers; XML carries the same fields).
 */
import { Type, type Static } from 'typebox';
import { CASE_TYPES } from '../../domain/case.js';

export const FormatParam = Type.Enum(['json', 'xml'] as const, { description: 'The answer format, by the resource extension' });
export const ServiceCode = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'A service_code (a category of the responsibility list)' });
export const RequestIdParam = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,96}$', description: 'The case number' });
const nullableString = () => Type.Union([Type.String(), Type.Null()]);

const Errors = Type.Array(Type.Object({ code: Type.Integer(), description: Type.String() }), { description: "Errors in the spec's format (XML: <errors><error>…)" });
const Xml = Type.String({ description: 'The same answer as XML, with the element names of the spec' });

/** A 200 answer in JSON or, by the `.xml` extension, XML. */
export const jsonOrXml = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => ({ content: { 'application/json': { schema }, 'text/xml': { schema: Xml } } });

/** Error answers of a route, in the spec's format. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { content: { 'application/json': { schema: Errors }, 'text/xml': { schema: Xml } } }]));

export const ServiceSchema = Type.Object({
  service_code: Type.String(),
  service_name: Type.String(),
  description: Type.String(),
  metadata: Type.Boolean({ description: 'Always false: no service needs extra attributes' }),
  type: Type.String({ description: 'Always realtime: a request is a case at once' }),
  keywords: Type.String(),
  group: Type.String({ description: 'The level that owns the matter: community, street or district' }),
});

export const ServiceDefinitionSchema = Type.Object({ service_code: Type.String(), attributes: Type.Array(Type.Object({}), { maxItems: 0 }) });

export const CreatedSchema = Type.Array(Type.Object({ service_request_id: Type.String(), service_notice: Type.String(), account_id: Type.Null() }));

export const ServiceRequestSchema = Type.Object({
  service_request_id: Type.String({ description: 'The case number' }),
  case_type: Type.Enum(CASE_TYPES, { description: 'Jiesu extension: the kind of request' }),
  status: Type.Enum(['open', 'closed'] as const),
  status_notes: Type.String({ description: 'The Jiesu status of the case' }),
  service_name: Type.String(),
  service_code: Type.String(),
  description: Type.String({ description: "With a key: the case title. Public: the service and the community, never the citizen's own words" }),
  agency_responsible: nullableString(),
  service_notice: Type.Null(),
  requested_datetime: Type.String({ format: 'date-time' }),
  updated_datetime: Type.String({ format: 'date-time' }),
  expected_datetime: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'The current deadline' }),
  address: Type.Union([Type.String(), Type.Null()], { description: "The community's name (the citizen's own address is personal data); null while only the dispatcher knows where" }),
  address_id: Type.Union([Type.String(), Type.Null()], { description: 'The community (or grid) unit id' }),
  zipcode: Type.Null(),
  lat: Type.Null(),
  long: Type.Null(),
  media_url: Type.Null(),
});
export type ServiceRequest = Static<typeof ServiceRequestSchema>;

export const ServiceRequestsSchema = Type.Array(ServiceRequestSchema);

const apiKeyDescription = 'An API key (jsk_…); or send it as Authorization: Bearer …';

export const PostBody = Type.Object(
  {
    api_key: Type.Optional(Type.String({ maxLength: 200, description: `An intake key. ${apiKeyDescription}` })),
    service_code: ServiceCode,
    jurisdiction_id: Type.Optional(Type.String({ maxLength: 64, description: 'The district (its centre unit id); needed only where the endpoint serves several and no address_id or area places the request' })),
    address_id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$', description: 'The community (or grid) unit id where the matter happens' })),
    address_string: Type.Optional(Type.String({ maxLength: 500, description: "Where it happens in the citizen's words; alone, it goes to the district's dispatcher" })),
    lat: Type.Optional(Type.String({ pattern: '^-?\\d{1,2}(\\.\\d{1,12})?$', description: 'WGS 84 latitude; with long, placed in the community whose area contains it' })),
    long: Type.Optional(Type.String({ pattern: '^-?\\d{1,3}(\\.\\d{1,12})?$', description: 'WGS 84 longitude' })),
    description: Type.String({ minLength: 1, maxLength: 4000, pattern: '\\S' }),
    first_name: Type.Optional(Type.String({ maxLength: 50 })),
    last_name: Type.Optional(Type.String({ maxLength: 50 })),
    phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9][0-9 -]{4,19}$', description: 'For the unit to call the citizen back' })),
    email: Type.Optional(Type.String({ maxLength: 200 })),
    device_id: Type.Optional(Type.String({ maxLength: 200 })),
    account_id: Type.Optional(Type.String({ maxLength: 200 })),
    media_url: Type.Optional(Type.String({ maxLength: 1000 })),
    case_type: Type.Optional(Type.Enum(CASE_TYPES, { description: 'Jiesu extension: consultation, help, complaint (the default), report (the reporter stays confidential) or suggestion' })),
  },
  // The spec's attribute[…] fields are accepted and ignored: no Jiesu service defines attributes.
  { additionalProperties: true, description: 'An empty field counts as absent, as form clients send them.' },
);
export type PostBody = Static<typeof PostBody>;

/** Parameters every read takes. */
export const ReadQuery = Type.Object({
  api_key: Type.Optional(Type.String({ maxLength: 200, description: apiKeyDescription })),
  jurisdiction_id: Type.Optional(Type.String({ maxLength: 64 })),
});

/** The filters of GET Service Requests. */
export const RequestsQuery = Type.Object({
  ...ReadQuery.properties,
  service_request_id: Type.Optional(Type.String({ maxLength: 10_000, description: 'One or more case numbers, comma-separated' })),
  service_code: Type.Optional(Type.String({ maxLength: 2000, description: 'One or more service codes, comma-separated' })),
  start_date: Type.Optional(Type.String({ format: 'date-time', description: 'Received at or after (ISO 8601 with a time zone)' })),
  end_date: Type.Optional(Type.String({ format: 'date-time', description: 'Received at or before' })),
  status: Type.Optional(Type.String({ pattern: '^(open|closed)(,(open|closed))*$', description: 'open, closed, or both comma-separated' })),
});
export type RequestsQuery = Static<typeof RequestsQuery>;
