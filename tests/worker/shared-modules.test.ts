/**
 * The worker evaluates the domain modules once and shares them between its workflows
 * (worker/create-worker.ts `sharedWorkflowModules`): that is what keeps a cached case small. These tests load
 * the bundle the way the worker does (the SDK's reusable V8 context, before any workflow exists) and check
 * that the sharing really happens, that nothing shared holds module-level state, and that a shared module
 * holding state would be caught.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ReusableVMWorkflowCreator } from '@temporalio/worker/lib/workflow/reusable-vm.js';
import { globalHandlers } from '@temporalio/worker/lib/workflow/vm-shared.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectRoot } from '../../infra/config.js';
import { sharedWorkflowModules } from '../../worker/create-worker.js';
import { findModuleState, type ModuleStateFinding } from '../helpers/module-state.js';

/**
 * Module-level state in what the worker shares, reviewed: none of it belongs to one workflow.
 * Keyed `<module>: <binding>`; the test fails on any finding not listed here and on any entry no longer found.
 */
const REVIEWED_STATE: Record<string, string> = {
  // A probe of whether `new Function` works, made once; the answer is the same for every workflow. The
  // workflows never compile a schema, so it is not even asked.
  './node_modules/typebox/build/system/environment/evaluate.mjs: supported': 'same answer for every workflow',
  // The FNV-1a accumulator and its scratch buffers: reset at the start of every Hash() and used only within
  // that one synchronous call, so no workflow sees another's values.
  './node_modules/typebox/build/system/hashing/hash.mjs: A0': 'reset by every Hash() call',
  './node_modules/typebox/build/system/hashing/hash.mjs: A1': 'reset by every Hash() call',
  './node_modules/typebox/build/system/hashing/hash.mjs: A2': 'reset by every Hash() call',
  './node_modules/typebox/build/system/hashing/hash.mjs: A3': 'reset by every Hash() call',
  './node_modules/typebox/build/system/hashing/hash.mjs: F64': 'scratch buffer within one call',
  './node_modules/typebox/build/system/hashing/hash.mjs: F64In': 'scratch buffer within one call',
  './node_modules/typebox/build/system/hashing/hash.mjs: F64Out': 'scratch buffer within one call',
  './node_modules/typebox/build/system/hashing/hash.mjs: encoder': 'a TextEncoder keeps no state between calls',
  // Process-wide configuration, changed only by Locale.Set / Settings.Set / Reset, which nothing in domain/
  // or workflows/ calls: every workflow reads the defaults.
  './node_modules/typebox/build/system/locale/_config.mjs: locale': 'configuration nobody sets',
  './node_modules/typebox/build/system/settings/settings.mjs: settings': 'configuration nobody sets',
  // A recursion guard of type instantiation, back to 0 when the outermost call returns (try/finally).
  './node_modules/typebox/build/type/engine/call/instantiate.mjs: instantiationDepth': 'zero between calls',
  './node_modules/typebox/build/type/engine/call/instantiate.mjs: instantiationCount': 'zero between calls',
};

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

/** The worker's workflow context, opened up to read its module cache. */
class InspectableCreator extends ReusableVMWorkflowCreator {
  /** Before any workflow exists, the module cache answers from the modules shared by all workflows only. */
  isShared(id: string): boolean {
    return (this.context as unknown as { __webpack_module_cache__: Record<string, unknown> }).__webpack_module_cache__[id] !== undefined;
  }
}

/** Every module of a bundle, and those the SDK's reusable context shares between workflows once it has loaded the bundle. */
async function modulesOf(code: string): Promise<{ all: string[]; shared: Set<string> }> {
  const all = [...code.matchAll(/^\/\*\*\*\/ "([^"]+)"/gm)].map((m) => m[1]!);
  const creator = await InspectableCreator.create({ code, filename: 'workflow-bundle.js', sourceMap: { version: 3, file: 'workflow-bundle.js', sources: [], names: [], mappings: '' } }, 5_000, new Set());
  try {
    return { all, shared: new Set(all.filter((id) => creator.isShared(id))) };
  } finally {
    await creator.destroy();
  }
}

/** The bundle's module id of a file (webpack names modules by their path from the project root). */
const moduleId = (file: string): string => `./${path.relative(projectRoot, file)}`;

/** Module-level state in the modules a bundle shares beyond what the SDK shares by itself. */
function stateIn(ids: Iterable<string>): ModuleStateFinding[] {
  return [...ids].filter((id) => id.startsWith('./')).flatMap((id) => findModuleState(path.join(projectRoot, id)).map((f) => ({ ...f, file: id })));
}

