import type { Db } from '../db/client.js';
import { units } from '../db/schema.js';
import { areaContains, distanceMetres, type GeoPoint, type UnitArea, type UnitChain, type UnitRef } from '../domain/units.js';
import type { Logger } from '../infra/logger.js';
import { RefreshingCache } from './refreshing-cache.js';

interface Entry extends UnitRef {
  parentId: string | null;
  active: boolean;
  area: UnitArea | null;
}

/**
 * The unit tree in memory (a district has dozens to hundreds of units), refreshed periodically and
 * after admin edits. Authorisation ("is this case within my street?") and unit references in
 * requests are answered from here without a query per request.
 */
export class UnitDirectory extends RefreshingCache {
  private entries = new Map<string, Entry>();

  constructor(
    private readonly db: Db,
    logger: Logger,
    refreshMs = 30_000,
  ) {
    super(logger, refreshMs, 'the unit tree');
  }

  protected async load(): Promise<void> {
    const rows = await this.db.select().from(units);
    this.entries = new Map(rows.map((r) => [r.id, { id: r.id, name: r.name, level: r.level, kind: r.kind, parentId: r.parentId, active: r.active, area: r.area }]));
  }

  get(id: string): UnitRef | undefined {
    const entry = this.entries.get(id);
    return entry?.active ? { id: entry.id, name: entry.name, level: entry.level, kind: entry.kind } : undefined;
  }

  /** The display name of a unit, also of an inactive one (cases keep naming the units that held them). */
  name(id: string): string | undefined {
    return this.entries.get(id)?.name;
  }

  /** An active unit with its ancestors, nearest first. */
  chain(id: string): UnitChain | undefined {
    const unit = this.get(id);
    if (!unit) return undefined;
    const ancestors: UnitRef[] = [];
    let parent = this.entries.get(id)?.parentId ?? null;
    while (parent !== null && ancestors.length < 16) {
      const entry = this.entries.get(parent);
      if (!entry) break;
      ancestors.push({ id: entry.id, name: entry.name, level: entry.level, kind: entry.kind });
      parent = entry.parentId;
    }
    return { unit, ancestors };
  }

  /**
   * Why a complaint cannot happen at `unitId`, or undefined if it can: a place is an active community,
   * grid or street inside a district (a department or the centre is nobody's address).
   */
  locationProblem(unitId: string): string | undefined {
    const chain = this.chain(unitId);
    if (!chain) return `No active unit "${unitId}"`;
    if (chain.unit.kind === 'department' || chain.unit.kind === 'centre') return `"${unitId}" is a ${chain.unit.kind}, not a place; name the community (or grid) where the matter happens`;
    if (!chain.ancestors.some((u) => u.kind === 'centre')) return `"${unitId}" belongs to no district centre`;
    return undefined;
  }

  /** True if `unitId` is `scopeId` or lies below it. */
  within(unitId: string, scopeId: string): boolean {
    let current: string | null = unitId;
    for (let depth = 0; current !== null && depth < 17; depth += 1) {
      if (current === scopeId) return true;
      current = this.entries.get(current)?.parentId ?? null;
    }
    return false;
  }

  /**
   * Active units whose area contains the point, the smallest area first (a grid before the community
   * it lies in), nearest centre first among equals.
   */
  containing(point: GeoPoint): UnitRef[] {
    return [...this.entries.values()]
      .filter((e): e is Entry & { area: UnitArea } => e.active && e.area !== null && areaContains(e.area, point))
      .sort((a, b) => a.area.radiusM - b.area.radiusM || distanceMetres(a.area, point) - distanceMetres(b.area, point))
      .map((e) => ({ id: e.id, name: e.name, level: e.level, kind: e.kind }));
  }

  /** Ids of `scopeId` and every unit below it. */
  subtree(scopeId: string): string[] {
    return [...this.entries.keys()].filter((id) => this.within(id, scopeId));
  }

  all(): Array<UnitRef & { parentId: string | null; active: boolean; area: UnitArea | null }> {
    return [...this.entries.values()];
  }
}

/**
 * Why a matter's owners cannot be published: the lead department and each co-department must be an active
 * department, and the lead is not also a co-department. `fields` name them in the errors.
 */
export function ownerProblems(
  units: UnitDirectory,
  item: { departmentId: string | null; coDepartmentIds: readonly string[] },
  fields: { lead: string; co: string },
): Array<{ field: string; message: string }> {
  const notDepartment = (id: string) => units.get(id)?.kind !== 'department';
  return [
    ...(item.departmentId !== null && notDepartment(item.departmentId) ? [{ field: fields.lead, message: 'is not an active department' }] : []),
    ...item.coDepartmentIds.flatMap((co, j) =>
      notDepartment(co) ? [{ field: `${fields.co}/${j}`, message: 'is not an active department' }] : co === item.departmentId ? [{ field: `${fields.co}/${j}`, message: 'is the lead department' }] : [],
    ),
  ];
}
