// @ts-check
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/**
 * Workflow code must replay deterministically: no I/O, no clocks or randomness outside the SDK's
 * sandbox, no configuration. Types from elsewhere are fine (`import type` is erased).
 */
const workflowImportRestrictions = {
  paths: nodeBuiltins.map((name) => ({ name, message: 'Workflows are deterministic: no Node built-ins (do I/O in an activity).', allowTypeImports: true })),
  patterns: [
    { group: ['pg', 'pg-*', 'drizzle-orm', 'drizzle-orm/*', 'pino', 'pino-*', 'fastify', '@fastify/*'], message: 'Workflows are deterministic: no I/O libraries (do I/O in an activity).', allowTypeImports: true },
    { group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing'], message: 'Workflows may only use @temporalio/workflow and @temporalio/common.', allowTypeImports: true },
    { group: ['**/db/*', '**/api/*', '**/worker/*', '**/infra/*', '**/activities/*', '**/activities'], message: 'Workflows may import only workflow files, domain code and types.', allowTypeImports: true },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', '.cache/', '.data/', 'db/migrations/', 'coverage/', 'web/dist/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', workflowImportRestrictions],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Workflows never read configuration: pass it in the input.' },
        { object: 'Math', property: 'random', message: 'Use uuid4() from @temporalio/workflow, or pass randomness in.' },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'Workflows never touch the process.' }, { name: 'fetch', message: 'Workflows do no I/O.' }],
    },
  },
  {
    // A rule a newcomer looks for should be findable: domain files stay small enough to read whole.
    files: ['domain/**/*.ts'],
    rules: { 'max-lines': ['error', { max: 400 }] },
  },
  {
    files: ['api/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/activities/*', '**/activities', '@temporalio/worker'], message: 'The API talks to workflows through the client only.', allowTypeImports: true }] },
      ],
    },
  },
  {
    files: ['activities/**/*.ts', 'api/**/*.ts', 'db/**/*.ts', 'worker/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only infra/config.ts reads the environment (loadConfig).' }],
    },
  },
);
