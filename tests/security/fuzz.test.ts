/**
 * Hostile input: property-based requests against every route of the OpenAPI document — malformed JSON,
 * wrong types, oversized bodies, deep nesting, unicode edge cases, injection strings, path traversal in
 * ids — with keys of every role. Always a 4xx problem (Open311: its error format), never a 5xx, every
 * answer valid against the documented schema, and no half-written reference data.
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrincipalRole } from '../../db/api-keys.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';

const RUNS = 10_000;
const SEED = 20_261_122;

interface Operation {
  method: string;
  path: string;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  hasBody: boolean;
}

let env: TestEnv;
let operations: Operation[] = [];
let keys: string[] = [];
const ajv = addFormats.default(new Ajv.default({ strict: false, allErrors: false, validateFormats: true }));

beforeAll(async () => {
  env = await createTestEnv({ env: { INTAKE_RATE_LIMIT: '1000000' } });
  const doc = (await env.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, Record<string, Operation & { requestBody?: unknown }>>; components?: unknown }>();
  ajv.addSchema({ ...doc, $id: 'openapi' });
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, responses: op.responses ?? {}, hasBody: op.requestBody !== undefined })),
  );
  const roles: Array<[PrincipalRole, string | undefined]> = [
    ['intake', 'hotline'],
    ['handler', 'comm-heping-north'],
    ['dispatcher', 'centre'],
    ['supervisor', 'centre'],
    ['evaluator', undefined],
    ['admin', undefined],
  ];
  keys = await Promise.all(roles.map(([role, binding]) => env.key(role, binding)));
});
afterAll(async () => {
  await env?.close();
});

/** Lone surrogates cannot be percent-encoded; the server sees U+FFFD for them, as browsers send. */
const wellFormed = (text: string) => text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
const pointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

const nasty = fc.constantFrom(
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  "'; DROP TABLE cases; --",
  '" OR 1=1 --',
  '<script>alert(1)</script>',
  '${7*7}{{7*7}}',
  '\u0000',
  '\ud800',
  '\u202e\u200b\ufeff',
  '🧨'.repeat(50),
  'a'.repeat(5000),
  '%00%0d%0a',
  'NaN',
  '-1',
  '1e309',
  'null',
  '[]',
  '{}',
);
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), nasty);
const segment = fc.oneof(text, fc.constantFrom('hotline-T-1', 'comm-heping-north', 'complaint', '1', '2026', 'centre', 'comm-heping-north:2026:1', 'ranking:2026-01:comm-heping-north', 'json', 'xml'));
const deep = fc.integer({ min: 50, max: 3000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));
const body = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  text.map((t) => JSON.stringify({ ticketId: t, title: t, description: t, category: t, location: { unitId: t }, citizen: { name: t, phone: t }, reply: t, reason: t, unitId: t, payloads: [] })),
  text,
  deep,
  fc.constant('{"ticketId":'),
  fc.constant(JSON.stringify({ description: 'x'.repeat(70_000) })),
);
const query = fc.dictionary(fc.constantFrom('status', 'limit', 'cursor', 'sort', 'period', 'scope', 'q', 'from', 'to', 'version', 'api_key', 'format', 'waitingLongerThan', 'district', 'createdFrom'), text, { maxKeys: 4 });

describe(`fuzzing every route (${RUNS.toLocaleString('en')} requests)`, () => {
  it('answers every hostile request with a documented 4xx or a valid success, never a 5xx', { timeout: 600_000 }, async () => {
    const failures: string[] = [];
    let requests = 0;
    let validated = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(segment, { minLength: 4, maxLength: 4 }), query, body, fc.nat(), fc.constantFrom('application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/xml'), async (opIndex, segments, q, payload, keyIndex, contentType) => {
        const op = operations[opIndex % operations.length]!;
        let i = 0;
        const url = op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(wellFormed(segments[i++]!))) + (Object.keys(q).length > 0 ? `?${new URLSearchParams(q).toString()}` : '');
        const headers: Record<string, string> = { 'content-type': contentType };
        if (keyIndex % 8 !== 0) headers.authorization = `Bearer ${keys[keyIndex % keys.length]}`;
        const response = await env.app.inject({ method: op.method as 'GET', url, headers, ...(op.method === 'GET' ? {} : { payload }) });
        requests += 1;
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        const where = `${op.method} ${url.slice(0, 120)} → ${response.statusCode}`;
        if (response.statusCode >= 500) {
          failures.push(`${where}: ${response.body.slice(0, 200)}`);
          return;
        }
        const open311 = op.path.startsWith('/open311/');
        const type = String(response.headers['content-type'] ?? '');
        if (response.statusCode >= 400 && !open311 && !type.startsWith('application/problem+json') && response.statusCode !== 404) {
          failures.push(`${where}: ${type} instead of problem+json`);
        }
        const documented = op.responses[String(response.statusCode)];
        const schema = documented?.content?.['application/json']?.schema;
        if (schema && type.includes('json') && response.body.length > 0) {
          const ref = `openapi#/paths/${pointer(op.path)}/${op.method.toLowerCase()}/responses/${response.statusCode}/content/${pointer('application/json')}/schema`;
          const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
          validated += 1;
          if (!validate(JSON.parse(response.body))) failures.push(`${where}: answer violates its schema: ${ajv.errorsText(validate.errors)}`);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: false },
    );
    expect(requests).toBe(RUNS);
    expect(validated).toBeGreaterThan(RUNS / 2);
    expect(failures.slice(0, 20)).toEqual([]);
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
  });

  it('left no half-written reference data behind', async () => {
    const { db } = env.database;
    const [orphans] = (await db.execute(sql`SELECT count(*)::int AS n FROM responsibility_lists l WHERE NOT EXISTS (SELECT 1 FROM responsibility_items i WHERE i.list_version = l.version)`)).rows as Array<{ n: number }>;
    expect(orphans?.n).toBe(0);
    const [badUnits] = (await db.execute(sql`SELECT count(*)::int AS n FROM units WHERE id !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$' OR name = ''`)).rows as Array<{ n: number }>;
    expect(badUnits?.n).toBe(0);
    const [badYears] = (await db.execute(sql`SELECT count(*)::int AS n FROM calendar_years c, jsonb_array_elements_text(c.holidays || c.workdays) d WHERE left(d, 4)::int <> c.year`)).rows as Array<{ n: number }>;
    expect(badYears?.n).toBe(0);
  });
});
