/**
 * The worker evaluates the workflows and all they import once and shares them between its workflows
 * (worker/create-worker.ts `sharedWorkflowModules`): that is what keeps a cached case small. These tests load
 * the bundle the way the worker does (the SDK's reusable V8 context, before any workflow exists) and check
 * that the sharing really happens, that nothing shared holds module-level state, and that a shared module
 * holding state would be caught.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import vm from 'node:vm';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ReusableVMWorkflowCreator } from '@temporalio/worker/lib/workflow/reusable-vm.js';
import { globalHandlers } from '@temporalio/worker/lib/workflow/vm-shared.js';
import { Type } from 'typebox';
import { Hashing, Settings } from 'typebox/system';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectRoot } from '../../infra/config.js';
import type { ProcessDefinition } from '../../domain/process/definition.js';
import { sharedWorkflowModules, workflowsPath } from '../../worker/create-worker.js';
import { sharedDefinition } from '../../workflows/shared-definitions.js';
import { findModuleState, type ModuleStateFinding } from '../helpers/module-state.js';

/**
 * Why module-level state found in a shared module cannot carry anything from one workflow to another: each
 * reason is a check that runs below ('proves every reviewed state harmless'), not a claim.
 */
const PROOFS = {
  // TypeBox's FNV-1a accumulator (A0…A3) and its scratch buffers: Hash() resets the accumulator on entry and
  // uses the buffers within one synchronous call, so a hash never depends on what was hashed before.
  'reset by every Hash()': () => {
    const value = { a: 1, b: [2.5, 'x'], c: new Date(0) };
    const first = Hashing.Hash(value);
    Hashing.Hash({ other: -1e300, text: '案件' });
    expect(() => Hashing.Hash({ get broken(): never { throw new Error('halfway'); } })).toThrow('halfway');
    expect(Hashing.Hash(value)).toBe(first);
  },
  // The recursion guard of generic instantiation counts up to Settings' maxInstantiationCount (128) and back
  // to zero when the outermost call returns: were it kept between calls, the 129th would throw.
  'zero between instantiations': () => {
    const generic = Type.Generic([Type.Parameter('T')], Type.Array(Type.Ref('T')));
    const first = Type.Call(generic, [Type.String()]);
    for (let i = 0; i < 2 * Settings.Get().maxInstantiationCount; i += 1) expect(Type.Call(generic, [Type.String()])).toEqual(first);
  },
  // Process-wide settings and locale change only through their Set / Reset, which no module of the bundle calls.
  'configuration nobody sets': (bundle: string) => {
    expect(bundle.match(/\.(Set|Reset)\b\)?\(/g)).toBeNull();
  },
  // Whether `new Function` works, asked once: the worker's one context answers the same for every workflow (yes).
  'one answer per context': (bundle: string, context: vm.Context) => {
    expect(vm.runInContext('new Function("return 42")()', context)).toBe(42);
  },
  // The worker's one copy of each process version's definition: what a case gets back is always equal to what it
  // loaded (a different definition under the same key and version is never swapped), and deep-frozen.
  'equal to what each case loaded': () => {
    const loaded = (name: string): ProcessDefinition => ({ key: 'proof-shared', version: 1, name, nodes: { start: { kind: 'start' } } }) as unknown as ProcessDefinition;
    const first = loaded('A');
    expect(sharedDefinition(first)).toBe(first);
    const again = loaded('A');
    expect(sharedDefinition(again)).toBe(first);
    expect(sharedDefinition(again)).toEqual(again);
    const redeployed = loaded('B');
    expect(sharedDefinition(redeployed)).toBe(redeployed);
    expect(Object.isFrozen((first as unknown as { nodes: { start: object } }).nodes.start)).toBe(true);
  },
} satisfies Record<string, (bundle: string, context: vm.Context) => void>;

/**
 * Module-level state in what the worker shares, with the proof that none of it belongs to one workflow.
 * Keyed `<module>: <binding>`; the test fails on any finding not listed here and on any entry no longer found.
 */
const REVIEWED_STATE: Record<string, keyof typeof PROOFS> = {
  './node_modules/typebox/build/system/environment/evaluate.mjs: supported': 'one answer per context',
  './node_modules/typebox/build/system/hashing/hash.mjs: A0': 'reset by every Hash()',
  './node_modules/typebox/build/system/hashing/hash.mjs: A1': 'reset by every Hash()',
  './node_modules/typebox/build/system/hashing/hash.mjs: A2': 'reset by every Hash()',
  './node_modules/typebox/build/system/hashing/hash.mjs: A3': 'reset by every Hash()',
  './node_modules/typebox/build/system/hashing/hash.mjs: F64': 'reset by every Hash()',
  './node_modules/typebox/build/system/hashing/hash.mjs: F64In': 'reset by every Hash()',
  './node_modules/typebox/build/system/hashing/hash.mjs: F64Out': 'reset by every Hash()',
  './node_modules/typebox/build/system/hashing/hash.mjs: encoder': 'reset by every Hash()',
  './node_modules/typebox/build/system/locale/_config.mjs: locale': 'configuration nobody sets',
  './node_modules/typebox/build/system/settings/settings.mjs: settings': 'configuration nobody sets',
  './node_modules/typebox/build/type/engine/call/instantiate.mjs: instantiationDepth': 'zero between instantiations',
  './node_modules/typebox/build/type/engine/call/instantiate.mjs: instantiationCount': 'zero between instantiations',
  './workflows/shared-definitions.ts: firstSeen': 'equal to what each case loaded',
};

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

