/**
 * Browser sessions (api/sessions.ts) and the codec server the Temporal UI calls (api/routes/codec.ts): an API
 * key is exchanged once for a random server-side session; sessions end at logout, expiry or key revocation,
 * in every API process; a session serves only its purpose; decoding is limited to the supervisor's area and
 * every decode is audited; workflow summaries are readable without the codec.
 */
import { createHash } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionStore } from '../../api/sessions.js';
import { revokeApiKey } from '../../db/api-keys.js';
import { auditEvents, cases, sessions } from '../../db/schema.js';
import { AesGcmCodec, ENCRYPTED_ENCODING, WORKFLOW_METADATA } from '../../infra/codec.js';
import { fileThroughApi } from '../helpers/cases.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.close();
});

const keyId = (key: string): string => key.split('_')[1]!;
const cookieOf = (setCookie: unknown): string => String(setCookie).split(';')[0]!;
const signIn = (key: string) => env.app.inject({ method: 'POST', url: '/codec/session', headers: { authorization: `Bearer ${key}` } });
const decode = (cookie: string, payloads: Payload[]) =>
  env.app.inject({
    method: 'POST',
    url: '/codec/decode',
    headers: { cookie, origin: new URL(env.config.temporal.uiUrl).origin, 'x-namespace': 'default' },
    payload: {
      payloads: payloads.map((p) => ({
        metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
        data: Buffer.from(p.data ?? []).toString('base64'),
      })),
    },
  });
const clearText = (response: { json<T>(): T }): string =>
  response
    .json<{ payloads: Array<{ data: string }> }>()
    .payloads.map((p) => Buffer.from(p.data, 'base64').toString('utf8'))
    .join('');

async function cookieFor(role: 'supervisor', unitId: string): Promise<string> {
  const response = await signIn(await env.key(role, unitId));
  expect(response.statusCode).toBe(201);
  return cookieOf(response.headers['set-cookie']);
}

/** A case filed through the API at `unitId`, once its read-model row names the unit; with its raw history. */
async function fileCase(unitId: string, description: string) {
  const { caseNo, workflowId } = await fileThroughApi(env, { description, location: { unitId } });
  const handle = env.client.workflow.getHandle(workflowId);
  await eventually(async () => {
    const [row] = await env.database.db.select({ holders: cases.holders }).from(cases).where(eq(cases.caseNo, caseNo));
    return row?.holders.includes(unitId) ? true : undefined;
  });
  const history = await handle.fetchHistory();
  const first = history.events![0]!;
  const started = first.workflowExecutionStartedEventAttributes!;
  return { caseNo, workflowId: handle.workflowId, input: started.input!.payloads! as Payload[], started, summary: first.userMetadata?.summary, handle };
}

