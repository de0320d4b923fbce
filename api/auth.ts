import fp from 'fastify-plugin';
import { eq } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { activeApiKeys, secretMatches, splitApiKey, toPrincipal, type Principal, type PrincipalRole } from '../db/api-keys.js';
import type { Db } from '../db/client.js';
import { apiKeys, type ApiKeyRow } from '../db/schema.js';
import type { Logger } from '../infra/logger.js';
import { HttpProblem } from './problem.js';
import { RefreshingCache } from './refreshing-cache.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; set on every route that declares `config.roles`. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Who may call the route. Routes without it are public (health, docs). */
    roles?: readonly PrincipalRole[];
  }
}

/**
 * Verified API keys, held in memory and refreshed from PostgreSQL every few seconds, so that
 * authentication (and with it intake) keeps working while the database is down. A key not yet in
 * memory is looked up once; unknown ids are remembered briefly so guessing cannot flood the database.
 */
export class KeyStore extends RefreshingCache {
  private keys = new Map<string, ApiKeyRow>();
  private unknown = new Map<string, number>();

  constructor(
    private readonly db: Db,
    logger: Logger,
    refreshMs = 10_000,
  ) {
    super(logger, refreshMs, 'API keys');
  }

  protected async load(): Promise<void> {
    const rows = await activeApiKeys(this.db);
    this.keys = new Map(rows.map((r) => [r.id, r]));
    this.unknown.clear();
  }

  async verify(key: string): Promise<Principal | undefined> {
    const parts = splitApiKey(key);
    if (!parts) return undefined;
    let row = this.keys.get(parts.id);
    if (!row && (this.unknown.get(parts.id) ?? 0) < Date.now()) {
      try {
        [row] = await this.db.select().from(apiKeys).where(eq(apiKeys.id, parts.id));
        if (row && row.revokedAt === null) this.keys.set(row.id, row);
        else this.unknown.set(parts.id, Date.now() + this.refreshMs);
      } catch {
        return undefined;
      }
    }
    if (!row || row.revokedAt !== null || !secretMatches(parts.secret, row.secretHash)) return undefined;
    return toPrincipal(row);
  }
}

/** The API key a request presents in its headers: `Authorization: Bearer …` or `X-Api-Key`. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' ? apiKey : undefined;
}

/** The header a browser app sends with every request its session cookie authenticates (see {@link authPlugin}). */
export const BROWSER_APP_HEADER = 'x-jiesu-app';

/** Methods that change nothing: a cookie alone may authenticate them. */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

export interface AuthOptions {
  keys: KeyStore;
  /** The principal of a browser session the request's cookie carries (the workbench), if any. */
  session?: (request: FastifyRequest) => Promise<Principal | undefined>;
}

/**
 * Authenticates every route that declares `config.roles` and checks the caller's role. The caller is an API
 * key (`Authorization: Bearer …` or `X-Api-Key`) or, without one, a workbench session cookie, so the web app
 * uses the same routes as every client and a new route or action needs nothing of its own to appear there.
 * Against cross-site request forgery the cookie is SameSite=Strict (other sites' pages never send it) and a
 * request that changes something must also carry the {@link BROWSER_APP_HEADER} header: a form of another
 * origin on the same site cannot set it, and a script of another origin could only after a CORS preflight,
 * which no /v1 route grants.
 */
export const authPlugin = fp<AuthOptions>(async (app, { keys, session }) => {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const roles = request.routeOptions.config.roles;
    if (!roles) return;
    const key = presentedKey(request);
    let principal: Principal | undefined;
    if (key !== undefined) {
      principal = await keys.verify(key);
      if (!principal) throw new HttpProblem(401, 'unauthenticated', 'Authentication required', 'The API key is unknown or revoked');
    } else {
      principal = await session?.(request);
      if (!principal) throw new HttpProblem(401, 'unauthenticated', 'Authentication required', 'Send an API key as "Authorization: Bearer <key>" or "X-Api-Key"');
      if (!SAFE_METHODS.has(request.method) && request.headers[BROWSER_APP_HEADER] === undefined) {
        throw new HttpProblem(403, 'forbidden', 'Forbidden', `A request authenticated by a session cookie must send the ${BROWSER_APP_HEADER} header`);
      }
    }
    if (!roles.includes(principal.role)) {
      throw new HttpProblem(403, 'forbidden', 'Forbidden', `A ${principal.role} key cannot call this; allowed: ${roles.join(', ')}`);
    }
    request.principal = principal;
  });
});

/** The authenticated principal of a route that declares roles. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new HttpProblem(401, 'unauthenticated', 'Authentication required');
  return request.principal;
}
