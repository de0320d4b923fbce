/**
 * Personal data never leaves in the clear: a full scenario's raw Temporal history, search attributes,
 * summary and logs hold no citizen name, phone or free text; the codec endpoint decrypts for supervisors only.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmCodec, ENCRYPTED_ENCODING, sealedForWorkflow, WorkerCodec, WORKFLOW_METADATA } from '../../infra/codec.js';
import { DEVELOPMENT_KEY, loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { sanitizeError } from '../../activities/index.js';
import { caseStateQuery, complaintWorkflowId } from '../../workflows/messages.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';

const lines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(chunk.toString('utf8'));
    done();
  },
});

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv({ logger: createLogger({ level: 'debug', pretty: false, name: 'test', destination: capture }) });
});
afterAll(async () => {
  await env?.close();
});

/** Every string and byte string in a structure, decoded as text. */
function texts(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'), Buffer.from(value).toString('latin1'));
  else if (Array.isArray(value)) value.forEach((v) => texts(v, out));
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((v) => texts(v, out));
  return out;
}

const SECRET = {
  name: 'Ouyang Xiuying',
  phone: '13987654321',
  title: 'Smell of gas in stairwell 4',
  description: 'Neighbour in 402 keeps gas cylinders on the balcony',
  reply: 'Inspected the balcony with the owner Ouyang',
  comment: 'Citizen prefers calls after 6pm',
};