describe('codec sessions', () => {
  it('exchange a supervisor key once for a random, hashed, HttpOnly SameSite=Strict Secure cookie', async () => {
    const key = await env.key('supervisor', 'street-heping');
    const response = await signIn(key);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ purpose: 'codec', role: 'supervisor', unitId: 'street-heping', keyId: keyId(key) });
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(/^jiesu_codec=[A-Za-z0-9_-]{43}; Path=\/codec; Max-Age=(28800|2879\d); HttpOnly; SameSite=Strict; Secure$/);
    const token = cookieOf(setCookie).split('=')[1]!;
    expect(setCookie).not.toContain(key.split('_')[2]!);
    const [row] = await env.database.db.select().from(sessions).where(eq(sessions.id, createHash('sha256').update(token).digest('hex')));
    expect(row).toMatchObject({ keyId: keyId(key), purpose: 'codec', revokedAt: null });
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBeGreaterThan(7.9 * 3600_000);
    expect((await env.database.db.select().from(sessions).where(eq(sessions.id, token))).length).toBe(0);

    const status = await env.app.inject({ method: 'GET', url: '/codec/session', headers: { cookie: cookieOf(setCookie) } });
    expect(status.json()).toMatchObject({ purpose: 'codec', role: 'supervisor', unitId: 'street-heping' });
    const opened = await env.database.db.select().from(auditEvents).where(and(eq(auditEvents.keyId, keyId(key)), eq(auditEvents.action, 'session.open')));
    expect(opened.length).toBeGreaterThan(0);
  });

  it('answer a clear 4xx, never a 500, for a missing, wrong or cookie-only sign-in', async () => {
    const cookie = await cookieFor('supervisor', 'street-heping');
    const cookieOnly = await env.app.inject({ method: 'POST', url: '/codec/session', headers: { cookie } });
    expect(cookieOnly.statusCode).toBe(401);
    expect(cookieOnly.json()).toMatchObject({ detail: expect.stringMatching(/session cookie cannot open another/) as unknown });
    expect((await env.app.inject({ method: 'POST', url: '/codec/session' })).statusCode).toBe(401);
    expect((await signIn('jsk_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb')).statusCode).toBe(401);
    expect((await signIn(await env.key('admin'))).statusCode).toBe(403);
    expect((await signIn(await env.key('handler', 'comm-heping-north'))).statusCode).toBe(403);
    expect((await env.app.inject({ method: 'GET', url: '/codec/session' })).statusCode).toBe(401);

    // The sign-in page's form: the key in a form field, then back to the page.
    const form = await env.app.inject({
      method: 'POST',
      url: '/codec/session',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `key=${encodeURIComponent(await env.key('supervisor', 'street-heping'))}`,
    });
    expect(form.statusCode).toBe(303);
    expect(form.headers.location).toBe('/codec');
    const page = await env.app.inject({ method: 'GET', url: '/codec', headers: { cookie: cookieOf(form.headers['set-cookie']) } });
    expect(page.body).toContain('Signed in as');
    expect((await env.app.inject({ method: 'GET', url: '/codec' })).body).toContain('<input name="key" type="password"');
  });

  it('end at logout and when the key is revoked, in every API process within seconds', async () => {
    const key = await env.key('supervisor', 'street-binhe');
    const cookie = cookieOf((await signIn(key)).headers['set-cookie']);
    const token = cookie.split('=')[1]!;
    const otherProcess = new SessionStore(env.database.db, { secure: true });
    expect(await otherProcess.verify(token, 'codec')).toMatchObject({ keyId: keyId(key) });

    const logout = await env.app.inject({ method: 'POST', url: '/codec/logout', headers: { cookie } });
    expect(logout.statusCode).toBe(204);
    expect(String(logout.headers['set-cookie'])).toMatch(/^jiesu_codec=; Path=\/codec; Max-Age=0; HttpOnly; SameSite=Strict; Secure$/);
    expect((await env.app.inject({ method: 'GET', url: '/codec/session', headers: { cookie } })).statusCode).toBe(401);
    expect((await decode(cookie, [])).statusCode).toBe(401);
    await eventually(async () => ((await otherProcess.verify(token, 'codec')) === undefined ? true : undefined), { timeoutMs: 5_000, what: 'the logout to reach the other process' });

    const revoked = await createKeySession('street-binhe');
    expect(await otherProcess.verify(revoked.token, 'codec')).toBeDefined();
    await revokeApiKey(env.database.db, revoked.keyId);
    await eventually(async () => ((await otherProcess.verify(revoked.token, 'codec')) === undefined ? true : undefined), { timeoutMs: 5_000, what: 'the revocation to end the session' });
    expect((await env.app.inject({ method: 'GET', url: '/codec/session', headers: { cookie: `jiesu_codec=${revoked.token}` } })).statusCode).toBe(401);
  });

  it('serve only their purpose, and end at their expiry', async () => {
    const store = new SessionStore(env.database.db, { secure: false });
    const { principal } = await createKeySession('street-heping');
    const workbench = await store.open(principal, 'workbench');
    expect(await store.verify(workbench.token, 'workbench')).toMatchObject({ keyId: principal.keyId });
    expect(await store.verify(workbench.token, 'codec')).toBeUndefined();
    expect((await env.app.inject({ method: 'GET', url: '/codec/session', headers: { cookie: `jiesu_codec=${workbench.token}` } })).statusCode).toBe(401);
    expect(store.cookie('workbench', workbench.token, workbench.expiresAt)).toMatch(/^jiesu_workbench=[\w-]{43}; Path=\/; Max-Age=4319\d; HttpOnly; SameSite=Strict$/);

    const codec = await store.open(principal, 'codec');
    expect(await store.verify(codec.token, 'workbench')).toBeUndefined();
    await env.database.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(sessions.id, createHash('sha256').update(codec.token).digest('hex')));
    expect(await new SessionStore(env.database.db, { secure: false }).verify(codec.token, 'codec')).toBeUndefined();
  });

  /** A fresh supervisor key (not the shared test key) with a codec session. */
  async function createKeySession(unitId: string) {
    const { createApiKey, toPrincipal } = await import('../../db/api-keys.js');
    const { key, row } = await createApiKey(env.database.db, { name: `session test ${unitId}`, role: 'supervisor', unitId });
    const response = await signIn(key);
    return { keyId: row.id, principal: toPrincipal(row), token: cookieOf(response.headers['set-cookie']).split('=')[1]! };
  }
});

