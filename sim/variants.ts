/**
 * From a scenario to the variants it compares: each variant's units, responsibility list, process, arrivals
 * and behaviour, with the scenario's values where the variant changes nothing.
 */
import type { CalendarData } from '../domain/calendar.js';
import type { ProcessDefinition } from '../domain/process/definition.js';
import { DEFAULT_RANKING_POLICY, type RankingPolicy } from '../domain/ranking.js';
import type { SimListItem, SimUnit } from './reference.js';
import type { Behaviour, Scenario, Variant } from './scenario.js';
import type { VariantInput } from './simulate.js';

/** What a scenario runs on besides itself: the calendar, the process definitions by key, the ranking policy. */
export interface ScenarioContext {
  calendar: CalendarData;
  process(key: string): ProcessDefinition;
  ranking?: RankingPolicy;
}

/** The scenario's unit tree: the centre, its departments, its streets and their communities. */
export function scenarioUnits(units: Scenario['units']): SimUnit[] {
  const centre: SimUnit = { ...units.centre, level: 'district', kind: 'centre', parentId: null };
  return [
    centre,
    ...units.departments.map((d): SimUnit => ({ ...d, level: 'district', kind: 'department', parentId: centre.id })),
    ...units.streets.flatMap((s): SimUnit[] => {
      const communities =
        typeof s.communities === 'number' ? Array.from({ length: s.communities }, (_, i) => ({ id: `${s.id}-c${String(i + 1).padStart(2, '0')}`, name: `${s.name} community ${i + 1}` })) : s.communities;
      return [{ id: s.id, name: s.name, level: 'street', kind: 'street', parentId: centre.id }, ...communities.map((c): SimUnit => ({ ...c, level: 'community', kind: 'community', parentId: s.id }))];
    }),
  ];
}

/** The list a variant runs on: the scenario's, with the variant's moves and items applied (its version one higher when changed). */
export function variantList(base: Scenario['list'], change: Variant['list']): { version: number; items: SimListItem[] } {
  const items = new Map<string, SimListItem>(base.map((i) => [i.category, { category: i.category, level: i.level, departmentId: i.department ?? null, coDepartmentIds: i.coDepartments ?? [] }]));
  for (const move of change?.move ?? []) {
    for (const category of move.categories) {
      const item = items.get(category);
      items.set(category, { category, level: move.level, departmentId: move.department ?? null, coDepartmentIds: item && move.level === 'district' ? item.coDepartmentIds : [] });
    }
  }
  for (const i of change?.items ?? []) items.set(i.category, { category: i.category, level: i.level, departmentId: i.department ?? null, coDepartmentIds: i.coDepartments ?? [] });
  return { version: change ? 2 : 1, items: [...items.values()] };
}

function mergeBehaviour(base: Behaviour | undefined, over: Behaviour | undefined): Behaviour {
  const b = base ?? {};
  if (!over) return b;
  return {
    ...b,
    ...over,
    default: { ...b.default, ...over.default },
    levels: { community: { ...b.levels?.community, ...over.levels?.community }, street: { ...b.levels?.street, ...over.levels?.street }, district: { ...b.levels?.district, ...over.levels?.district } },
    units: { ...b.units, ...over.units },
  };
}

/** Every variant of a scenario, ready to run. */
export function variantInputs(scenario: Scenario, context: ScenarioContext): VariantInput[] {
  return variantInputsOn(scenario, scenarioUnits(scenario.units), context);
}

/** The same on a unit tree of its own (the API's: the units in force). */
export function variantInputsOn(scenario: Omit<Scenario, 'units'>, units: SimUnit[], context: ScenarioContext): VariantInput[] {
  return scenario.variants.map((v) => ({
    name: v.name,
    ...(v.description !== undefined ? { description: v.description } : {}),
    reference: { units, list: variantList(scenario.list, v.list), calendar: context.calendar, definition: context.process(v.process ?? scenario.process ?? 'complaint') },
    arrivals: { ...scenario.arrivals, ...v.arrivals },
    behaviour: mergeBehaviour(scenario.behaviour, v.behaviour),
    ...(scenario.citizen !== undefined ? { citizen: scenario.citizen } : {}),
    start: scenario.start,
    days: scenario.days,
    drainDays: scenario.drainDays ?? 21,
    seed: scenario.seed ?? 1,
    ranking: context.ranking ?? DEFAULT_RANKING_POLICY,
  }));
}
