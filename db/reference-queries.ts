/**
 * Read queries over reference data that routes and activities share, so each piece of knowledge has
 * one definition: which responsibility list is in force.
 */
import { and, desc, eq } from 'drizzle-orm';
import type { Db, Tx } from './client.js';
import { responsibilityItems, responsibilityLists } from './schema.js';

/** One matter of a responsibility list: the level that owns it and, for district matters, the department (the lead) and the departments that join it. */
export interface ListItem {
  category: string;
  name: string;
  nameEn: string | null;
  level: string;
  departmentId: string | null;
  coDepartmentIds: string[];
}

/** A published version of the responsibility list with its items. */
export interface ResponsibilityList {
  version: number;
  note: string;
  publishedAt: Date;
  items: ListItem[];
}

/**
 * The responsibility list in force — the highest published version — or the given version, with its
 * items ordered by category (only the one of `category` when given). Undefined when none is published.
 */
export async function responsibilityList(db: Db | Tx, options: { version?: number; category?: string } = {}): Promise<ResponsibilityList | undefined> {
  const [list] = await db
    .select()
    .from(responsibilityLists)
    .where(options.version === undefined ? undefined : eq(responsibilityLists.version, options.version))
    .orderBy(desc(responsibilityLists.version))
    .limit(1);
  if (!list) return undefined;
  const items = await db
    .select({
      category: responsibilityItems.category,
      name: responsibilityItems.name,
      nameEn: responsibilityItems.nameEn,
      level: responsibilityItems.level,
      departmentId: responsibilityItems.departmentId,
      coDepartmentIds: responsibilityItems.coDepartmentIds,
    })
    .from(responsibilityItems)
    .where(and(eq(responsibilityItems.listVersion, list.version), options.category === undefined ? undefined : eq(responsibilityItems.category, options.category)))
    .orderBy(responsibilityItems.category);
  return { ...list, items };
}
