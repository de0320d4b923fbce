import { createHash, randomBytes } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { toPrincipal, type Principal, type PrincipalRole } from '../db/api-keys.js';
import { recordAudit } from '../db/audit.js';
import type { Db } from '../db/client.js';
import { findLiveSession, insertSession, revokeSession } from '../db/sessions.js';
import { presentedKey, type KeyStore } from './auth.js';
import { HttpProblem } from './problem.js';
import { problemResponses } from './schemas.js';

/** What a browser session is for. A session of one purpose is never accepted for the other. */
export type SessionPurpose = 'codec' | 'workbench';

/** The cookie of a purpose and how long its sessions last. */
export interface SessionPolicy {
  cookie: string;
  /** Cookie path: only requests below it carry the cookie. */
  path: string;
  ttlSeconds: number;
}

/**
 * Every session cookie is HttpOnly and SameSite=Strict, and Secure outside development. Strict also serves
 * the Temporal UI's codec calls: they are cross-origin but same-site (browsers compare sites, not ports or
 * subdomains' origins), which is why the Temporal UI and the API must be served from the same site.
 */
export const SESSION_POLICIES: Record<SessionPurpose, SessionPolicy> = {
  codec: { cookie: 'jiesu_codec', path: '/codec', ttlSeconds: 8 * 3600 },
  workbench: { cookie: 'jiesu_workbench', path: '/', ttlSeconds: 12 * 3600 },
};

/** 32 random bytes, base64url: what the cookie carries. The database keeps only its SHA-256. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

interface Cached {
  purpose: SessionPurpose;
  principal: Principal;
  expiresAt: number;
  /** Until when this process trusts the entry without asking PostgreSQL again. */
  checkedUntil: number;
}

export interface SessionStoreOptions {
  /** Mark cookies Secure (every mode but development). */
  secure: boolean;
  /** How long a verified session is trusted in memory: logout and key revocation elsewhere take effect within it. */
  cacheMs?: number;
}

/**
 * Browser sessions opened with an API key: the key is presented once, and the cookie carries a random
 * token instead. Sessions live in PostgreSQL (table `sessions`), so every API process shares them; one
 * ends at its expiry, at logout, or when its API key is revoked. Each process trusts a verification for
 * `cacheMs` (2 s by default), so a logout or revocation elsewhere takes effect within that.
 */
export class SessionStore {
  private readonly cache = new Map<string, Cached>();
  private readonly cacheMs: number;

  constructor(
    private readonly db: Db,
    private readonly options: SessionStoreOptions,
  ) {
    this.cacheMs = options.cacheMs ?? 2_000;
  }

  /** Opens a session for a verified principal; returns the token for the cookie. Audited. */
  async open(principal: Principal, purpose: SessionPurpose): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + SESSION_POLICIES[purpose].ttlSeconds * 1000);
    const id = tokenHash(token);
    await insertSession(this.db, { id, keyId: principal.keyId, purpose, expiresAt });
    await recordAudit(this.db, [{ keyId: principal.keyId, action: 'session.open', subject: `session:${id.slice(0, 16)}`, detail: { purpose, expiresAt: expiresAt.toISOString() } }]);
    return { token, expiresAt };
  }

  /** The principal of a live session of this purpose, or undefined. */
  async verify(token: string, purpose: SessionPurpose): Promise<(Principal & { expiresAt: Date }) | undefined> {
    if (!TOKEN_PATTERN.test(token)) return undefined;
    const id = tokenHash(token);
    const now = Date.now();
    const cached = this.cache.get(id);
    if (cached && cached.checkedUntil > now) {
      return cached.purpose === purpose && cached.expiresAt > now ? { ...cached.principal, expiresAt: new Date(cached.expiresAt) } : undefined;
    }
    const live = await findLiveSession(this.db, id, purpose);
    if (!live) {
      this.cache.delete(id);
      return undefined;
    }
    this.remember(id, { purpose, principal: toPrincipal(live.key), expiresAt: live.session.expiresAt.getTime(), checkedUntil: now + this.cacheMs });
    return { ...toPrincipal(live.key), expiresAt: live.session.expiresAt };
  }

  /** Ends a session (logout); audited. False if it was not live. */
  async close(token: string, principal: Principal, purpose: SessionPurpose): Promise<boolean> {
    if (!TOKEN_PATTERN.test(token)) return false;
    const id = tokenHash(token);
    this.cache.delete(id);
    const closed = await revokeSession(this.db, id);
    if (closed) await recordAudit(this.db, [{ keyId: principal.keyId, action: 'session.close', subject: `session:${id.slice(0, 16)}`, detail: { purpose } }]);
    return closed;
  }

  /** The Set-Cookie value that stores a session's token. */
  cookie(purpose: SessionPurpose, token: string, expiresAt: Date): string {
    const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
    return this.cookieWith(purpose, token, maxAge);
  }

  /** The Set-Cookie value that removes a purpose's cookie. */
  clearedCookie(purpose: SessionPurpose): string {
    return this.cookieWith(purpose, '', 0);
  }

  private cookieWith(purpose: SessionPurpose, value: string, maxAge: number): string {
    const { cookie, path } = SESSION_POLICIES[purpose];
    return `${cookie}=${value}; Path=${path}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${this.options.secure ? '; Secure' : ''}`;
  }

  private remember(id: string, entry: Cached): void {
    if (this.cache.size >= 10_000) {
      const now = Date.now();
      for (const [key, value] of this.cache) if (value.checkedUntil <= now) this.cache.delete(key);
    }
    this.cache.set(id, entry);
  }
}

