import { whistleTiersOf, type LimitByUrgency, type ProcessDefinition } from '../../domain/process/definition.js';

/** Every limit of a complaint process, by the kind of task and its level; tests use short wall-clock ones. */
export interface ProcessLimits {
  signFor: Record<string, LimitByUrgency>;
  resolve: Record<string, LimitByUrgency>;
  reopen: LimitByUrgency;
  reportIn: LimitByUrgency;
  arbitrate: LimitByUrgency;
  evaluate: LimitByUrgency;
  warningRatio: number;
}

/** Both urgencies with one limit. */
export const both = (limit: string): LimitByUrgency => ({ urgent: limit, normal: limit });

/** A copy of a compiled process with its limits replaced: the model stays, only the clock changes. */
export function withLimits(definition: ProcessDefinition, limits: ProcessLimits, fallback = 'PT5M'): ProcessDefinition {
  const byLevel = (table: Record<string, LimitByUrgency>, level: string | undefined) => (level !== undefined ? table[level] : undefined) ?? both(fallback);
  const nodes = Object.fromEntries(
    Object.entries(definition.nodes).map(([id, node]) => {
      if (node.type !== 'userTask') return [id, node];
      const boundaries = node.boundaries.map((b) => (b.kind === 'warning' ? { ...b, ratio: limits.warningRatio } : b));
      switch (node.task) {
        case 'signFor':
        case 'dispatch':
          return [id, { ...node, boundaries, limit: byLevel(limits.signFor, node.level) }];
        case 'handle':
          return [id, { ...node, boundaries, limit: byLevel(limits.resolve, node.level), reopenLimit: limits.reopen }];
        case 'jointHandle':
          return [id, { ...node, boundaries, limit: byLevel(limits.resolve, node.level), reopenLimit: limits.reopen, reportInLimit: limits.reportIn }];
        case 'arbitrate':
          return [id, { ...node, boundaries, limit: limits.arbitrate }];
        case 'evaluate':
          return [id, { ...node, boundaries, limit: limits.evaluate }];
      }
    }),
  );
  // Summoned departments report in within the test's report-in limit, whatever the whistle tier.
  const whistleTiers = whistleTiersOf(definition).map((tier) => ({ ...tier, reportInLimit: limits.reportIn }));
  return { ...definition, nodes, settings: { ...definition.settings, whistleTiers } };
}
