/**
 * The layers of Jiesu, checked in CI (`npm run lint:layers`). Imports flow one way:
 *
 *   domain ← db ← activities ← workflows ← worker / api        (infra: plumbing anyone may use, knowing no domain)
 *
 * - domain/    pure rules: imports only domain/ (and pure npm packages; no Node built-ins).
 * - processes/ the shipped models: domain/ and infra/.
 * - sim/       the simulator: the same engine on a virtual clock; domain/, processes/, infra/.
 * - db/        the read model and reference data: domain/, processes/, infra/.
 * - activities/ I/O for workflows: domain/, db/, infra/, and the workflow contract.
 * - workflows/ deterministic code: domain/ and workflows/; types only from activities/.
 * - worker/, api/: anything below; the API never imports activities/ or worker/.
 * - infra/     config, logging, local servers, the codec: nothing of ours but infra/ and the contract.
 * The contract (`workflows/messages.ts`, `workflows/search-attributes.ts`, `workflows/refused-payload.ts`)
 * holds names and types with no side effects: every layer above domain may import it.
 * - web/       the workbench (a browser app, built by Vite): web/ only, and types (nothing else) from the API's schemas.
 * Scripts, benchmarks, chaos and tests sit on top and may import anything. No cycles anywhere.
 */
const contract = '^workflows/(messages|search-attributes|refused-payload)\\.ts$';

/** A rule: files under `from` may import only modules whose path matches `allowed` (and npm packages). */
const only = (name, from, allowed) => ({
  name,
  severity: 'error',
  comment: `${from}/ may import only ${allowed}`,
  from: { path: `^${from}/` },
  to: { dependencyTypesNot: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'core'], pathNot: allowed },
});

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'Imports form no loops', from: {}, to: { circular: true } },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'domain/ holds pure rules: no Node built-ins',
      from: { path: '^domain/' },
      to: { dependencyTypes: ['core'] },
    },
    only('domain-imports-domain', 'domain', '^domain/'),
    only('processes-layer', 'processes', '^(domain|processes|infra)/'),
    only('sim-layer', 'sim', '^(domain|processes|infra|sim)/'),
    only('db-layer', 'db', '^(domain|db|processes|infra)/'),
    only('activities-layer', 'activities', `^(domain|db|infra|activities)/|${contract}`),
    {
      name: 'workflows-layer',
      severity: 'error',
      comment: 'workflows/ imports domain/ and workflows/; types only from activities/',
      from: { path: '^workflows/' },
      to: { dependencyTypesNot: ['npm', 'core', 'type-only'], pathNot: '^(domain|workflows)/' },
    },
    {
      name: 'workflows-types-only-from-activities',
      severity: 'error',
      comment: 'workflows/ may take only types from activities/ (proxyActivities<typeof ...>)',
      from: { path: '^workflows/' },
      to: { path: '^activities/', dependencyTypesNot: ['type-only'] },
    },
    only('infra-knows-no-domain', 'infra', `^infra/|${contract}`),
    {
      name: 'api-talks-to-workflows-through-the-client',
      severity: 'error',
      comment: 'api/ never imports activities/ or worker/',
      from: { path: '^api/' },
      to: { path: '^(activities|worker)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'web-is-a-client',
      severity: 'error',
      comment: 'web/ runs in the browser: it imports web/ and npm packages, and only types from api/schemas.ts',
      from: { path: '^web/' },
      to: { dependencyTypesNot: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled'], pathNot: '^web/|^api/schemas\\.ts$' },
    },
    {
      name: 'web-takes-only-types-from-the-api',
      severity: 'error',
      comment: 'web/ may take only types from the server (its schemas), never code',
      from: { path: '^web/' },
      to: { path: '^api/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'nothing-imports-the-web-app',
      severity: 'error',
      comment: 'the server never imports the browser app (it serves its built files)',
      from: { path: '^(domain|db|processes|activities|workflows|worker|api|infra)/' },
      to: { path: '^web/' },
    },
    {
      name: 'nothing-imports-the-top',
      severity: 'error',
      comment: 'scripts, benchmarks, chaos and tests are entry points: product code never imports them',
      from: { path: '^(domain|db|processes|activities|workflows|worker|api|infra)/' },
      to: { path: '^(scripts|bench|chaos|tests)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.vue'], exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], mainFields: ['module', 'main', 'types'] },
    exclude: { path: '^(node_modules|\\.cache|\\.data|db/migrations|web/dist)' },
  },
};
