/**
 * Names people read, beside the ids: every answer that names a unit or a category carries one `names`
 * object, `{ units: { <unit id>: <name> }, categories: { <category>: <name> } }`, filled here and only here
 * from the unit directory and the responsibility list (in memory, so answers never wait on a query for
 * names and keep their names while PostgreSQL is down). CSV exports add name columns from the same lookups.
 */
import { sql } from 'drizzle-orm';
import { Type } from 'typebox';
import type { Db } from '../db/client.js';
import { responsibilityItems } from '../db/schema.js';
import type { Logger } from '../infra/logger.js';
import { RefreshingCache } from './refreshing-cache.js';
import type { UnitDirectory } from './units.js';

/** The names of the units and categories an answer mentions. */
export interface Names {
  units: Record<string, string>;
  categories: Record<string, string>;
}

export const NamesSchema = Type.Object(
  {
    units: Type.Record(Type.String(), Type.String(), { description: 'Unit id → display name' }),
    categories: Type.Record(Type.String(), Type.String(), { description: 'Category → display name' }),
  },
  { description: 'The display names of the units and categories this answer mentions by id' },
);

/**
 * The display name of every category: its name in the newest list version that has it (the list in force
 * for the categories it lists, the last name given for categories it dropped).
 */
export class CategoryDirectory extends RefreshingCache {
  private names = new Map<string, string>();

  constructor(
    private readonly db: Db,
    logger: Logger,
    refreshMs = 30_000,
  ) {
    super(logger, refreshMs, 'the category names');
  }

  protected async load(): Promise<void> {
    const { rows } = await this.db.execute<{ category: string; name: string }>(
      sql`select distinct on (${responsibilityItems.category}) ${responsibilityItems.category} as category, ${responsibilityItems.name} as name
          from ${responsibilityItems} order by ${responsibilityItems.category}, ${responsibilityItems.listVersion} desc`,
    );
    this.names = new Map(rows.map((r) => [r.category, r.name]));
  }

  name(category: string): string | undefined {
    return this.names.get(category);
  }
}

/** Where names come from. */
export interface NameSources {
  units: UnitDirectory;
  categories: CategoryDirectory;
}

/** Fields that hold unit ids (a string or a list of them) wherever they appear in an answer. */
export const UNIT_FIELDS: ReadonlySet<string> = new Set([
  'unitId',
  'fromUnitId',
  'toUnitId',
  'lead',
  'leadUnitId',
  'co',
  'coDepartments',
  'coDepartmentIds',
  'coUnitIds',
  'owner',
  'holders',
  'districtId',
  'streetId',
  'locationUnitId',
  'departmentId',
  'parentId',
  'scope',
  'by',
]);
/** Fields that hold a category. */
export const CATEGORY_FIELDS: ReadonlySet<string> = new Set(['category']);
const MAX_DEPTH = 8;

/** Collects names of unit and category ids (unknown ids are left out). */
export class NameBook {
  private readonly names: Names = { units: {}, categories: {} };

  constructor(private readonly sources: NameSources) {}

  unit(id: string | null | undefined): string | undefined {
    if (!id) return undefined;
    const name = this.sources.units.name(id);
    if (name !== undefined) this.names.units[id] = name;
    return name;
  }

  category(id: string | null | undefined): string | undefined {
    if (!id) return undefined;
    const name = this.sources.categories.name(id);
    if (name !== undefined) this.names.categories[id] = name;
    return name;
  }

  /** Every id under a unit or category field of `value` (objects and lists, any depth but `names` itself). */
  scan(value: unknown, depth = 0): this {
    if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return this;
    if (Array.isArray(value)) {
      for (const item of value) this.scan(item, depth + 1);
      return this;
    }
    for (const [field, inner] of Object.entries(value)) {
      if (field === 'names') continue;
      const pick = UNIT_FIELDS.has(field) ? (id: string) => this.unit(id) : CATEGORY_FIELDS.has(field) ? (id: string) => this.category(id) : undefined;
      if (pick && typeof inner === 'string') pick(inner);
      else if (pick && Array.isArray(inner)) inner.forEach((id) => typeof id === 'string' && pick(id));
      else this.scan(inner, depth + 1);
    }
    return this;
  }

  get(): Names {
    return this.names;
  }
}

/** The names of every unit and category `value` mentions by id. */
export function namesIn(value: unknown, sources: NameSources): Names {
  return new NameBook(sources).scan(value).get();
}
