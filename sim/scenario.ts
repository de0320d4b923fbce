/**
 * A simulation scenario as data (`scenarios/*.yaml`, or the body of `POST /v1/simulations`): the district's
 * units, the responsibility list, the process, an arrival model, unit and citizen behaviour, and two or more
 * variants that change some of it. The schema is the one place that says what a scenario may hold;
 * `parseScenario` checks a document against it and names every field it refuses.
 */
import Ajv from 'ajv';
import { Type, type Static } from 'typebox';

const Chance = Type.Number({ minimum: 0, maximum: 1 });
const Hours = Type.Number({ minimum: 0, description: 'working hours' });
const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' });
const Weights = Type.Record(Type.String(), Type.Number({ minimum: 0 }));
const Level = Type.Union([Type.Literal('community'), Type.Literal('street'), Type.Literal('district')]);

/** How a unit works; every field may be left out and falls back (unit → level → default). */
export const UnitBehaviourSchema = Type.Object(
  {
    staff: Type.Optional(Type.Integer({ minimum: 1, description: 'people handling cases at once' })),
    signHours: Type.Optional(Type.Number({ minimum: 0, description: 'mean working hours from receiving a case to signing for it (or reporting in)' })),
    workHours: Type.Optional(Type.Number({ minimum: 0, description: 'mean working hours of one person to resolve a case' })),
    workHoursByCategory: Type.Optional(Type.Record(Type.String(), Hours)),
    returnChance: Type.Optional(Chance),
    disputeChance: Type.Optional(Chance),
    whistleChance: Type.Optional(Chance),
    summonChance: Type.Optional(Chance),
    extendChance: Type.Optional(Chance),
    cooperation: Type.Optional(Type.Number({ minimum: 1, maximum: 5, description: 'mean cooperation rating a summoned department earns' })),
    partResolvedChance: Type.Optional(Chance),
  },
  { additionalProperties: false },
);
export type UnitBehaviour = Static<typeof UnitBehaviourSchema>;

export const BehaviourSchema = Type.Object(
  {
    default: Type.Optional(UnitBehaviourSchema),
    levels: Type.Optional(Type.Partial(Type.Object({ community: UnitBehaviourSchema, street: UnitBehaviourSchema, district: UnitBehaviourSchema }))),
    units: Type.Optional(Type.Record(Type.String(), UnitBehaviourSchema)),
    dispatchHours: Type.Optional(Hours),
    arbitrateHours: Type.Optional(Hours),
    approveChance: Type.Optional(Chance),
    /** The whistle tier each level summons with. */
    summonTier: Type.Optional(Type.Record(Type.String(), Type.String())),
    /** The departments a unit summons for a category (default: the category's list department, else `fallbackDepartment`). */
    summonDepartments: Type.Optional(Type.Record(Type.String(), Type.Array(Id, { minItems: 1 }))),
    /** The department the centre dispatches or rules to when the list names none. */
    fallbackDepartment: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const CitizenSchema = Type.Object(
  {
    answerChance: Type.Optional(Chance),
    answerHours: Type.Optional(Type.Number({ minimum: 0, description: 'mean wall-clock hours to the citizen’s rating' })),
    ratings: Type.Optional(Type.Object({ satisfied: Type.Number({ minimum: 0 }), basicallySatisfied: Type.Number({ minimum: 0 }), unsatisfied: Type.Number({ minimum: 0 }) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

const ArrivalsSchema = Type.Object(
  {
    perDay: Type.Number({ exclusiveMinimum: 0, description: 'mean cases a day, over the week' }),
    weekdays: Type.Optional(Type.Array(Type.Number({ minimum: 0 }), { minItems: 7, maxItems: 7, description: 'relative volume Monday … Sunday' })),
    hours: Type.Optional(Type.Array(Type.Number({ minimum: 0 }), { minItems: 24, maxItems: 24, description: 'relative volume by hour of day, China Standard Time' })),
    urgentShare: Type.Optional(Chance),
    categories: Weights,
    /** Relative volume per community (default: the same for every community). */
    locations: Type.Optional(Weights),
  },
  { additionalProperties: false },
);

const ListItemSchema = Type.Object(
  { category: Id, level: Level, department: Type.Optional(Id), coDepartments: Type.Optional(Type.Array(Id)) },
  { additionalProperties: false },
);

const UnitsSchema = Type.Object(
  {
    centre: Type.Object({ id: Id, name: Type.String() }, { additionalProperties: false }),
    departments: Type.Array(Type.Object({ id: Id, name: Type.String() }, { additionalProperties: false })),
    streets: Type.Array(
      Type.Object(
        {
          id: Id,
          name: Type.String(),
          communities: Type.Union([Type.Integer({ minimum: 0, maximum: 500, description: 'that many communities, named after the street' }), Type.Array(Type.Object({ id: Id, name: Type.String() }, { additionalProperties: false }))]),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
  },
  { additionalProperties: false },
);

const ListChangeSchema = Type.Object(
  {
    /** Matters that move to another level (and department). */
    move: Type.Optional(Type.Array(Type.Object({ categories: Type.Array(Id, { minItems: 1 }), level: Level, department: Type.Optional(Id) }, { additionalProperties: false }))),
    /** Matters added or replaced whole. */
    items: Type.Optional(Type.Array(ListItemSchema)),
  },
  { additionalProperties: false },
);

export const VariantSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 60 }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    list: Type.Optional(ListChangeSchema),
    process: Type.Optional(Type.String({ description: 'a shipped process: complaint or street-first' })),
    behaviour: Type.Optional(BehaviourSchema),
    arrivals: Type.Optional(Type.Partial(ArrivalsSchema)),
  },
  { additionalProperties: false },
);
export type Variant = Static<typeof VariantSchema>;

export const ScenarioSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    /** Where the figures come from, quoted (for shipped scenarios). */
    sources: Type.Optional(Type.Array(Type.String())),
    seed: Type.Optional(Type.Integer({ minimum: 0 })),
    start: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'first day of arrivals, China Standard Time' }),
    days: Type.Integer({ minimum: 1, maximum: 400 }),
    drainDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 90, description: 'days the simulation goes on after the last arrival, so cases can close' })),
    process: Type.Optional(Type.String()),
    units: UnitsSchema,
    list: Type.Array(ListItemSchema),
    arrivals: ArrivalsSchema,
    behaviour: Type.Optional(BehaviourSchema),
    citizen: Type.Optional(CitizenSchema),
    variants: Type.Array(VariantSchema, { minItems: 1, maxItems: 8 }),
  },
  { additionalProperties: false },
);
export type Scenario = Static<typeof ScenarioSchema>;
export type Behaviour = NonNullable<Scenario['behaviour']>;

