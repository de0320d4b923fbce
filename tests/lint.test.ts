import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../infra/config.js';

const eslint = new ESLint({ cwd: projectRoot });
const lintWorkflow = async (code: string) => {
  const [result] = await eslint.lintText(code, { filePath: path.join(projectRoot, 'workflows', 'lint-probe.ts') });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
};

describe('the determinism lint rule for workflows/', () => {
  it('fails a workflow file that imports pg or node:fs, reads the environment or uses Math.random', async () => {
    const messages = await lintWorkflow(
      ["import { readFileSync } from 'node:fs';", "import pg from 'pg';", "export const x = [readFileSync, pg, process.env.X, Math.random()];"].join('\n'),
    );
    expect(messages.some((m) => m.includes("'node:fs' import is restricted"))).toBe(true);
    expect(messages.some((m) => m.includes("'pg' import is restricted"))).toBe(true);
    expect(messages.some((m) => m.startsWith('no-restricted-properties') && m.includes('process.env'))).toBe(true);
    expect(messages.some((m) => m.includes('Math.random'))).toBe(true);
  });

  it('passes deterministic workflow code and type-only imports of activities', async () => {
    const messages = await lintWorkflow(
      [
        "import { sleep } from '@temporalio/workflow';",
        "import type { Activities } from '../activities/index.js';",
        'export async function probeWorkflow(a: Activities | undefined): Promise<boolean> {',
        "  await sleep('1 second');",
        '  return a === undefined;',
        '}',
      ].join('\n'),
    );
    expect(messages).toEqual([]);
  });

  it('keeps the API away from activities and the worker', async () => {
    const [result] = await eslint.lintText("import { createActivities } from '../activities/index.js';\nexport const a = createActivities;\n", {
      filePath: path.join(projectRoot, 'api', 'lint-probe.ts'),
    });
    expect(result!.messages.map((m) => m.ruleId)).toContain('@typescript-eslint/no-restricted-imports');
  });
});

describe('the layer rules (dependency-cruiser)', () => {
  it('fail an upward import, a domain file using Node, infra knowing the domain, a loop, and the web app importing server code or being imported', async () => {
    const { cruise } = await import('dependency-cruiser');
    const { default: extractConfig } = await import('dependency-cruiser/config-utl/extract-depcruise-config');
    const config = await extractConfig(path.join(projectRoot, '.dependency-cruiser.cjs'));
    const root = await mkdtemp(path.join(os.tmpdir(), 'jiesu-layers-'));
    try {
      const files: Record<string, string> = {
        'domain/rule.ts': "import { readFileSync } from 'node:fs';\nimport type { Db } from '../db/client.js';\nexport type R = Db | typeof readFileSync;\n",
        'db/client.ts': "export type Db = { q: string };\n",
        'infra/config.ts': "import { rule } from '../domain/pure.js';\nexport const c = rule;\n",
        'domain/pure.ts': "export const rule = 1;\n",
        'workflows/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
        'workflows/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
        'web/page.ts': "import { canRead } from '../api/cases.js';\nimport type { Schema } from '../api/schemas.js';\nexport const p: [typeof canRead, Schema?] = [canRead];\n",
        'api/cases.ts': "import { label } from '../web/label.js';\nexport const canRead = label;\n",
        'api/schemas.ts': "export type Schema = { s: string };\n",
        'web/label.ts': "export const label = 'x';\n",
      };
      for (const [file, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(root, file)), { recursive: true });
        await writeFile(path.join(root, file), text);
      }
      const cwd = process.cwd();
      process.chdir(root);
      let result;
      try {
        result = await cruise(['domain', 'db', 'infra', 'workflows', 'web', 'api'], { ruleSet: { forbidden: config.forbidden ?? [] }, validate: true, tsPreCompilationDeps: true, baseDir: root });
      } finally {
        process.chdir(cwd);
      }
      const violations = (typeof result.output === 'string' ? [] : result.output.summary.violations).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
      expect(violations).toEqual(
        expect.arrayContaining([
          'domain-imports-domain: domain/rule.ts → db/client.ts',
          'domain-is-pure: domain/rule.ts → fs',
          'infra-knows-no-domain: infra/config.ts → domain/pure.ts',
          expect.stringMatching(/^no-cycles: workflows\/(a|b)\.ts → workflows\/(a|b)\.ts$/),
          'web-is-a-client: web/page.ts → api/cases.ts',
          'web-takes-only-types-from-the-api: web/page.ts → api/cases.ts',
          'nothing-imports-the-web-app: api/cases.ts → web/label.ts',
        ]),
      );
      // A type from the API's schemas is allowed.
      expect(violations.filter((v) => v.includes('api/schemas.ts'))).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
