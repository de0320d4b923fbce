/**
 * How the Open311 facade maps between the spec's service requests and Jiesu's cases: where a request
 * happens, the citizen, the spec's query filters as SQL, and a case row as a service request.
 */
import { and, gte, inArray, lte, type SQL } from 'drizzle-orm';
import { filterConditions } from '../../db/case-queries.js';
import { cases, type CaseRow } from '../../db/schema.js';
import type { CaseType, Citizen } from '../../domain/case.js';
import type { UnitRef } from '../../domain/units.js';
import { HttpProblem } from '../problem.js';
import type { UnitDirectory } from '../units.js';
import type { PostBody, RequestsQuery, ServiceRequest } from './schemas.js';

/** The most requests one answer carries. */
export const MAX_RESULTS = 1000;
const DEFAULT_SPAN_MS = 90 * 86_400_000;

/** A client mistake, answered in the spec's error format like every other error of the facade. */
export const open311Error = (status: number, description: string): HttpProblem => new HttpProblem(status, 'open311', 'Open311 request refused', description);

/** Kinds of unit a request can happen in: the spec's address_id, or the area a lat/long falls in. */
const PLACE_KINDS = ['community', 'grid'];

/** Where a request happens, and how the facade knows. */
export interface Placement {
  /** A community or grid; or the district centre, whose dispatcher places the case. */
  unit: UnitRef;
  by: 'address_id' | 'lat/long' | 'dispatcher';
}

/** The districts the endpoint serves: active centres at the root of the unit tree. */
function districtCentres(units: UnitDirectory): UnitRef[] {
  return units
    .all()
    .filter((u) => u.active && u.kind === 'centre' && u.parentId === null)
    .map(({ id, name, level, kind }) => ({ id, name, level, kind }));
}

/**
 * Places a request by the first location form it carries: `address_id` (a community or grid), `lat`
 * and `long` (the smallest community or grid area containing the point), or else the district centre,
 * whose dispatcher places it from `address_string` or the point. `jurisdiction_id` names the district;
 * it is needed only where the endpoint serves several and nothing else places the request.
 */
export function placeRequest(body: Pick<PostBody, 'address_id' | 'lat' | 'long' | 'address_string' | 'jurisdiction_id'>, units: UnitDirectory): Placement {
  const districts = districtCentres(units);
  const district = body.jurisdiction_id === undefined ? undefined : districts.find((d) => d.id === body.jurisdiction_id);
  if (body.jurisdiction_id !== undefined && !district) throw open311Error(400, `jurisdiction_id ${body.jurisdiction_id} is not a district of this endpoint`);
  if (body.address_id !== undefined) {
    const location = units.chain(body.address_id);
    if (!location || !PLACE_KINDS.includes(location.unit.kind)) throw open311Error(400, `address_id ${body.address_id} is not an active community`);
    if (district && !units.within(location.unit.id, district.id)) throw open311Error(400, `jurisdiction_id ${district.id} does not cover address_id ${body.address_id}`);
    return { unit: location.unit, by: 'address_id' };
  }
  if ((body.lat === undefined) !== (body.long === undefined)) throw open311Error(400, `${body.lat === undefined ? 'lat' : 'long'} was not provided (lat and long come together)`);
  if (body.lat !== undefined && body.long !== undefined) {
    const point = { lat: Number(body.lat), long: Number(body.long) };
    if (Math.abs(point.lat) > 90 || Math.abs(point.long) > 180) throw open311Error(400, `lat ${body.lat}, long ${body.long} is not a place on earth`);
    const unit = units.containing(point).find((u) => PLACE_KINDS.includes(u.kind) && (!district || units.within(u.id, district.id)));
    if (unit) return { unit, by: 'lat/long' };
  } else if (body.address_string === undefined) {
    throw open311Error(400, 'No location was provided: send address_id, lat and long, or address_string');
  }
  const centre = district ?? (districts.length === 1 ? districts[0] : undefined);
  if (!centre) throw open311Error(400, `jurisdiction_id was not provided: name the district (${districts.map((d) => d.id).join(', ')}) whose dispatcher places this request`);
  return { unit: centre, by: 'dispatcher' };
}

