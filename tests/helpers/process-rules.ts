/**
 * Process rules are global, and test files run side by side: a file changes only its own rules, by
 * read-modify-write with the rules' ETag, and tries again when another file changed them in between.
 */
import { expect } from 'vitest';
import type { TestEnv } from './env.js';

export type Rule = { source: string | null; category: string | null; processKey: string };
const sameScope = (a: Rule, b: Rule) => a.source === b.source && a.category === b.category;

/** Applies `change` to the rules in force (with If-Match), again until no other writer came between. */
export async function changeProcessRules(env: TestEnv, change: (rules: Rule[]) => Rule[]): Promise<Rule[]> {
  const admin = await env.key('admin');
  for (let attempt = 0; attempt < 20; attempt++) {
    const read = await env.call(admin, 'GET', '/v1/process-rules');
    expect(read.statusCode, read.body).toBe(200);
    const rules = change(read.json<{ rules: Rule[] }>().rules);
    const written = await env.app.inject({ method: 'PUT', url: '/v1/process-rules', headers: { authorization: `Bearer ${admin}`, 'if-match': String(read.headers.etag) }, payload: { rules } });
    if (written.statusCode === 412) continue;
    expect(written.statusCode, written.body).toBe(200);
    return written.json<{ rules: Rule[] }>().rules;
  }
  throw new Error('The process rules kept changing under 20 attempts to change them');
}

/** Adds (or replaces) rules for their scopes, leaving every other rule as it is. */
export const addProcessRules = (env: TestEnv, mine: Rule[]) => changeProcessRules(env, (rules) => [...rules.filter((r) => !mine.some((m) => sameScope(m, r))), ...mine]);

/** Removes the rules of these scopes. */
export const removeProcessRules = (env: TestEnv, mine: Rule[]) => changeProcessRules(env, (rules) => rules.filter((r) => !mine.some((m) => sameScope(m, r))));
