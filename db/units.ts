import { sql } from 'drizzle-orm';
import type { UnitChain, UnitRef } from '../domain/units.js';
import type { Db } from './client.js';

type UnitRow = UnitRef & { depth: number; active: boolean } & Record<string, unknown>;

/** A unit and its ancestors (nearest first), or undefined for an unknown or inactive unit. */
export async function loadUnitChain(db: Db, unitId: string): Promise<UnitChain | undefined> {
  const result = await db.execute<UnitRow>(sql`
    WITH RECURSIVE chain AS (
      SELECT id, name, level, kind, parent_id, active, 0 AS depth FROM units WHERE id = ${unitId}
      UNION ALL
      SELECT u.id, u.name, u.level, u.kind, u.parent_id, u.active, chain.depth + 1
      FROM units u JOIN chain ON u.id = chain.parent_id
      WHERE chain.depth < 16
    )
    SELECT id, name, level, kind, active, depth FROM chain ORDER BY depth`);
  const [self, ...ancestors] = result.rows.map(({ id, name, level, kind, active }) => ({ ref: { id, name, level, kind }, active }));
  if (!self?.active) return undefined;
  return { unit: self.ref, ancestors: ancestors.map((a) => a.ref) };
}
