/**
 * How the Open311 facade maps between the spec's service requests and Jiesu's cases: the citizen's
 * name, the spec's query filters as SQL, and a case row as a service request.
 */
import { and, gte, inArray, lte, type SQL } from 'drizzle-orm';
import { filterConditions } from '../../db/case-queries.js';
import { cases, type CaseRow } from '../../db/schema.js';
import { HttpProblem } from '../problem.js';
import type { UnitDirectory } from '../units.js';
import type { RequestsQuery, ServiceRequest } from './schemas.js';

/** The most requests one answer carries. */
export const MAX_RESULTS = 1000;
const DEFAULT_SPAN_MS = 90 * 86_400_000;

/** A client mistake, answered in the spec's error format like every other error of the facade. */
export const open311Error = (status: number, description: string): HttpProblem => new HttpProblem(status, 'open311', 'Open311 request refused', description);

const HAN = /\p{Script=Han}/u;

/** The citizen's name from the spec's two fields; Chinese names are written family name first, without a space. */
export function citizenName(first: string | undefined, last: string | undefined): string {
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

/** A case row as a service request. The citizen's own address is personal data: the location unit stands for it. */
export function serviceRequest(row: CaseRow, serviceNames: Map<string, string>, units: UnitDirectory): ServiceRequest {
  return {
    service_request_id: row.caseNo,
    status: row.closedAt === null ? 'open' : 'closed',
    status_notes: row.status,
    service_name: serviceNames.get(row.category) ?? row.category,
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
  };
}