/** The worker's workflow context, opened up to read its module cache. */
class InspectableCreator extends ReusableVMWorkflowCreator {
  /** Before any workflow exists, the module cache answers from the modules shared by all workflows only. */
  isShared(id: string): boolean {
    return (this.context as unknown as { __webpack_module_cache__: Record<string, unknown> }).__webpack_module_cache__[id] !== undefined;
  }

  /** The V8 context every workflow of the worker runs in. */
  get sandbox(): vm.Context {
    return this.context;
  }
}

/**
 * Every module of a bundle, and those the SDK's reusable context shares between workflows once it has loaded
 * the bundle; `inContext` runs in that context before it is destroyed.
 */
async function modulesOf(code: string, inContext?: (context: vm.Context) => void): Promise<{ all: string[]; shared: Set<string> }> {
  const all = [...code.matchAll(/^\/\*\*\*\/ "([^"]+)"/gm)].map((m) => m[1]!);
  const creator = await InspectableCreator.create({ code, filename: 'workflow-bundle.js', sourceMap: { version: 3, file: 'workflow-bundle.js', sources: [], names: [], mappings: '' } }, 5_000, new Set());
  try {
    inContext?.(creator.sandbox);
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

  it('shares every module of the workflows; only the stubs of modules left out of the bundle are evaluated per workflow', async () => {
    // The bundle every workflow test runs, built with worker/create-worker.ts `workflowBundleOptions` (tests/global-setup.ts).
    const { all, shared } = await modulesOf(await readFile(inject('workflowBundlePath'), 'utf8'));
    for (const file of sharedWorkflowModules) expect(shared, moduleId(file)).toContain(moduleId(file));
    expect(all.filter((id) => id.startsWith('./domain/engine/')).length).toBeGreaterThan(5);
    // Anything evaluated per workflow costs memory in every cached case: share it if it holds no state.
    // (`?…` are the empty stubs webpack puts where the SDK's bundler leaves a module out.)
    expect(all.filter((id) => !shared.has(id) && !id.startsWith('?'))).toEqual([]);
  });

  it('shares nothing that holds module-level state beyond the reviewed TypeBox internals and the shared definitions', async () => {
    const { shared } = await modulesOf(await readFile(inject('workflowBundlePath'), 'utf8'));
    const ours = [...shared].filter((id) => !sdkShared.has(id));
    expect(ours).toContain(moduleId(workflowsPath));
    const found = stateIn(ours).map((f) => `${f.file}: ${f.name}`);
    expect(found.filter((key) => !(key in REVIEWED_STATE)), 'module-level state in a shared module: take the module out of sharedWorkflowModules').toEqual([]);
    expect(Object.keys(REVIEWED_STATE).filter((key) => !found.includes(key)), 'reviewed state no longer found: drop it from the list').toEqual([]);
  });

  it('proves every reviewed state harmless', async () => {
    const bundle = await readFile(inject('workflowBundlePath'), 'utf8');
    const used = new Set(Object.values(REVIEWED_STATE));
    expect(used).toEqual(new Set(Object.keys(PROOFS)));
    await modulesOf(bundle, (context) => {
      for (const proof of used) PROOFS[proof](bundle, context);
    });
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

  it('finds reassigned bindings, instances, changed literals, stateful expressions and static fields', () => {
    expect(
      check(`
        export let total = 0;
        var legacy;
        const seen = new WeakSet<object>();
        export const registry = new Map<string, number>();
        const buffer = new Float64Array(1);
        const byId: Record<string, number> = {};
        function remember(id: string) { byId[id] = 1; seen.add({}); total += 1; legacy = id; }
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

  it('leaves constants and bindings that nothing changes alone', () => {
    expect(
      check(`
        const LIMITS = { low: 1, high: 9 } as const;
        var helper_1 = require('./helper');
        let fixed = 5;
        const KINDS = ['a', 'b'];
        const CLOSED = new Set(['closed', 'cancelled']);
        const digits = /^[0-9]+$/;
        const key = new RegExp('^k$');
        export class Engine { static start = startEngine; private state = 0; bump() { this.state += 1; } }
        function startEngine() { const local = new Map(); local.set('a', KINDS.length); return local; }
        export function limit(k: keyof typeof LIMITS) { return CLOSED.has(String(k)) || digits.test(String(k)) || key.test(String(k)) ? 0 : LIMITS[k] + fixed + helper_1.x; }
      `),
    ).toEqual([]);
  });
});
