/**
 * Structural validation of a compiled process definition: everything the engine relies on, checked
 * once at deploy time, each problem named by the element it is about.
 */
import { URGENCIES } from '../case.js';
import { parseLimit } from '../calendar.js';
import { caseLimitsOf, whistleTiersOf, OUTCOMES, SERVICE_ACTIONS, TASK_KINDS, successors, type LimitByUrgency, type ProcessDefinition } from './definition.js';
import { parseExpression } from './expression.js';

export interface ValidationIssue {
  elementId: string;
  message: string;
}

/** Names gateway conditions may read (see `CaseEngine.gatewayContext`). */
export const CONDITION_VARIABLES = ['route', 'unit', 'lead', 'rating', 'returns', 'reopens', 'escalations', 'arbitrated', 'urgency', 'category', 'settings'];

const isCount = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 0;

/** Every problem of a definition; empty when the engine can run it. */
export function validateDefinition(def: ProcessDefinition): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const issue = (elementId: string, message: string): void => {
    issues.push({ elementId, message });
  };
  const limit = (elementId: string, what: string, value: LimitByUrgency | undefined, required: boolean): void => {
    if (value === undefined) {
      if (required) issue(elementId, `has no ${what}`);
      return;
    }
    for (const urgency of URGENCIES) {
      const text = value[urgency];
      if (typeof text !== 'string') {
        issue(elementId, `has no ${what} for ${urgency} cases`);
        continue;
      }
      try {
        parseLimit(text);
      } catch (error) {
        issue(elementId, `${what} "${text}": ${(error as Error).message}`);
      }
    }
  };

  if (def.levels.length === 0) issue(def.key, 'declares no levels');
  if (new Set(def.levels).size !== def.levels.length) issue(def.key, 'declares a level twice');
  const { returnLimit, reopenLimit, extension } = def.settings;
  if (!isCount(returnLimit) || !isCount(reopenLimit) || !isCount(extension.max) || !(extension.maxRatio > 0)) {
    issue(def.key, 'settings need non-negative whole return, reopen and extension limits and a positive extension ratio');
  }
  const limits = caseLimitsOf(def);
  if (!isCount(limits.maxComments) || !isCount(limits.maxUrges)) issue(def.key, 'settings need non-negative whole comment and urge limits per case');
  if (limits.continueAsNewAfter !== undefined && !(isCount(limits.continueAsNewAfter) && limits.continueAsNewAfter >= 20)) {
    issue(def.key, 'continueAsNewAfter must be a whole number of history events, at least 20');
  }
  try {
    if (parseLimit(limits.routeRetry).kind !== 'duration') issue(def.key, `routeRetry "${limits.routeRetry}" must be a wall-clock ISO 8601 duration (PT10M), not working time`);
  } catch (error) {
    issue(def.key, `routeRetry "${limits.routeRetry}": ${(error as Error).message}`);
  }
  const tiers = whistleTiersOf(def);
  if (new Set(tiers.map((t) => t.id)).size !== tiers.length) issue(def.key, 'names a whistle tier twice');
  for (const tier of tiers) {
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(tier.id)) issue(tier.id || def.key, 'a whistle tier id is lower-case letters, digits and dashes');
    for (const level of tier.levels) if (!def.levels.includes(level)) issue(tier.id, `whistle tier level "${level}" is not one of ${def.levels.join(', ')}`);
    if (tier.levels.length === 0) issue(tier.id, 'a whistle tier names the levels that may blow it');
    if (!isCount(tier.minDepartments) || tier.minDepartments < 1) issue(tier.id, 'a whistle tier summons at least one department');
    limit(tier.id, 'report-in limit', tier.reportInLimit, true);
  }
  const start = def.nodes[def.start];
  if (start?.type !== 'startEvent') issue(def.start, 'the process must begin with a start event');

  for (const [id, node] of Object.entries(def.nodes)) {
    if (node.id !== id) issue(id, `is filed under a different id (${node.id})`);
    for (const target of successors(node)) if (!def.nodes[target]) issue(id, `leads to "${target}", which does not exist`);
    switch (node.type) {
      case 'userTask': {
        if (!TASK_KINDS.includes(node.task)) issue(id, `task kind "${node.task}" is not one of ${TASK_KINDS.join(', ')}`);
        if (node.level !== undefined && !def.levels.includes(node.level)) issue(id, `level "${node.level}" is not one of ${def.levels.join(', ')}`);
        if (node.level === undefined && node.task !== 'evaluate') issue(id, `a ${node.task} task must name its level`);
        limit(id, 'limit', node.limit, true);
        limit(id, 'reopen limit', node.reopenLimit, false);
        limit(id, 'report-in limit', node.reportInLimit, node.task === 'jointHandle');
        const boundaryIds = new Set<string>();
        for (const b of node.boundaries) {
          if (boundaryIds.has(b.id)) issue(b.id, 'is a duplicate boundary id');
          boundaryIds.add(b.id);
          if (b.kind === 'warning' && !(b.ratio > 0 && b.ratio < 1)) issue(b.id, 'a warning must fire between the start (0) and the deadline (1)');
          if ((b.kind === 'returned' || b.kind === 'whistle' || b.kind === 'dispute') && !['signFor', 'handle', 'jointHandle'].includes(node.task)) {
            issue(b.id, `a ${b.kind} boundary only fits sign-for and handling tasks`);
          }
        }
        if (node.boundaries.filter((b) => b.kind === 'deadline').length > 1) issue(id, 'has more than one deadline boundary');
        break;
      }
      case 'serviceTask':
        if (!SERVICE_ACTIONS.includes(node.action)) issue(id, `service action "${node.action}" is not one of ${SERVICE_ACTIONS.join(', ')}`);
        if (node.level !== undefined && node.action !== 'route') issue(id, 'only a route task places cases at a level (jiesu:level)');
        if (node.level !== undefined && !def.levels.includes(node.level)) issue(id, `level "${node.level}" is not one of ${def.levels.join(', ')}`);
        break;
      case 'exclusiveGateway': {
        if (node.branches.length === 0) issue(id, 'has no outgoing branch');
        if (node.branches.filter((b) => b.condition === null).length > 1) issue(id, 'has more than one default branch');
        for (const branch of node.branches) {
          if (branch.condition === null) continue;
          try {
            const expression = parseExpression(branch.condition);
            for (const [root] of expression.names) {
              if (root !== undefined && !CONDITION_VARIABLES.includes(root)) issue(id, `condition reads unknown variable "${root}" (known: ${CONDITION_VARIABLES.join(', ')})`);
            }
          } catch (error) {
            issue(id, (error as Error).message);
          }
        }
        break;
      }
      case 'parallelGateway':
        if (!(node.incoming >= 1) || node.targets.length === 0) issue(id, 'needs at least one incoming and one outgoing flow');
        break;
      case 'endEvent':
        if (node.outcome !== undefined && !OUTCOMES.includes(node.outcome)) issue(id, `outcome "${node.outcome}" is not one of ${OUTCOMES.join(', ')}`);
        break;
      case 'startEvent':
      case 'subProcess':
        break;
    }
  }

  const reached = new Set<string>();
  const queue = def.nodes[def.start] ? [def.start] : [];
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    const node = def.nodes[id];
    if (node) queue.push(...successors(node));
  }
  for (const id of Object.keys(def.nodes)) if (!reached.has(id)) issue(id, 'cannot be reached from the start event');
  if (!Object.values(def.nodes).some((n) => n.type === 'endEvent' && n.outcome !== undefined)) issue(def.key, 'has no end event that closes the case');
  return issues;
}
