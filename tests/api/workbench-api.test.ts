/**
 * The workbench's server side: sessions that authenticate /v1 (with the CSRF header rule), the action
 * catalogue it draws forms from, live updates over server-sent events from the read model, the built app at
 * /app, API keys for admins, queue counts and the accountability ladder.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCaseChange } from '../../api/case-changes.js';
import { actionDescriptions } from '../../api/routes/workbench.js';
import { ACTIONS } from '../../domain/engine/actions.js';
import { fileThroughApi } from '../helpers/cases.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.close();
});

/** Opens a workbench session with a key; answers the cookie header to send. */
async function cookieOf(key: string): Promise<string> {
  const response = await env.app.inject({ method: 'POST', url: '/app/api/session', headers: { authorization: `Bearer ${key}` } });
  expect(response.statusCode, response.body).toBe(201);
  const setCookie = String(response.headers['set-cookie']);
  expect(setCookie).toMatch(/^jiesu_workbench=[^;]+; Path=\/; Max-Age=4319\d; HttpOnly; SameSite=Strict; Secure$/);
  return setCookie.split(';')[0]!;
}

describe('workbench sessions on /v1', () => {
  it('a session cookie authenticates reads; changes need the app header as well; a key header still wins', async () => {
    const { caseNo } = await fileThroughApi(env);
    const handler = await env.key('handler', 'comm-heping-north');
    const cookie = await cookieOf(handler);
    const read = await env.app.inject({ method: 'GET', url: `/v1/complaints/${caseNo}`, headers: { cookie } });
    expect(read.statusCode).toBe(200);
    expect(read.json<{ citizen: { phone: string } }>().citizen.phone).toBe('13800000000');

    // A forged form post (no app header) is refused before it reaches the case.
    const forged = await env.app.inject({ method: 'POST', url: `/v1/complaints/${caseNo}/sign-for`, headers: { cookie }, payload: {} });
    expect(forged.statusCode).toBe(403);
    expect(forged.json<{ detail: string }>().detail).toContain('x-jiesu-app');
    const signed = await env.app.inject({ method: 'POST', url: `/v1/complaints/${caseNo}/sign-for`, headers: { cookie, 'x-jiesu-app': '1' }, payload: {} });
    expect(signed.statusCode, signed.body).toBe(200);
    expect(signed.json<{ timeline: Array<{ actor: { id: string } }> }>().timeline.at(-1)!.actor.id).toBe(handler.split('_')[1]);

    // The role rules are the key's: a handler's session cannot list API keys.
    expect((await env.app.inject({ method: 'GET', url: '/v1/admin/api-keys', headers: { cookie } })).statusCode).toBe(403);
    // A bad key in the header is not rescued by a good cookie.
    expect((await env.app.inject({ method: 'GET', url: `/v1/complaints/${caseNo}`, headers: { cookie, authorization: 'Bearer jsk_000000000000_xxx' } })).statusCode).toBe(401);

    // After logout the cookie opens nothing.
    expect((await env.app.inject({ method: 'POST', url: '/app/api/logout', headers: { cookie } })).statusCode).toBe(204);
    await eventually(async () => ((await env.app.inject({ method: 'GET', url: `/v1/complaints/${caseNo}`, headers: { cookie } })).statusCode === 401 ? true : undefined));
  });

  it('opens sessions for the roles that work cases only, and never for a codec cookie', async () => {
    const intake = await env.key('intake');
    expect((await env.app.inject({ method: 'POST', url: '/app/api/session', headers: { authorization: `Bearer ${intake}` } })).statusCode).toBe(403);
    const supervisor = await env.key('supervisor', 'centre');
    const codec = await env.app.inject({ method: 'POST', url: '/codec/session', headers: { authorization: `Bearer ${supervisor}` } });
    const codecCookie = String(codec.headers['set-cookie']).split(';')[0]!;
    expect((await env.app.inject({ method: 'GET', url: '/v1/complaints', headers: { cookie: codecCookie } })).statusCode).toBe(401);
  });
});

describe('GET /app/api/actions', () => {
  it('describes every catalogue action: path, roles, input schema and unit fields', async () => {
    const cookie = await cookieOf(await env.key('dispatcher', 'centre'));
    const response = await env.app.inject({ method: 'GET', url: '/app/api/actions', headers: { cookie } });
    expect(response.statusCode).toBe(200);
    const { actions } = response.json<{ actions: ReturnType<typeof actionDescriptions> }>();
    expect(actions.map((a) => a.type).sort()).toEqual(Object.keys(ACTIONS).sort());
    const dispatch = actions.find((a) => a.type === 'dispatch')!;
    expect(dispatch).toMatchObject({ path: 'dispatch', roles: ['dispatcher', 'supervisor'], unitFields: [{ field: 'unitId', many: false }, { field: 'coUnitIds', many: true }] });
    expect(dispatch.input).toMatchObject({ type: 'object', required: ['unitId'], properties: { unitId: { type: 'string' } } });
    expect(actions.find((a) => a.type === 'evaluate')!.input).toMatchObject({ properties: { rating: { enum: ['satisfied', 'basically-satisfied', 'unsatisfied'] } } });
  });
});

