/** Writes of the responsibility list: each publication is a new version; the highest version is in force. */
import { max, sql } from 'drizzle-orm';
import type { Tx } from './client.js';
import { responsibilityItems, responsibilityLists } from './schema.js';

/** One matter as it is published. */
export interface NewListItem {
  category: string;
  name: string;
  nameEn?: string | null;
  level: string;
  departmentId?: string | null;
  coDepartmentIds?: string[];
}

/** Arbitrary constant: the advisory lock that makes concurrent publications take turns. */
const PUBLISH_LOCK = 0x6a6c6973;

/**
 * Publishes `items` as the next version of the responsibility list and answers its number. Run it inside
 * a transaction with whatever else must happen with the publication; concurrent publications take turns,
 * so each gets a version of its own.
 */
export async function publishResponsibilityList(tx: Tx, { note, items }: { note: string; items: NewListItem[] }): Promise<number> {
  await tx.execute(sql`select pg_advisory_xact_lock(${PUBLISH_LOCK})`);
  const [{ latest } = { latest: 0 }] = await tx.select({ latest: max(responsibilityLists.version) }).from(responsibilityLists);
  const version = (latest ?? 0) + 1;
  await tx.insert(responsibilityLists).values({ version, note });
  await tx.insert(responsibilityItems).values(
    items.map((item) => ({ listVersion: version, category: item.category, name: item.name, nameEn: item.nameEn ?? null, level: item.level, departmentId: item.departmentId ?? null, coDepartmentIds: item.coDepartmentIds ?? [] })),
  );
  return version;
}
