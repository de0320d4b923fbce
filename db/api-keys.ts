import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq, isNull } from 'drizzle-orm';
import { isSourceName, SOURCE_NAME_RULE } from '../domain/case.js';
import type { Db } from './client.js';
import { apiKeys, type ApiKeyRow } from './schema.js';
import { revokeSessionsOfKey } from './sessions.js';

/** Roles an API key can carry. */
export const PRINCIPAL_ROLES = ['intake', 'handler', 'dispatcher', 'supervisor', 'evaluator', 'admin'] as const;
export type PrincipalRole = (typeof PRINCIPAL_ROLES)[number];

export const isPrincipalRole = (role: string): role is PrincipalRole => (PRINCIPAL_ROLES as readonly string[]).includes(role);

/** Who is calling: the key's id, role and binding. */
export interface Principal {
  keyId: string;
  name: string;
  role: PrincipalRole;
  unitId: string | null;
  source: string | null;
}

/** The principal a key row stands for. */
export const toPrincipal = (row: ApiKeyRow): Principal => ({
  keyId: row.id,
  name: row.name,
  role: row.role as PrincipalRole,
  unitId: row.unitId,
  source: row.source,
});

const KEY_PATTERN = /^jsk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** Splits a presented key into id and secret, or undefined if it is not a Jiesu key. */
export function splitApiKey(key: string): { id: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(key);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

export interface NewApiKey {
  name: string;
  role: PrincipalRole;
  unitId?: string | null;
  source?: string | null;
}

/** Rules of binding: handlers, dispatchers and supervisors act for a unit; intake keys name their portal. */
export function bindingProblem({ role, unitId, source }: NewApiKey): string | undefined {
  if (['handler', 'dispatcher', 'supervisor'].includes(role) && !unitId) return `A ${role} key must be bound to a unit`;
  if (role === 'intake' && !source) return 'An intake key must name its source portal';
  if (role === 'intake' && !isSourceName(source!)) return `An intake key's source is the first part of every case number: ${SOURCE_NAME_RULE} (got "${source}")`;
  if (role !== 'intake' && source) return `A ${role} key has no source portal`;
  if (!['handler', 'dispatcher', 'supervisor'].includes(role) && unitId) return `A ${role} key is not bound to a unit`;
  return undefined;
}

/** Creates a key and returns it in plain text — the only time it is ever visible. */
export async function createApiKey(db: Db, input: NewApiKey): Promise<{ key: string; row: ApiKeyRow }> {
  const problem = bindingProblem(input);
  if (problem) throw new Error(problem);
  const id = randomBytes(8).toString('hex').slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  const [row] = await db
    .insert(apiKeys)
    .values({ id, name: input.name, role: input.role, unitId: input.unitId ?? null, source: input.source ?? null, secretHash: hashSecret(secret) })
    .returning();
  return { key: `jsk_${id}_${secret}`, row: row! };
}

export async function listApiKeys(db: Db): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).orderBy(apiKeys.createdAt);
}

/** Revokes a key and ends its browser sessions (api/sessions.ts) in one transaction. */
export async function revokeApiKey(db: Db, id: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, id)).returning({ id: apiKeys.id });
    await revokeSessionsOfKey(tx, id);
    return rows.length > 0;
  });
}

export async function activeApiKeys(db: Db): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).where(isNull(apiKeys.revokedAt));
}
