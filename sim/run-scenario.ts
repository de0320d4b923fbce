/**
 * Runs every variant of a scenario and puts the results side by side: the report the CSV, JSON and HTML
 * outputs are written from.
 */
import type { Scenario } from './scenario.js';
import { simulateVariant, type VariantInput, type VariantResult } from './simulate.js';
import { variantInputs, type ScenarioContext } from './variants.js';

export interface SimulationReport {
  scenario: { name: string; description: string | null; sources: string[]; seed: number; start: string; days: number };
  variants: VariantResult[];
}

/** Progress of a run: which variant, how far in simulated days, how many cases so far. */
export type SimulationProgress = (p: { variant: string; index: number; of: number; day: number; days: number; cases: number }) => void;

export function runScenario(scenario: Scenario, context: ScenarioContext, progress?: SimulationProgress): SimulationReport {
  return runVariants(scenario, variantInputs(scenario, context), progress);
}

/** Runs variants made ready (`variantInputs`, `variantInputsOn`) and reports them with the scenario they came from. */
export function runVariants(scenario: Omit<Scenario, 'units'>, inputs: VariantInput[], progress?: SimulationProgress): SimulationReport {
  return {
    scenario: {
      name: scenario.name,
      description: scenario.description ?? null,
      sources: scenario.sources ?? [],
      seed: scenario.seed ?? 1,
      start: scenario.start,
      days: scenario.days,
    },
    variants: inputs.map((input, index) => simulateVariant(input, (day, days, cases) => progress?.({ variant: input.name, index, of: inputs.length, day, days, cases }))),
  };
}
