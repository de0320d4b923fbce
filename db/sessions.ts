import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from './client.js';
import { apiKeys, sessions, type ApiKeyRow, type SessionRow } from './schema.js';

/** A session that is live now: not expired, not logged out, and its API key not revoked. */
export interface LiveSession {
  session: SessionRow;
  key: ApiKeyRow;
}

export async function insertSession(db: Db, row: Pick<SessionRow, 'id' | 'keyId' | 'purpose' | 'expiresAt'>): Promise<SessionRow> {
  const [inserted] = await db.insert(sessions).values(row).returning();
  return inserted!;
}

/** The live session with this id and purpose, with its key; one indexed query. */
export async function findLiveSession(db: Db, id: string, purpose: string): Promise<LiveSession | undefined> {
  const [found] = await db
    .select({ session: sessions, key: apiKeys })
    .from(sessions)
    .innerJoin(apiKeys, eq(apiKeys.id, sessions.keyId))
    .where(and(eq(sessions.id, id), eq(sessions.purpose, purpose), isNull(sessions.revokedAt), gt(sessions.expiresAt, new Date()), isNull(apiKeys.revokedAt)));
  return found;
}

/** Ends a session (logout); false if it was not live. */
export async function revokeSession(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(sessions.id, id), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return rows.length > 0;
}

/** Ends every live session of a key (the key was revoked); runs in the caller's transaction when given one. */
export async function revokeSessionsOfKey(db: Pick<Db, 'update'>, keyId: string): Promise<number> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(sessions.keyId, keyId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return rows.length;
}
