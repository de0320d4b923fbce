/**
 * Names people read, beside the ids: every API answer that mentions units or categories carries a `names`
 * object (`{ units: { id: name }, categories: { id: name } }`); the app learns them from each answer it
 * reads, so every page shows names, never ids, without asking for them separately.
 */
import { reactive } from 'vue';

/** The names learned so far. */
export const names = reactive<{ units: Record<string, string>; categories: Record<string, string> }>({ units: {}, categories: {} });

/** Learns the names an answer carries (an answer without them changes nothing). */
export function learnNames(answer: unknown): void {
  const given = (answer as { names?: { units?: Record<string, string>; categories?: Record<string, string> } } | null)?.names;
  if (!given || typeof given !== 'object') return;
  Object.assign(names.units, given.units ?? {});
  Object.assign(names.categories, given.categories ?? {});
}

/** A category's name, or its id while no answer has named it. */
export const categoryName = (id: string | null | undefined): string => (id ? (names.categories[id] ?? id) : '—');