/** A scenario the schema refuses, with every field it names. */
export class ScenarioError extends Error {
  constructor(readonly errors: Array<{ field: string; message: string }>) {
    super(`Invalid scenario:\n${errors.map((e) => `  ${e.field || '(top)'}: ${e.message}`).join('\n')}`);
    this.name = 'ScenarioError';
  }
}

const validate = new Ajv.default({ allErrors: true, strict: false }).compile(ScenarioSchema);

/** Checks a parsed document (YAML or JSON) against the schema and the cross-references within it. */
export function parseScenario(document: unknown): Scenario {
  if (!validate(document)) {
    throw new ScenarioError((validate.errors ?? []).map((e) => ({ field: e.instancePath.replace(/^\//, '').replaceAll('/', '.'), message: e.message ?? 'invalid' })));
  }
  const scenario = document as Scenario;
  const errors: Array<{ field: string; message: string }> = [];
  const departments = new Set(scenario.units.departments.map((d) => d.id));
  const names = new Set(scenario.variants.map((v) => v.name));
  if (names.size !== scenario.variants.length) errors.push({ field: 'variants', message: 'variant names must differ' });
  const checkDepartment = (field: string, id: string | undefined): void => {
    if (id !== undefined && !departments.has(id)) errors.push({ field, message: `no department "${id}" in units.departments` });
  };
  scenario.list.forEach((item, i) => {
    checkDepartment(`list.${i}.department`, item.department);
    if (item.level === 'district' && item.department === undefined) errors.push({ field: `list.${i}`, message: 'a district matter names its department' });
  });
  scenario.variants.forEach((v, i) => v.list?.move?.forEach((m, j) => checkDepartment(`variants.${i}.list.move.${j}.department`, m.department)));
  checkDepartment('behaviour.fallbackDepartment', scenario.behaviour?.fallbackDepartment);
  const categories = Object.keys(scenario.arrivals.categories);
  if (categories.length === 0) errors.push({ field: 'arrivals.categories', message: 'name at least one category' });
  if (errors.length > 0) throw new ScenarioError(errors);
  return scenario;
}
