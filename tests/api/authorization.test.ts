/**
 * The authorisation matrix: every route of the OpenAPI document × every role × a key of the unit or
 * area the case belongs to ("own") and of another area ("other"). A new route fails this test until
 * its row is added.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrincipalRole } from '../../db/api-keys.js';
import { caseStateQuery, complaintWorkflowId } from '../../workflows/messages.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';
import { DEFAULT_MODEL } from '../../processes/shipped.js';

type Access = 'public' | 'deny' | 'allow' | 'unit' | 'session';
/**
 * For each route: who may call it. `unit` = allowed for a key of the case's own unit or area, 403 for
 * another's. `session` = a browser session's cookie only: no API key authenticates it (401; tests/api/codec-sessions.test.ts).
 */
type Row = { access: Partial<Record<PrincipalRole, Access>>; body?: unknown; params?: (ids: Ids) => Record<string, string>; query?: string };
interface Ids {
  signCase: string;
  dispatchCase: string;
}

const ROLES: PrincipalRole[] = ['intake', 'handler', 'dispatcher', 'supervisor', 'evaluator', 'admin'];
const all = (access: Access): Row['access'] => Object.fromEntries(ROLES.map((r) => [r, access]));
const only = (allowed: Partial<Record<PrincipalRole, Access>>): Row['access'] => ({ ...all('deny'), ...allowed });
const caseAction = (role: Partial<Record<PrincipalRole, Access>>, body: unknown, which: keyof Ids = 'signCase'): Row => ({ access: only(role), body, params: (ids) => ({ caseNo: ids[which] }) });