describe('the codec server', () => {
  it("decodes a case's payloads for supervisors of its area only, and audits every decode", async () => {
    const heping = await fileCase('comm-heping-north', 'Bikes chained across the fire escape of building 9');
    const sealed = heping.input[0]!;
    expect(Buffer.from(sealed.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(sealed.metadata![WORKFLOW_METADATA]!).toString()).toBe(heping.workflowId);

    const street = await cookieFor('supervisor', 'street-heping');
    const decoded = await decode(street, heping.input);
    expect(decoded.statusCode).toBe(200);
    expect(clearText(decoded)).toContain('Bikes chained across the fire escape');
    expect(clearText(await decode(await cookieFor('supervisor', 'centre'), heping.input))).toContain('building 9');

    const otherStreet = await decode(await cookieFor('supervisor', 'street-binhe'), heping.input);
    expect(otherStreet.statusCode).toBe(403);
    expect(otherStreet.json()).toMatchObject({ detail: `case ${heping.caseNo} is outside your area` });
    expect(otherStreet.body).not.toContain('Bikes');

    const audit = await env.database.db.select().from(auditEvents).where(eq(auditEvents.subject, heping.caseNo));
    const byKey = async (unitId: string) => keyId(await env.key('supervisor', unitId));
    expect(audit.filter((a) => a.action === 'codec.decode').map((a) => [a.keyId, a.detail?.payloads, a.detail?.via])).toEqual(
      expect.arrayContaining([
        [await byKey('street-heping'), 1, 'session'],
        [await byKey('centre'), 1, 'session'],
      ]),
    );
    expect(audit.filter((a) => a.action === 'codec.decode.refused').map((a) => a.keyId)).toEqual([await byKey('street-binhe')]);
  });

  it('cannot be fooled by relabelling a payload with a case of your area', async () => {
    const binhe = await fileCase('comm-binhe-park', 'Smoke from the restaurant vent on Binhe Road');
    const heping = await fileCase('comm-heping-north', 'Leaking pipe');
    const relabelled = binhe.input.map((p) => ({ ...p, metadata: { ...p.metadata, [WORKFLOW_METADATA]: Buffer.from(heping.workflowId) } }));
    const response = await decode(await cookieFor('supervisor', 'street-heping'), relabelled);
    expect(response.statusCode).toBe(400);
    expect(response.body).not.toContain('Smoke');
  });

  it('leaves payloads bound to no workflow to district supervisors, and has no encode endpoint', async () => {
    const [unbound] = await new AesGcmCodec(env.config.encryptionKeys).encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"district only"') }]);
    expect((await decode(await cookieFor('supervisor', 'street-heping'), [unbound!])).statusCode).toBe(403);
    const centre = await decode(await cookieFor('supervisor', 'centre'), [unbound!]);
    expect(clearText(centre)).toBe('"district only"');
    expect((await env.call(await env.key('supervisor', 'centre'), 'POST', '/codec/encode', { payloads: [] })).statusCode).toBe(404);
  });

  it("stores a case's one-line summary unencrypted and every other payload of its start encrypted", async () => {
    const { caseNo, started, summary, handle } = await fileCase('comm-heping-north', 'Noise from the night market');
    expect(Buffer.from(summary!.metadata!.encoding!).toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(summary!.data!).toString())).toBe(`${caseNo} · neighbour-dispute · normal`);
    expect(await (await handle.describe()).staticSummary()).toBe(`${caseNo} · neighbour-dispute · normal`);
    for (const payload of started.input!.payloads!) expect(Buffer.from(payload.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
  });
});
