import type { Db } from '../db/client.js';
import { units } from '../db/schema.js';
import { areaContains, distanceMetres, type GeoPoint, type UnitArea, type UnitChain, type UnitRef } from '../domain/units.js';
import type { Logger } from '../infra/logger.js';

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
export class UnitDirectory {
  private entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly refreshMs = 30_000,
  ) {}

  async refresh(): Promise<void> {
    try {
      const rows = await this.db.select().from(units);
      this.entries = new Map(rows.map((r) => [r.id, { id: r.id, name: r.name, level: r.level, kind: r.kind, parentId: r.parentId, active: r.active, area: r.area }]));
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not refresh the unit tree; keeping the last known one');
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get(id: string): UnitRef | undefined {
    const entry = this.entries.get(id);
    return entry?.active ? { id: entry.id, name: entry.name, level: entry.level, kind: entry.kind } : undefined;
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