describe('live updates (GET /app/api/events)', () => {
  it('tells each session the cases it may read that changed, whichever process wrote them', async () => {
    const url = await env.app.listen({ host: '127.0.0.1', port: 0 });
    const northCookie = await cookieOf(await env.key('handler', 'comm-heping-north'));
    const southCookie = await cookieOf(await env.key('handler', 'comm-heping-south'));
    const listen = (cookie: string) => {
      const events: Array<{ event: string; data: unknown }> = [];
      const request = http.get(`${url}/app/api/events`, { headers: { cookie } }, (response) => {
        expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
        let buffer = '';
        response.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.+)$/m.exec(block)?.[1];
            const data = /^data: (.+)$/m.exec(block)?.[1];
            if (event && data) events.push({ event, data: JSON.parse(data) });
          }
        });
      });
      return { events, close: () => request.destroy() };
    };
    const north = listen(northCookie);
    const south = listen(southCookie);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { caseNo } = await fileThroughApi(env);
      const changed = (events: typeof north.events) => events.some((e) => e.event === 'cases' && (e.data as string[]).includes(caseNo));
      await eventually(async () => (changed(north.events) ? true : undefined), { what: 'an event naming the new case' });
      // A comment written by the worker's projection reaches the holder's stream again.
      const before = north.events.length;
      const north2 = await env.key('handler', 'comm-heping-north');
      expect((await env.call(north2, 'POST', `/v1/complaints/${caseNo}/comments`, { text: 'On it' })).statusCode).toBe(200);
      await eventually(async () => (north.events.slice(before).some((e) => e.event === 'cases') ? true : undefined), { what: 'an event for the comment' });
      expect(changed(south.events)).toBe(false);
    } finally {
      north.close();
      south.close();
    }
  });

  it('parses notifications: case numbers, or everything', () => {
    expect(parseCaseChange('hotline-1,hotline-2')).toEqual({ kind: 'cases', caseNos: ['hotline-1', 'hotline-2'] });
    expect(parseCaseChange('*')).toEqual({ kind: 'all' });
  });
});