/**
 * The description a case carries: the citizen's words and, unless address_id placed it, the location
 * as reported, for the unit or the dispatcher to find the place (the case view shows no address).
 */
export function caseDescription(body: Pick<PostBody, 'description' | 'lat' | 'long' | 'address_string'>, placement: Placement): string {
  const text = body.description.trim();
  if (placement.by === 'address_id') return text;
  const reported = [body.address_string?.trim(), body.lat !== undefined ? `${body.lat}, ${body.long}` : undefined].filter(Boolean).join(' · ');
  return reported ? `${text}\n\nLocation as reported: ${reported}` : text;
}

const HAN = /\p{Script=Han}/u;

/** The citizen's name from the spec's two fields, if given; Chinese names are written family name first, without a space. */
function citizenName(first: string | undefined, last: string | undefined): string | undefined {
  const given = first?.trim() ?? '';
  const family = last?.trim() ?? '';
  if (given && family && HAN.test(given) && HAN.test(family)) return `${family}${given}`;
  return [given, family].filter(Boolean).join(' ') || undefined;
}

/** The citizen as the spec's fields give them; every contact field is optional. */
export function citizenOf(body: Pick<PostBody, 'first_name' | 'last_name' | 'phone'>): Citizen {
  const name = citizenName(body.first_name, body.last_name);
  return { ...(name !== undefined ? { name } : {}), ...(body.phone !== undefined ? { phone: body.phone } : {}) };
}

/** A comma-separated parameter as a list, or undefined if it names nothing. */
function commaList(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  return items && items.length > 0 ? [...new Set(items)].slice(0, MAX_RESULTS) : undefined;
}

/** The spec's filters of GET Service Requests as SQL: a list of ids overrides the rest; the span defaults to 90 days. */
export function requestFilters(q: RequestsQuery): SQL | undefined {
  const ids = commaList(q.service_request_id);
  if (ids) return inArray(cases.caseNo, ids);
  const end = q.end_date ? new Date(q.end_date) : q.start_date ? new Date(Date.parse(q.start_date) + DEFAULT_SPAN_MS) : new Date();
  const start = q.start_date ? new Date(q.start_date) : new Date(end.getTime() - DEFAULT_SPAN_MS);
  if (start > end) throw open311Error(400, 'start_date must not be after end_date');
  const codes = commaList(q.service_code);
  const statuses = new Set(commaList(q.status));
  return and(
    gte(cases.receivedAt, start),
    lte(cases.receivedAt, end),
    codes ? inArray(cases.category, codes) : undefined,
    ...filterConditions({ ...(statuses.size === 1 ? { open: statuses.has('open') } : {}), ...(q.jurisdiction_id ? { districtId: q.jurisdiction_id } : {}) }),
  );
}

/**
 * A case row as a service request. The citizen's own address is personal data: the community stands
 * for it. A key's holder sees the case title; the public (no key) sees no text anyone typed — the
 * service and the community stand for it — and never the citizen's name or phone.
 */
export function serviceRequest(row: CaseRow, serviceNames: Map<string, string>, units: UnitDirectory, audience: 'key' | 'public'): ServiceRequest {
  const serviceName = serviceNames.get(row.category) ?? row.category;
  const place = units.get(row.locationUnitId);
  const community = place && PLACE_KINDS.includes(place.kind) ? place : undefined;
  return {
    service_request_id: row.caseNo,
    case_type: row.caseType as CaseType,
    status: row.closedAt === null ? 'open' : 'closed',
    status_notes: row.status,
    service_name: serviceName,
    service_code: row.category,
    description: audience === 'key' ? row.title : community ? `${serviceName} in ${community.name}` : serviceName,
    agency_responsible: row.unitId ? (units.get(row.unitId)?.name ?? row.unitId) : null,
    service_notice: null,
    requested_datetime: row.receivedAt.toISOString(),
    updated_datetime: row.updatedAt.toISOString(),
    expected_datetime: row.deadline?.toISOString() ?? null,
    address: community?.name ?? null,
    address_id: community?.id ?? null,
    zipcode: null,
    lat: null,
    long: null,
    media_url: null,
  };
}
