/**
 * Case actions as the server publishes them (GET /app/api/actions, from the engine's action catalogue): the
 * case page shows a button for each action the case allows the signed-in role now (`allowedActions`), and
 * draws its form from the action's input schema, so an action added to the catalogue appears without a
 * change here.
 */
import { get } from './api.js';
import type { ActionDescription, JsonSchema } from './types.js';

let catalogue: Promise<Map<string, ActionDescription>> | undefined;

export function loadActions(): Promise<Map<string, ActionDescription>> {
  catalogue ??= get<{ actions: ActionDescription[] }>('/app/api/actions').then(({ actions }) => new Map(actions.map((a) => [a.type, a])));
  catalogue.catch(() => (catalogue = undefined));
  return catalogue;
}

/** How a field of an action's input is entered. */
/** `json`: an object, or a list of objects, typed as JSON (a shape the form has no widget for). */
export type FieldKind = 'unit' | 'units' | 'boolean' | 'choice' | 'number' | 'text' | 'longText' | 'list' | 'json';

export interface FieldSpec {
  name: string;
  kind: FieldKind;
  required: boolean;
  /** A choice's values; a unit field's units when the case narrows them (empty: any active unit). */
  options: string[];
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  description?: string;
}

const choicesOf = (schema: JsonSchema): string[] | undefined =>
  schema.enum?.map(String) ?? (schema.anyOf?.every((s) => s.const !== undefined) ? schema.anyOf.map((s) => String(s.const)) : undefined);

/**
 * Choices a case offers a field beyond what the schema says: unit ids (`units`) a unit field is chosen
 * from, or values (`values`) a free string is chosen from.
 */
export type CaseChoices = Record<string, { units: string[] } | { values: string[] }>;

/** What a case offers its actions' fields: a summons's tier from the tiers of the case's process, a rating's department from those the case summoned and has not rated. */
export function caseChoices(type: string, view: { summons: Array<{ departments: Array<{ unitId: string; rated: boolean }> }> }, tiers: string[]): CaseChoices {
  if (type === 'summon' && tiers.length > 0) return { tier: { values: tiers } };
  if (type === 'rateDepartment') return { unitId: { units: [...new Set(view.summons.flatMap((s) => s.departments.filter((d) => !d.rated).map((d) => d.unitId)))] } };
  return {};
}

/** The form of an action: one field per property of its input, in the schema's order, with the case's choices. */
export function fieldsOf(action: ActionDescription, offered: CaseChoices = {}): FieldSpec[] {
  const required = new Set(action.input.required ?? []);
  return Object.entries(action.input.properties ?? {}).map(([name, schema]): FieldSpec => {
    const extra = offered[name];
    const unit = action.unitFields.find((f) => f.field === name) ?? (extra && 'units' in extra ? { many: schema.type === 'array' } : undefined);
    const choices = choicesOf(schema) ?? (extra && 'values' in extra ? extra.values : undefined);
    const kind: FieldKind = unit
      ? unit.many
        ? 'units'
        : 'unit'
      : schema.type === 'boolean'
        ? 'boolean'
        : choices
          ? 'choice'
          : schema.type === 'integer' || schema.type === 'number'
            ? 'number'
            : schema.type === 'object' || (schema.type === 'array' && schema.items?.type === 'object')
              ? 'json'
              : schema.type === 'array'
                ? 'list'
                : (schema.maxLength ?? 0) > 200
                  ? 'longText'
                  : 'text';
    return {
      name,
      kind,
      required: required.has(name),
      options: unit ? (extra && 'units' in extra ? extra.units : []) : (choices ?? []),
      ...(schema.maxLength ? { maxLength: schema.maxLength } : {}),
      ...(schema.minimum !== undefined ? { minimum: schema.minimum } : {}),
      ...(schema.maximum !== undefined ? { maximum: schema.maximum } : {}),
      ...(schema.description ? { description: schema.description } : {}),
    };
  });
}

/** A JSON field's value; a typing mistake is said with the field's name before anything is sent. */
function parseJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${name}: not valid JSON`);
  }
}

/** The request body of a filled form: empty optional fields are left out (throws when a JSON field does not parse). */
export function bodyOf(fields: FieldSpec[], values: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.name];
    const empty = value === undefined || value === null || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);
    if (empty && !field.required && field.kind !== 'boolean') continue;
    body[field.name] = field.kind === 'boolean' ? Boolean(value) : field.kind === 'json' ? parseJson(field.name, String(value)) : typeof value === 'string' ? value.trim() : value;
  }
  return body;
}