const MATRIX: Record<string, Row> = {
  'GET /healthz': { access: all('public') },
  'GET /readyz': { access: all('public') },
  'GET /v1/complaints': { access: all('allow') },
  'POST /v1/complaints': { access: only({ intake: 'allow' }), body: {} },
  'GET /v1/complaints/stuck': { access: only({ dispatcher: 'allow', supervisor: 'allow', admin: 'allow' }) },
  'GET /v1/statistics': { access: only({ dispatcher: 'unit', supervisor: 'unit', admin: 'allow' }), query: 'scope=street-heping' },
  'GET /v1/figures': { access: only({ dispatcher: 'unit', supervisor: 'unit', admin: 'allow' }), query: 'scope=street-heping&period=2026-01&by=unit' },
  'GET /v1/rulings': { access: only({ dispatcher: 'allow', supervisor: 'allow', admin: 'allow' }) },
  'POST /v1/rulings/{id}/publish': { access: only({ admin: 'allow' }), body: {}, params: () => ({ id: 'complaint-hotline-none:1' }) },
  'POST /v1/rulings/{id}/dismiss': { access: only({ admin: 'allow' }), body: {}, params: () => ({ id: 'complaint-hotline-none:1' }) },
  'GET /v1/process-rules': { access: only({ admin: 'allow' }) },
  'POST /v1/simulations': { access: only({ dispatcher: 'allow', supervisor: 'allow', admin: 'allow' }), body: {} },
  'GET /v1/simulations/{id}': { access: only({ dispatcher: 'allow', supervisor: 'allow', admin: 'allow' }), params: () => ({ id: '00000000-0000-4000-8000-000000000000' }) },
  'GET /v1/simulations/{id}/{file}': { access: only({ dispatcher: 'allow', supervisor: 'allow', admin: 'allow' }), params: () => ({ id: '00000000-0000-4000-8000-000000000000', file: 'report.html' }) },
  'PUT /v1/process-rules': { access: only({ admin: 'allow' }), body: {} },
  'GET /v1/complaints/{caseNo}': { access: { intake: 'allow', handler: 'unit', dispatcher: 'unit', supervisor: 'unit', evaluator: 'allow', admin: 'allow' } },
  'GET /v1/complaints/{caseNo}/timeline': { access: { intake: 'allow', handler: 'unit', dispatcher: 'unit', supervisor: 'unit', evaluator: 'allow', admin: 'allow' } },
  'POST /v1/complaints/{caseNo}/sign-for': caseAction({ handler: 'unit' }, {}),
  'POST /v1/complaints/{caseNo}/resolve': caseAction({ handler: 'unit' }, { reply: 'Done' }),
  'POST /v1/complaints/{caseNo}/return': caseAction({ handler: 'unit' }, { reason: 'Not ours' }),
  'POST /v1/complaints/{caseNo}/whistle': caseAction({ handler: 'unit' }, { reason: 'Need help' }),
  'POST /v1/complaints/{caseNo}/extension-request': caseAction({ handler: 'unit' }, { reason: 'More time' }),
  'POST /v1/complaints/{caseNo}/extension-decision': caseAction({ supervisor: 'unit', dispatcher: 'unit' }, { approve: true }),
  'POST /v1/complaints/{caseNo}/dispatch': caseAction({ supervisor: 'unit', dispatcher: 'unit' }, { unitId: 'comm-heping-south' }),
  'POST /v1/complaints/{caseNo}/report-in': caseAction({ handler: 'unit' }, {}),
  'POST /v1/complaints/{caseNo}/summons': caseAction({ handler: 'unit' }, { departmentIds: ['dept-urban'], tier: 'routine', note: 'Please come' }),
  'POST /v1/complaints/{caseNo}/part-done': caseAction({ handler: 'unit' }, { text: 'Our part is done' }),
  'POST /v1/complaints/{caseNo}/department-rating': caseAction({ handler: 'unit' }, { unitId: 'dept-urban', cooperation: 4, partResolved: true }),
  'POST /v1/complaints/{caseNo}/dispute': caseAction({ handler: 'unit' }, { reason: 'Not on our list' }),
  'POST /v1/complaints/{caseNo}/evaluation': caseAction({ evaluator: 'allow' }, { rating: 'satisfied' }),
  'POST /v1/complaints/{caseNo}/arbitration': caseAction({ supervisor: 'unit', dispatcher: 'unit' }, { unitId: 'street-heping', ruling: 'Street' }),
  'POST /v1/complaints/{caseNo}/reassign': caseAction({ supervisor: 'unit' }, { unitId: 'comm-heping-south', reason: 'Wrong community' }, 'dispatchCase'),
  'POST /v1/complaints/{caseNo}/cancel': caseAction({ supervisor: 'unit' }, { originalCaseNo: 'hotline-none', reason: 'Duplicate' }, 'dispatchCase'),
  'POST /v1/complaints/{caseNo}/urge': caseAction({ supervisor: 'unit', dispatcher: 'unit' }, { note: 'Hurry' }),
  'POST /v1/complaints/{caseNo}/comments': caseAction({ supervisor: 'unit', dispatcher: 'unit', handler: 'unit' }, { text: 'A note' }),
  'POST /v1/complaints/{caseNo}/follow-ups': caseAction({ intake: 'allow' }, { kind: 'progress', text: 'Any news?' }),
  'POST /v1/complaints/{caseNo}/difficult-application': caseAction({ handler: 'unit' }, { reason: 'Long work', limit: '30 working days' }),
  'POST /v1/complaints/{caseNo}/difficult-decision': caseAction({ supervisor: 'unit', dispatcher: 'unit' }, { approve: true }),
  'POST /v1/complaints/{caseNo}/staged-completion': caseAction({ handler: 'unit' }, { done: 'Part', plan: 'Rest', followUpAt: '2030-01-01T00:00:00Z' }),
  'POST /v1/complaints/{caseNo}/supervision-orders': caseAction({ supervisor: 'unit' }, { note: 'Act today', limit: 'PT1H' }),
  'POST /v1/complaints/{caseNo}/supervision-order-answer': caseAction({ handler: 'unit' }, { order: 1, feedback: 'Done' }),
  'GET /v1/units': { access: all('allow') },
  'POST /v1/units': { access: only({ admin: 'allow' }), body: {} },
  'PATCH /v1/units/{unitId}': { access: only({ admin: 'allow' }), body: {} },
  'GET /v1/responsibility-list': { access: all('allow') },
  'POST /v1/responsibility-list': { access: only({ admin: 'allow' }), body: {} },
  'GET /v1/calendar/{year}': { access: all('allow') },
  'PUT /v1/calendar/{year}': { access: only({ admin: 'allow' }), body: {} },
  'GET /v1/process-definitions': { access: all('allow') },
  'GET /v1/process-definitions/{key}/{version}': { access: all('allow') },
  'GET /v1/rankings': { access: only({ dispatcher: 'allow', supervisor: 'allow', admin: 'allow' }), query: 'period=2026-01&district=centre' },
  'GET /v1/units/{unitId}/supervision-orders': { access: only({ handler: 'unit', dispatcher: 'unit', supervisor: 'unit', admin: 'allow' }) },
  'GET /v1/units/{unitId}/performance': { access: only({ handler: 'unit', dispatcher: 'unit', supervisor: 'unit', admin: 'allow' }), query: 'period=2026-01' },
  'GET /v1/units/{unitId}/accountability': { access: only({ handler: 'unit', dispatcher: 'unit', supervisor: 'unit', admin: 'allow' }) },
  'POST /v1/units/{unitId}/accountability/sanctions/{sanctionId}/interview-held': {
    access: only({ supervisor: 'unit' }),
    body: { minutes: 'Held' },
    params: () => ({ sanctionId: 'comm-heping-north:2026:2' }),
  },
  'POST /v1/units/{unitId}/accountability/sanctions/{sanctionId}/investigation-closed': {
    access: only({ supervisor: 'unit' }),
    body: { finding: 'x' },
  },
  'POST /v1/units/{unitId}/accountability/sanctions/{sanctionId}/freeze-lifted': {
    access: only({ supervisor: 'unit' }),
    body: {},
  },
  'GET /v1/strikes': { access: only({ handler: 'allow', dispatcher: 'allow', supervisor: 'allow', admin: 'allow' }) },
  'POST /v1/units/{unitId}/accountability/strikes/{strikeId}/appeal': { access: only({ handler: 'unit' }), body: { reason: 'Not ours' } },
  'POST /v1/units/{unitId}/accountability/strikes/{strikeId}/decision': { access: only({ supervisor: 'unit' }), body: { upheld: true, note: 'Upheld' } },
  'POST /v1/admin/evaluations': { access: only({ admin: 'allow' }), body: {} },
  'GET /v1/process-definitions/{key}/heatmap': { access: only({ dispatcher: 'allow', supervisor: 'allow', admin: 'allow' }) },
  'POST /v1/process-definitions': { access: only({ admin: 'allow' }), body: {} },
  'GET /ops/processes/{key}': { access: all('public') },
  'GET /codec': { access: all('public') },
  'POST /codec/session': { access: only({ supervisor: 'allow' }) },
  'GET /codec/session': { access: all('session') },
  'POST /codec/logout': { access: all('public') },
  'POST /codec/decode': { access: only({ supervisor: 'allow' }), body: { payloads: [] } },
  'GET /v1/complaints/counts': { access: all('allow') },
  'GET /v1/accountability/ladder': { access: only({ dispatcher: 'allow', supervisor: 'allow', admin: 'allow' }) },
  'GET /v1/admin/api-keys': { access: only({ admin: 'allow' }) },
  'POST /v1/admin/api-keys': { access: only({ admin: 'allow' }), body: {} },
  'POST /v1/admin/api-keys/{keyId}/revoke': { access: only({ admin: 'allow' }), params: () => ({ keyId: '000000000000' }) },
  'POST /app/api/session': { access: only({ handler: 'allow', dispatcher: 'allow', supervisor: 'allow', admin: 'allow' }) },
  'GET /app/api/session': { access: all('session') },
  'POST /app/api/logout': { access: all('public') },
  'GET /app/api/actions': { access: only({ handler: 'allow', dispatcher: 'allow', supervisor: 'allow', admin: 'allow' }) },
};