describe('personal data', () => {
  it('is ciphertext in the raw history and absent from search attributes, summary and logs after a full scenario', async () => {
    const intake = await env.key('intake');
    const created = await env.call(intake, 'POST', '/v1/complaints', {
      ticketId: env.ticket('pii'),
      title: SECRET.title,
      description: SECRET.description,
      category: 'neighbour-dispute',
      location: { unitId: 'comm-heping-north', address: 'Building 4, Heping Road' },
      citizen: { name: SECRET.name, phone: SECRET.phone },
    });
    const { caseNo } = created.json<{ caseNo: string }>();
    const handle = env.client.workflow.getHandle(complaintWorkflowId(caseNo));
    await eventually(async () => ((await handle.query(caseStateQuery)).deadline !== null ? true : undefined));
    const handler = await env.key('handler', 'comm-heping-north');
    const post = (key: string, action: string, body: unknown) => env.call(key, 'POST', `/v1/complaints/${caseNo}/${action}`, body);
    expect((await post(handler, 'sign-for', {})).statusCode).toBe(200);
    expect((await post(handler, 'comments', { text: SECRET.comment })).statusCode).toBe(200);
    expect((await post(await env.key('supervisor', 'street-heping'), 'urge', { note: 'Call back soon' })).statusCode).toBe(200);
    expect((await post(handler, 'resolve', { reply: SECRET.reply })).statusCode).toBe(200);
    expect((await post(await env.key('evaluator'), 'evaluation', { rating: 'satisfied', comment: SECRET.comment })).statusCode).toBe(200);
    await handle.result();

    const history = await handle.fetchHistory();
    const historyText = texts(history).join('\n');
    const description = await handle.describe();
    const visible = JSON.stringify({ sa: description.searchAttributes, summary: await description.staticSummary(), details: await description.staticDetails() });
    const logs = lines.join('');
    expect(logs.length).toBeGreaterThan(1000);
    for (const [what, secret] of Object.entries(SECRET)) {
      expect(historyText.includes(secret), `${what} in the raw history`).toBe(false);
      expect(visible.includes(secret), `${what} in search attributes or summary`).toBe(false);
      expect(logs.includes(secret), `${what} in the logs`).toBe(false);
    }
    expect(historyText).toContain(ENCRYPTED_ENCODING);

    // A supervisor reads the payloads through the codec endpoint, as the Temporal UI does.
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    const body = { payloads: input.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(p.data ?? []).toString('base64') })) };
    const supervisor = await env.key('supervisor', 'centre');
    const decoded = await env.call(supervisor, 'POST', '/codec/decode', body);
    expect(decoded.statusCode).toBe(200);
    const clear = decoded.json<{ payloads: Array<{ data: string }> }>().payloads.map((p) => Buffer.from(p.data, 'base64').toString('utf8')).join('');
    expect(clear).toContain(SECRET.phone);
    expect((await env.call(handler, 'POST', '/codec/decode', body)).statusCode).toBe(403);
    expect((await env.app.inject({ method: 'POST', url: '/codec/decode', payload: body })).statusCode).toBe(401);
  });

  it('lets the Temporal UI call the codec with a session cookie, from its own origin only', async () => {
    const uiOrigin = new URL(env.config.temporal.uiUrl).origin;
    const preflight = await env.app.inject({ method: 'OPTIONS', url: '/codec/decode', headers: { origin: uiOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
    expect(preflight.headers['access-control-allow-origin']).toBe(uiOrigin);
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    const foreign = await env.app.inject({ method: 'OPTIONS', url: '/codec/decode', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();

    const session = await env.app.inject({ method: 'POST', url: '/codec/session', headers: { authorization: `Bearer ${await env.key('supervisor', 'centre')}` } });
    expect(session.statusCode).toBe(201);
    const cookie = String(session.headers['set-cookie']).split(';')[0]!;
    expect(String(session.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict; Secure$/);
    const [encoded] = await new AesGcmCodec([DEVELOPMENT_KEY]).encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"hello"') }]);
    const viaCookie = await env.app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: { origin: uiOrigin, cookie },
      payload: { payloads: [{ metadata: Object.fromEntries(Object.entries(encoded!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])), data: Buffer.from(encoded!.data!).toString('base64') }] },
    });
    expect(viaCookie.statusCode).toBe(200);
    expect(Buffer.from(viaCookie.json<{ payloads: Array<{ data: string }> }>().payloads[0]!.data, 'base64').toString()).toBe('"hello"');
    expect((await env.app.inject({ method: 'POST', url: '/codec/session', headers: { authorization: `Bearer ${await env.key('admin')}` } })).statusCode).toBe(403);
  });
});

describe('the payload codec', () => {
  it('encrypts with the first key and decrypts with any, so keys rotate', async () => {
    const oldKey = { id: 'k1', key: Buffer.alloc(32, 1) };
    const newKey = { id: 'k2', key: Buffer.alloc(32, 2) };
    const payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify({ phone: SECRET.phone })) };
    const [old] = await new AesGcmCodec([oldKey]).encode([payload]);
    const rotated = new AesGcmCodec([newKey, oldKey]);
    const [fresh] = await rotated.encode([payload]);
    expect(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString()).toBe('k2');
    expect(Buffer.from(fresh!.data!).toString('latin1')).not.toContain(SECRET.phone);
    for (const encrypted of [old!, fresh!]) expect(Buffer.from((await rotated.decode([encrypted]))[0]!.data!).toString()).toContain(SECRET.phone);
    await expect(new AesGcmCodec([newKey]).decode([old!])).rejects.toThrow(/No decryption key "k1"/);
    const tampered = { ...fresh!, data: Buffer.from(fresh!.data!).fill(0, 20, 21) };
    await expect(rotated.decode([tampered])).rejects.toThrow();
  });

  it('binds each payload to its workflow as authenticated data, and reads payloads sealed before binding', async () => {
    const codec = new AesGcmCodec([DEVELOPMENT_KEY]);
    const payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"x"') };
    const [bound] = await codec.encode([payload], { type: 'workflow', namespace: 'default', workflowId: 'complaint-a' });
    expect(Buffer.from(bound!.metadata![WORKFLOW_METADATA]!).toString()).toBe('complaint-a');
    expect(codec.open(bound!)).toMatchObject({ sealed: true, workflowId: 'complaint-a' });
    const stripped = { ...bound!, metadata: Object.fromEntries(Object.entries(bound!.metadata!).filter(([k]) => k !== WORKFLOW_METADATA)) };
    expect(() => codec.open(stripped)).toThrow(/failed authentication/);
    const [legacy] = await codec.encode([payload]);
    expect(codec.open(legacy!)).toMatchObject({ sealed: true, workflowId: undefined });

    expect(sealedForWorkflow('complaint-a', 'complaint-a')).toBe(true);
    expect(sealedForWorkflow('complaint-a', 'complaint-b')).toBe(false);
    expect(sealedForWorkflow('complaint-hotline-1', 'complaint-hotline-1-2')).toBe(false);
    expect(sealedForWorkflow('monthly-evaluation', 'monthly-evaluation-2026-05-01T02:00:00Z')).toBe(true);
    expect(sealedForWorkflow(undefined, 'complaint-a')).toBe(true);

    // The worker: what it did not seal is an error in an activity's payloads (nothing is decided on it).
    const worker = new WorkerCodec(codec);
    await expect(worker.decode([payload], { type: 'activity', namespace: 'default', workflowId: 'complaint-a', isLocal: false })).rejects.toThrow(/unencrypted/);
    expect(await worker.decode([bound!], { type: 'activity', namespace: 'default', workflowId: 'complaint-a', isLocal: false })).toEqual([expect.objectContaining({ data: payload.data })]);
  });

  it('refuses to start in production with a missing or development key', () => {
    const production = { JIESU_ENV: 'production', TEMPORAL_ADDRESS: 'temporal:7233', DATABASE_URL: 'postgres://u:p@db/jiesu' };
    expect(() => loadConfig(production)).toThrow(/JIESU_ENCRYPTION_KEYS is required in production/);
    expect(() => loadConfig({ ...production, JIESU_ENCRYPTION_KEYS: `dev-insecure:${DEVELOPMENT_KEY.key.toString('base64')}` })).toThrow(/development key/);
    expect(() => loadConfig({ ...production, JIESU_ENCRYPTION_KEYS: 'k1:tooshort' })).toThrow(/32 bytes/);
    expect(loadConfig({ ...production, JIESU_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` }).encryptionKeys[0]?.id).toBe('k1');
  });

  it('strips query parameters from database errors before they reach history or logs', () => {
    const error = new Error(`Failed query: insert into cases ... params: ${SECRET.name},${SECRET.phone}`);
    error.name = 'DrizzleQueryError';
    (error as Error & { cause: unknown }).cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const sanitized = sanitizeError(error) as Error;
    expect(sanitized.message).toBe('Database error ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:5432');
    expect(sanitized.message).not.toContain(SECRET.phone);
  });
});
