/**
 * What a statistics or figures request covers: an area of the unit tree and a period. Shared by
 * `/v1/statistics` and `/v1/figures`, so both count the same cases for the same question.
 */
import { Type } from 'typebox';
import type { Principal } from '../db/api-keys.js';
import type { CaseScope } from '../db/case-queries.js';
import { periodStart } from '../domain/accountability.js';
import { HttpProblem } from './problem.js';
import type { UnitDirectory } from './units.js';

const MONTH = '^\\d{4}-(0[1-9]|1[0-2])$';

/** Query parameters of a period: a month, or an interval (default the last 30 days). */
export const PeriodQuery = {
  period: Type.Optional(Type.String({ pattern: MONTH, description: 'A month, YYYY-MM (China Standard Time); wins over from/to' })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive; default now' })),
};

const EARLIEST = new Date('1900-01-01T00:00:00Z');
const LATEST = new Date('9999-12-31T00:00:00Z');

/** The instants [from, to) a request asks about: a month (China Standard Time), or from/to (default the last 30 days). */
export function periodRange(query: { period?: string; from?: string; to?: string }, now = new Date()): { from: Date; to: Date } {
  if (query.period) {
    const [y, m] = query.period.split('-').map(Number) as [number, number];
    const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
    return { from: new Date(periodStart(query.period)), to: new Date(periodStart(next)) };
  }
  const to = query.to ? new Date(query.to) : now;
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * 86_400_000);
  const invalid = (field: string, message: string) => new HttpProblem(400, 'validation', 'Invalid request', `${field} ${message}`, { errors: [{ field: `querystring/${field}`, message }] });
  for (const [field, at] of [['from', from], ['to', to]] as const) if (at < EARLIEST || at > LATEST) throw invalid(field, 'is not between the years 1900 and 9999');
  if (from >= to) throw invalid('from', 'is not before `to`');
  return { from, to };
}

/** The cases of an area: a district centre's are its district's, a street's those it handled, any other unit's those it (or a unit below it) held. */
export interface Area {
  /** The unit the area is (null: every district, for admins). */
  scopeId: string | null;
  districtId: string | null;
  scope: CaseScope;
}

const forbidden = (what: string) => new HttpProblem(403, 'forbidden', 'Forbidden', `${what} is outside your area`);

/**
 * The area a principal asks about. Admins may name any unit, or none for every district; dispatchers and
 * supervisors their own unit (the default) or one below it. `district` narrows to one district (a centre).
 */
export function resolveArea(principal: Principal, units: UnitDirectory, request: { scope?: string; district?: string }): Area {
  const admin = principal.role === 'admin';
  if (!admin && principal.unitId === null) throw forbidden('Every area');
  const scopeId = request.scope ?? (admin ? request.district : principal.unitId) ?? null;
  for (const id of [scopeId, request.district]) if (id && !units.get(id)) throw new HttpProblem(404, 'not-found', 'Not found', `No unit ${id}`);
  if (request.district && units.get(request.district)!.kind !== 'centre') {
    throw new HttpProblem(400, 'validation', 'Invalid request', `${request.district} is not a district centre`, { errors: [{ field: 'querystring/district', message: 'is not a district centre' }] });
  }
  if (scopeId && !admin && !units.within(scopeId, principal.unitId!)) throw forbidden(scopeId);
  const districtOf = (id: string) => units.chain(id)?.ancestors.findLast((u) => u.kind === 'centre')?.id ?? id;
  if (scopeId && request.district && districtOf(scopeId) !== request.district) {
    throw new HttpProblem(400, 'validation', 'Invalid request', `${scopeId} is not in district ${request.district}`, { errors: [{ field: 'querystring/scope', message: 'is not in the district' }] });
  }
  if (!scopeId) return { scopeId: null, districtId: request.district ?? null, scope: { kind: 'all' } };
  const unit = units.get(scopeId)!;
  const districtId = request.district ?? districtOf(scopeId);
  if (unit.kind === 'centre') return { scopeId, districtId: scopeId, scope: { kind: 'all' } };
  if (unit.kind === 'street') return { scopeId, districtId, scope: { kind: 'street', streetId: scopeId } };
  return { scopeId, districtId, scope: { kind: 'held', unitIds: units.subtree(scopeId) } };
}