/** Keys of the case's own unit or area, and of another area. */
const BINDINGS: Record<PrincipalRole, { own?: string; other?: string }> = {
  intake: { own: 'hotline', other: 'wechat' },
  handler: { own: 'comm-heping-north', other: 'comm-binhe-park' },
  dispatcher: { own: 'street-heping', other: 'street-binhe' },
  supervisor: { own: 'street-heping', other: 'street-binhe' },
  evaluator: {},
  admin: {},
};

let env: TestEnv;
const ids: Ids = { signCase: '', dispatchCase: '' };
let paths: Record<string, Record<string, unknown>> = {};

beforeAll(async () => {
  env = await createTestEnv();
  const file = async (category: string) => {
    const response = await env.call(await env.key('intake', 'hotline'), 'POST', '/v1/complaints', {
      ticketId: env.ticket('authz'),
      title: 'Authorisation matrix',
      description: 'A case for the matrix',
      category,
      location: { unitId: 'comm-heping-north' },
      citizen: { name: 'Zhou Min', phone: '13500000000' },
    });
    const { caseNo } = response.json<{ caseNo: string }>();
    await eventually(async () => {
      const view = await env.client.workflow.getHandle(complaintWorkflowId(caseNo)).query(caseStateQuery);
      return view.deadline !== null ? view : undefined;
    });
    return caseNo;
  };
  ids.signCase = await file('neighbour-dispute');
  ids.dispatchCase = await file('neighbour-dispute');
  paths = (await env.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, Record<string, unknown>> }>().paths;
});
afterAll(async () => {
  await env?.close();
});