describe('modules shared between the workflows of a worker', () => {
  let sdkShared: Set<string>;
  beforeAll(async () => {
    // What the SDK shares by itself (its own runtime), measured on a bundle that preloads nothing.
    const { code } = await bundleWorkflowCode({ workflowsPath: path.join(projectRoot, 'tests', 'fixtures', 'shared-modules', 'workflows.ts'), logger: quiet });
    sdkShared = (await modulesOf(code)).shared;
  }, 120_000);
  afterAll(() => globalHandlers.uninstall());

  it('shares the domain modules and all they import; only workflows/ and a few SDK modules are evaluated per workflow', async () => {
    // The bundle every workflow test runs, built with worker/create-worker.ts `workflowBundleOptions` (tests/global-setup.ts).
    const { all, shared } = await modulesOf(await readFile(inject('workflowBundlePath'), 'utf8'));
    for (const file of sharedWorkflowModules) expect(shared, moduleId(file)).toContain(moduleId(file));
    const perWorkflow = all.filter((id) => !shared.has(id));
    // Anything else evaluated per workflow costs memory in every cached case: share it if it holds no state.
    expect(perWorkflow.filter((id) => !/^\.\/(workflows\/|node_modules\/@temporalio\/)|^\?/.test(id))).toEqual([]);
    expect(all.filter((id) => id.startsWith('./domain/')).every((id) => shared.has(id))).toBe(true);
    expect(all.filter((id) => id.includes('/node_modules/typebox/')).length).toBeGreaterThan(100);
  });

  it('shares nothing that holds module-level state beyond the reviewed TypeBox internals', async () => {
    const { shared } = await modulesOf(await readFile(inject('workflowBundlePath'), 'utf8'));
    const ours = [...shared].filter((id) => !sdkShared.has(id));
    expect(ours.some((id) => id.startsWith('./domain/engine/'))).toBe(true);
    const found = stateIn(ours).map((f) => `${f.file}: ${f.name}`);
    expect(found.filter((key) => !(key in REVIEWED_STATE)), 'module-level state in a shared module: take the module out of sharedWorkflowModules').toEqual([]);
    expect(Object.keys(REVIEWED_STATE).filter((key) => !found.includes(key)), 'reviewed state no longer found: drop it from the list').toEqual([]);
  });

  it('catches a preloaded module that holds state', async () => {
    const stateful = path.join(projectRoot, 'tests', 'fixtures', 'shared-modules', 'stateful.ts');
    const { code } = await bundleWorkflowCode({ workflowsPath: path.join(projectRoot, 'tests', 'fixtures', 'shared-modules', 'workflows.ts'), preloadModules: [stateful], logger: quiet });
    const { shared } = await modulesOf(code);
    const ours = [...shared].filter((id) => !sdkShared.has(id));
    expect(ours).toEqual([moduleId(stateful)]);
    expect(stateIn(ours).map((f) => `${f.name} (${f.kind})`)).toEqual(['counter (let-or-var)', 'cache (instance)', 'log (changed-literal)']);
  }, 120_000);
});

describe('finding module-level state', () => {
  const check = (text: string): string[] => findModuleState('example.ts', text).map((f) => `${f.name} (${f.kind})`);

  it('finds bindings, instances, changed literals, stateful expressions and static fields', () => {
    expect(
      check(`
        export let total = 0;
        var legacy;
        const seen = new WeakSet<object>();
        export const registry = new Map<string, number>();
        const buffer = new Float64Array(1);
        const byId: Record<string, number> = {};
        function remember(id: string) { byId[id] = 1; seen.add({}); }
        const pattern = /a/g;
        const dynamic = new RegExp('b', 'y');
        const counterFn = (() => { let n = 0; return () => ++n; })();
        class Pool { static size = 4; static readonly max = 8; static make = () => new Pool(); }
      `),
    ).toEqual([
      'total (let-or-var)',
      'legacy (let-or-var)',
      'seen (instance)',
      'registry (instance)',
      'buffer (instance)',
      'byId (changed-literal)',
      'pattern (stateful-regexp)',
      'dynamic (stateful-regexp)',
      'counterFn (called-in-place)',
      'Pool.size (static-field)',
    ]);
  });

  it('leaves constants that nothing changes alone', () => {
    expect(
      check(`
        const LIMITS = { low: 1, high: 9 } as const;
        const KINDS = ['a', 'b'];
        const CLOSED = new Set(['closed', 'cancelled']);
        const digits = /^[0-9]+$/;
        const key = new RegExp('^k$');
        export class Engine { static start = startEngine; private state = 0; bump() { this.state += 1; } }
        function startEngine() { const local = new Map(); local.set('a', KINDS.length); return local; }
        export function limit(k: keyof typeof LIMITS) { return CLOSED.has(String(k)) || digits.test(String(k)) || key.test(String(k)) ? 0 : LIMITS[k]; }
      `),
    ).toEqual([]);
  });
});
