/**
 * One parsed process definition per (key, version) for all the cases a worker keeps in its cache. Each case
 * loads its definition (a local activity, or its continue-as-new input) and gets its own parsed copy; a
 * published version never changes, so those copies are equal and the cached cases can hold one between them.
 * This module is shared by every workflow of the worker (worker/create-worker.ts `sharedWorkflowModules`):
 * its table is the one module-level state workflow code has, and it is content-addressed, so what a case gets
 * back is always equal to what it loaded (tests/worker/shared-modules.test.ts proves it).
 */
import type { ProcessDefinition } from '../domain/process/definition.js';

/** The first definition seen of each `key@version`, deep-frozen, with its JSON to compare the next ones with. */
const firstSeen = new Map<string, { json: string; definition: ProcessDefinition }>();

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * The worker's one copy of a loaded definition, equal to it: the first one seen of its key and version, or
 * the definition itself (then frozen and kept) if it is the first. A definition that differs from the one
 * kept under its key and version (a test database redeployed, say) is returned as it is, never swapped.
 */
export function sharedDefinition(definition: ProcessDefinition): ProcessDefinition {
  const id = `${definition.key}@${definition.version}`;
  const json = JSON.stringify(definition);
  const known = firstSeen.get(id);
  if (known) return known.json === json ? known.definition : definition;
  firstSeen.set(id, { json, definition: deepFreeze(definition) });
  return definition;
}
