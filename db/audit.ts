import type { Db } from './client.js';
import { auditEvents } from './schema.js';

/** One audited act: who (key), what (`codec.decode`, `session.open`, …), to what (a case number, a workflow id), details. */
export interface AuditEvent {
  keyId: string | null;
  action: string;
  subject: string | null;
  detail?: Record<string, unknown>;
}

/** Appends audit events (the table is append-only: nothing updates or deletes them). */
export async function recordAudit(db: Db, events: AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.insert(auditEvents).values(events.map((e) => ({ keyId: e.keyId, action: e.action, subject: e.subject, detail: e.detail ?? null })));
}
