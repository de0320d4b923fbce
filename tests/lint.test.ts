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
