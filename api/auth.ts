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

/** Authenticates every route that declares `config.roles` and checks the caller's role. */
export const authPlugin = fp<{ keys: KeyStore }>(async (app, { keys }) => {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const roles = request.routeOptions.config.roles;
    if (!roles) return;
    const key = presentedKey(request);
    if (!key) throw new HttpProblem(401, 'unauthenticated', 'Authentication required', 'Send an API key as "Authorization: Bearer <key>" or "X-Api-Key"');
    const principal = await keys.verify(key);
    if (!principal) throw new HttpProblem(401, 'unauthenticated', 'Authentication required', 'The API key is unknown or revoked');
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
