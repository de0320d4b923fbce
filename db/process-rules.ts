/**
 * Which process model a new case runs, as data (`process_rules`): by portal (`source`), by category, or
 * both. The most specific rule wins — source and category, then category, then source, then a rule with
 * neither — else the `complaint` process. Selected here and nowhere else.
 */
import { createHash } from 'node:crypto';
import { and, asc, eq, isNull, or, sql } from 'drizzle-orm';
import type { Db, Tx } from './client.js';
import { processDefinitions, processRules } from './schema.js';

/** The process a case runs when no rule names one. */
export const DEFAULT_PROCESS_KEY = 'complaint';

/** A rule: cases of this portal and/or category run this process. */
export interface ProcessRule {
  source: string | null;
  category: string | null;
  processKey: string;
}

/** The key of the process a new case of `source` and `category` runs. */
export async function processFor(db: Db, { source, category }: { source?: string; category?: string }): Promise<string> {
  const [rule] = await db
    .select({ processKey: processRules.processKey })
    .from(processRules)
    .where(
      and(
        source === undefined ? isNull(processRules.source) : or(isNull(processRules.source), eq(processRules.source, source)),
        category === undefined ? isNull(processRules.category) : or(isNull(processRules.category), eq(processRules.category, category)),
      ),
    )
    .orderBy(sql`(${processRules.category} is not null) desc, (${processRules.source} is not null) desc`)
    .limit(1);
  return rule?.processKey ?? DEFAULT_PROCESS_KEY;
}

/** Every rule, the most specific first. */
export async function processRuleList(db: Db | Tx): Promise<ProcessRule[]> {
  return db
    .select({ source: processRules.source, category: processRules.category, processKey: processRules.processKey })
    .from(processRules)
    .orderBy(sql`(${processRules.category} is not null) desc, (${processRules.source} is not null) desc`, asc(processRules.source), asc(processRules.category));
}

/** An entity tag of a set of rules (as `processRuleList` orders them): equal rules, equal tags. */
export function processRulesTag(rules: ProcessRule[]): string {
  return `"${createHash('sha256').update(JSON.stringify(rules.map((r) => [r.source, r.category, r.processKey]))).digest('hex').slice(0, 32)}"`;
}

/**
 * Replaces every rule with `rules` in one transaction. Answers the process keys that are not deployed, or
 * that the rules in force are no longer the ones tagged `ifMatch` (another admin changed them since they
 * were read); it changes nothing then.
 */
export async function replaceProcessRules(db: Db, rules: ProcessRule[], ifMatch?: string): Promise<{ undeployed: string[]; changedSince: boolean }> {
  return db.transaction(async (tx) => {
    // Concurrent replacements take turns; readers keep reading the rules in force meanwhile.
    await tx.execute(sql`lock table ${processRules} in share row exclusive mode`);
    if (ifMatch !== undefined && ifMatch !== '*' && processRulesTag(await processRuleList(tx)) !== ifMatch) return { undeployed: [], changedSince: true };
    const deployed = new Set((await tx.selectDistinct({ key: processDefinitions.key }).from(processDefinitions)).map((r) => r.key));
    const undeployed = [...new Set(rules.map((r) => r.processKey))].filter((key) => !deployed.has(key));
    if (undeployed.length > 0) return { undeployed, changedSince: false };
    await tx.delete(processRules);
    if (rules.length > 0) await tx.insert(processRules).values(rules);
    return { undeployed, changedSince: false };
  });
}
