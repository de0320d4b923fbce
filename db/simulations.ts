/** What-if simulations kept for their reports (`POST /v1/simulations`). */
import { eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { simulations } from './schema.js';

export type SimulationRow = typeof simulations.$inferSelect;

export async function saveSimulation(db: Db, row: Omit<SimulationRow, 'createdAt'>): Promise<SimulationRow> {
  const [saved] = await db.insert(simulations).values(row).returning();
  return saved!;
}

export async function findSimulation(db: Db, id: string): Promise<SimulationRow | undefined> {
  const [row] = await db.select().from(simulations).where(eq(simulations.id, id));
  return row;
}