/** The session token a request's cookie carries for a purpose. */
export function sessionToken(request: FastifyRequest, purpose: SessionPurpose): string | undefined {
  const name = SESSION_POLICIES[purpose].cookie;
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** The principal of the request's session of this purpose, or undefined. */
export async function sessionPrincipal(sessions: SessionStore, request: FastifyRequest, purpose: SessionPurpose): Promise<(Principal & { expiresAt: Date }) | undefined> {
  const token = sessionToken(request, purpose);
  return token === undefined ? undefined : sessions.verify(token, purpose);
}

export interface SessionRoutesOptions {
  sessions: SessionStore;
  keys: KeyStore;
  purpose: SessionPurpose;
  /** Where the routes live: `<base>/session` (GET, POST) and `<base>/logout` (POST). */
  base: string;
  /** Roles whose keys may open a session. */
  roles: readonly PrincipalRole[];
  /** An HTML sign-in form posts here; it is sent back to this page (303) after signing in or out. */
  page?: string;
  tag: string;
}

const SessionInfo = Type.Object({
  purpose: Type.String(),
  keyId: Type.String(),
  name: Type.String(),
  role: Type.String(),
  unitId: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.String({ format: 'date-time' }),
});

/**
 * Sign-in, status and logout for one purpose's sessions. The codec registers them under /codec; the
 * workbench under its own base path. Signing in takes the key as `Authorization: Bearer …`, `X-Api-Key`, or
 * a `key` field (JSON or an HTML form); a session cookie alone cannot open another session.
 */
export const sessionRoutes: FastifyPluginAsyncTypebox<SessionRoutesOptions> = async (app, { sessions, keys, purpose, base, roles, page, tag }) => {
  await app.register(formbody);
  const fromForm = (request: FastifyRequest): boolean => (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  const done = (request: FastifyRequest, reply: FastifyReply) => (page && fromForm(request) ? reply.redirect(page, 303) : undefined);
  const info = (principal: Principal & { expiresAt: Date }) => ({
    purpose,
    keyId: principal.keyId,
    name: principal.name,
    role: principal.role,
    unitId: principal.unitId,
    expiresAt: principal.expiresAt.toISOString(),
  });

  app.post(
    `${base}/session`,
    {
      schema: {
        tags: [tag],
        summary: `Sign in: exchange an API key (${roles.join(', ')}) for a ${purpose} session cookie (HttpOnly, SameSite=Strict)`,
        security: [{ apiKey: [] }],
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        body: Type.Object({ key: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
        response: { 201: SessionInfo, 303: Type.Null(), ...problemResponses(400, 401, 403) },
      },
      // A key in a header needs no body.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const key = presentedKey(request) ?? request.body.key?.trim();
      if (!key) {
        throw new HttpProblem(401, 'unauthenticated', 'Authentication required', 'Send an API key (Authorization: Bearer <key>, or a "key" field) to open a session; a session cookie cannot open another');
      }
      const principal = await keys.verify(key);
      if (!principal) throw new HttpProblem(401, 'unauthenticated', 'Authentication required', 'The API key is unknown or revoked');
      if (!roles.includes(principal.role)) throw new HttpProblem(403, 'forbidden', 'Forbidden', `A ${principal.role} key cannot open a ${purpose} session; allowed: ${roles.join(', ')}`);
      request.principal = principal;
      const { token, expiresAt } = await sessions.open(principal, purpose);
      void reply.header('set-cookie', sessions.cookie(purpose, token, expiresAt)).header('cache-control', 'no-store');
      return done(request, reply) ?? reply.status(201).send(info({ ...principal, expiresAt }));
    },
  );

  app.get(
    `${base}/session`,
    {
      schema: {
        tags: [tag],
        summary: `The ${purpose} session this browser holds`,
        response: { 200: SessionInfo, ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      const principal = await sessionPrincipal(sessions, request, purpose);
      if (!principal) throw new HttpProblem(401, 'unauthenticated', 'No session', `No live ${purpose} session: sign in with POST ${base}/session`);
      return reply.header('cache-control', 'no-store').send(info(principal));
    },
  );

  app.post(
    `${base}/logout`,
    {
      schema: {
        tags: [tag],
        summary: `Sign out: end this browser's ${purpose} session and remove its cookie`,
        response: { 204: Type.Null(), 303: Type.Null() },
      },
    },
    async (request, reply) => {
      const token = sessionToken(request, purpose);
      const principal = token === undefined ? undefined : await sessions.verify(token, purpose);
      if (token !== undefined && principal) await sessions.close(token, principal, purpose);
      void reply.header('set-cookie', sessions.clearedCookie(purpose));
      return done(request, reply) ?? reply.status(204).send(null);
    },
  );
};