describe('the app at /app', () => {
  it('serves the built app: index.html for every page, hashed assets cached for good and compressed, 404 for a missing file', async () => {
    const page = await env.app.inject({ method: 'GET', url: '/app/queue/mine' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const asset = /src="\/app\/(assets\/[^"]+\.js)"/.exec(page.body)![1]!;
    const js = await env.app.inject({ method: 'GET', url: `/app/${asset}`, headers: { 'accept-encoding': 'gzip, br' } });
    expect(js.statusCode).toBe(200);
    expect(js.headers['cache-control']).toContain('immutable');
    expect(js.headers['content-encoding']).toBe('br');
    const again = await env.app.inject({ method: 'GET', url: `/app/${asset}`, headers: { 'if-none-match': String(js.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect((await env.app.inject({ method: 'GET', url: '/app/assets/missing.js' })).statusCode).toBe(404);
    expect((await env.app.inject({ method: 'GET', url: '/app/api/nothing' })).statusCode).toBe(404);
    expect((await env.app.inject({ method: 'GET', url: '/app' })).headers.location).toBe('/app/');
  });

  it('loads one script and one stylesheet before the first screen, with the styles of the components it uses and not the whole theme, and asks for the session meanwhile', async () => {
    const page = (await env.app.inject({ method: 'GET', url: '/app/' })).body;
    const scripts = [...page.matchAll(/<script type="module"[^>]*src="\/app\/(assets\/[^"]+)"|<link rel="modulepreload"[^>]*href="\/app\/(assets\/[^"]+)"/g)];
    const sheets = [...page.matchAll(/<link rel="stylesheet"[^>]*href="\/app\/(assets\/[^"]+\.css)"/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    expect(sheets).toHaveLength(1);
    expect(page).toContain('<link rel="preload" href="/app/api/session" as="fetch"');
    const css = (await env.app.inject({ method: 'GET', url: `/app/${sheets[0]}` })).body;
    // The frame's components (the menu, selects, buttons, tags) and the app's own rules are there ...
    for (const rule of ['.el-menu{', '.el-select{', '.el-button{', '.el-tag{', '.jb-counts{']) expect(css).toContain(rule);
    // ... the pages' (tables, date pickers, dialogs) come with those pages.
    for (const rule of ['.el-table{', '.el-date-editor', '.el-dialog{', '.el-descriptions{']) expect(css).not.toContain(rule);
  });
});

describe('API keys for admins', () => {
  it('creates a key shown once, lists keys without secrets, revokes one (its sessions end); others may not', async () => {
    const admin = await env.key('admin');
    const created = await env.call(admin, 'POST', '/v1/admin/api-keys', { name: 'Binhe desk', role: 'handler', unitId: 'street-binhe' });
    expect(created.statusCode, created.body).toBe(201);
    const { key, apiKey } = created.json<{ key: string; apiKey: { id: string; role: string; unitId: string } }>();
    expect(apiKey).toMatchObject({ role: 'handler', unitId: 'street-binhe' });
    expect((await env.call(key, 'GET', '/v1/complaints')).statusCode).toBe(200);
    const cookie = await cookieOf(key);
    const listed = await env.call(admin, 'GET', '/v1/admin/api-keys');
    // The secret is what follows `jsk_<id>_` (base64url: it may itself hold underscores).
    expect(listed.body).not.toContain(key.slice(`jsk_${apiKey.id}_`.length));
    expect(listed.json<{ keys: Array<{ id: string }>; names: { units: Record<string, string> } }>()).toMatchObject({ keys: expect.arrayContaining([expect.objectContaining({ id: apiKey.id })]), names: { units: { 'street-binhe': '滨河街道' } } });

    expect((await env.call(admin, 'POST', '/v1/admin/api-keys', { name: 'x', role: 'handler' })).statusCode).toBe(422);
    expect((await env.call(admin, 'POST', '/v1/admin/api-keys', { name: 'x', role: 'handler', unitId: 'no-such-unit' })).statusCode).toBe(422);
    expect((await env.call(await env.key('supervisor', 'centre'), 'POST', '/v1/admin/api-keys', { name: 'x', role: 'admin' })).statusCode).toBe(403);

    const revoked = await env.call(admin, 'POST', `/v1/admin/api-keys/${apiKey.id}/revoke`);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json<{ revokedAt: string | null }>().revokedAt).not.toBeNull();
    expect((await env.call(key, 'GET', '/v1/complaints')).statusCode).toBe(401);
    await eventually(async () => ((await env.app.inject({ method: 'GET', url: '/v1/complaints', headers: { cookie } })).statusCode === 401 ? true : undefined));
    expect((await env.call(admin, 'POST', '/v1/admin/api-keys/000000000000/revoke')).statusCode).toBe(404);
  });
});

describe('queue counts and the accountability ladder', () => {
  it('counts what a list would list, with its warning and overdue cases', async () => {
    const handler = await env.key('handler', 'comm-heping-east');
    // A title of its own, so cases of other test files (whose warnings come and go) stay out of both answers.
    const title = `Counted ${env.ticket()}`;
    await fileThroughApi(env, { title, location: { unitId: 'comm-heping-east' } });
    await fileThroughApi(env, { title, location: { unitId: 'comm-heping-east' } });
    const filters = `open=true&unitId=comm-heping-east&q=${encodeURIComponent(title)}`;
    const counts = await eventually(async () => {
      const c = (await env.call(handler, 'GET', `/v1/complaints/counts?${filters}`)).json<{ total: number; warning: number; overdue: number }>();
      return c.total === 2 ? c : undefined;
    });
    const list = (await env.call(handler, 'GET', `/v1/complaints?${filters}&limit=500`)).json<{ items: Array<{ warning: boolean; overdue: boolean }> }>();
    expect(counts).toEqual({ total: list.items.length, warning: list.items.filter((i) => i.warning && !i.overdue).length, overdue: list.items.filter((i) => i.overdue).length });
    // Another unit's handler counts none of them.
    const other = await env.key('handler', 'comm-binhe-park');
    expect((await env.call(other, 'GET', `/v1/complaints/counts?q=${encodeURIComponent(title)}`)).json()).toEqual({ total: 0, warning: 0, overdue: 0 });
  });

  it("answers each unit's strikes in effect in the window, those open to appeal, and the sanction they bring", async () => {
    const supervisor = await env.key('supervisor', 'centre');
    const window = 2031;
    await env.database.db.execute(
      `INSERT INTO strikes (id, unit_id, source, at, "window", number, status) VALUES
        ('lad-1', 'dept-water', 'ranking', '2031-02-01', ${window}, 1, 'effective'),
        ('lad-2', 'dept-water', 'ranking', '2031-03-01', ${window}, 2, 'effective'),
        ('lad-3', 'comm-binhe-park', 'ranking', '2031-03-01', ${window}, 1, 'effective'),
        ('lad-4', 'comm-binhe-park', 'ranking', '2031-04-01', ${window}, 2, 'pending'),
        ('lad-5', 'dept-health', 'ranking', '2031-04-01', ${window}, 1, 'voided')
       ON CONFLICT DO NOTHING` as never,
    );
    const ladder = (await env.call(supervisor, 'GET', `/v1/accountability/ladder?window=${window}`)).json<{ districtId: string; units: Array<{ unitId: string; strikes: number; sanction: string }> }>();
    expect(ladder.districtId).toBe('centre');
    // A strike open to appeal is shown but places nobody; a voided one is gone.
    expect(ladder.units).toEqual([
      { unitId: 'dept-water', strikes: 2, pending: 0, sanction: 'interview', frozen: false },
      { unitId: 'comm-binhe-park', strikes: 1, pending: 1, sanction: 'notice', frozen: false },
    ]);
    expect((await env.call(await env.key('handler', 'dept-water'), 'GET', `/v1/accountability/ladder?window=${window}`)).statusCode).toBe(403);
  });
});