describe('the authorisation matrix', () => {
  it('has a row for every route in the OpenAPI document', () => {
    const routes = Object.entries(paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    const documented = routes.filter((r) => !r.includes('/open311/'));
    expect(documented.filter((r) => !(r in MATRIX))).toEqual([]);
    expect(Object.keys(MATRIX).filter((r) => !routes.includes(r))).toEqual([]);
  });

  it('gives every role × own/other unit the expected answer on every route', { timeout: 120_000 }, async () => {
    const failures: string[] = [];
    for (const [route, row] of Object.entries(MATRIX)) {
      const [method, template] = route.split(' ') as [string, string];
      const params: Record<string, string> = {
        caseNo: ids.signCase,
        unitId: 'comm-heping-north',
        sanctionId: 'comm-heping-north:2026:3',
        strikeId: 'ranking:2026-01:comm-heping-north',
        year: '2026',
        key: 'complaint',
        version: String(DEFAULT_MODEL.version),
        ...row.params?.(ids),
      };
      const url = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]!));
      const fullUrl = `${url}${row.query ? `?${row.query}` : ''}`;
      for (const role of ROLES) {
        const access = row.access[role] ?? 'deny';
        const bindings = access === 'unit' ? (['own', 'other'] as const) : (['own'] as const);
        for (const which of bindings) {
          const binding = BINDINGS[role][which];
          const key = await env.key(role, binding);
          const response = await env.app.inject({
            method: method as 'GET',
            url: fullUrl,
            headers: { authorization: `Bearer ${key}` },
            ...(row.body !== undefined ? { payload: row.body as Record<string, unknown> } : {}),
          });
          const status = response.statusCode;
          const expected =
            access === 'session' ? '401' : access === 'public' || access === 'allow' || (access === 'unit' && which === 'own') ? 'not 401/403' : '403';
          const ok = expected === '403' || expected === '401' ? status === Number(expected) : status !== 401 && status !== 403 && status < 500;
          if (!ok) failures.push(`${route} as ${role}${binding ? ` (${binding})` : ''}: ${status}, expected ${expected} — ${response.body.slice(0, 160)}`);
        }
      }
      const anonymous = await env.app.inject({ method: method as 'GET', url: fullUrl, ...(row.body !== undefined ? { payload: row.body as Record<string, unknown> } : {}) });
      if ((row.access.admin === 'public') !== (anonymous.statusCode !== 401)) failures.push(`${route} without a key: ${anonymous.statusCode}`);
    }
    expect(failures).toEqual([]);
  });
});
