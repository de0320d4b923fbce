/** The unit tree, read once per sign-in: names for ids, and choices for unit fields. */
import { ref } from 'vue';
import { get } from './api.js';
import { names } from './names.js';
import type { Unit } from './types.js';

export const units = ref<Unit[]>([]);
let loading: Promise<Unit[]> | undefined;

export function loadUnits(force = false): Promise<Unit[]> {
  if (!loading || force) {
    loading = get<Unit[]>('/v1/units').then((list) => (units.value = list));
    loading.catch(() => (loading = undefined));
  }
  return loading;
}

export const unitById = (id: string | null | undefined): Unit | undefined => (id ? units.value.find((u) => u.id === id) : undefined);

/** A unit's name: as the answers name it, else from the tree, else its id (a unit no answer or tree knows). */
export const unitName = (id: string | null | undefined): string => (id ? (names.units[id] ?? unitById(id)?.name ?? id) : '—');

/** The units below `id` (not itself), nearest first. */
export function below(id: string): Unit[] {
  const out: Unit[] = [];
  const walk = (parent: string) => {
    for (const u of units.value.filter((x) => x.parentId === parent)) {
      out.push(u);
      walk(u.id);
    }
  };
  walk(id);
  return out;
}

/** The district centre a unit belongs to (the root of its tree). */
export function districtOf(id: string | null | undefined): Unit | undefined {
  let unit = unitById(id);
  while (unit?.parentId) unit = unitById(unit.parentId);
  return unit ?? units.value.find((u) => u.parentId === null);
}
