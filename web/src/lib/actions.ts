/**
 * Case actions as the server publishes them (GET /app/api/actions, from the engine's action catalogue): the
 * case page shows a button for each action the case allows the signed-in role now (`allowedActions`), and
 * draws its form from the action's input schema, so an action added to the catalogue appears without a
 * change here.
 */
import { get } from './api';
import type { ActionDescription, JsonSchema } from './types';

let catalogue: Promise<Map<string, ActionDescription>> | undefined;

export function loadActions(): Promise<Map<string, ActionDescription>> {
  catalogue ??= get<{ actions: ActionDescription[] }>('/app/api/actions').then(({ actions }) => new Map(actions.map((a) => [a.type, a])));
  catalogue.catch(() => (catalogue = undefined));
  return catalogue;
}

/** How a field of an action's input is entered. */
export type FieldKind = 'unit' | 'units' | 'boolean' | 'choice' | 'text' | 'longText' | 'list';

export interface FieldSpec {
  name: string;
  kind: FieldKind;
  required: boolean;
  options: string[];
  maxLength?: number;
  description?: string;
}

const choicesOf = (schema: JsonSchema): string[] | undefined =>
  schema.enum?.map(String) ?? (schema.anyOf?.every((s) => s.const !== undefined) ? schema.anyOf.map((s) => String(s.const)) : undefined);

/** The form of an action: one field per property of its input, in the schema's order. */
export function fieldsOf(action: ActionDescription): FieldSpec[] {
  const required = new Set(action.input.required ?? []);
  return Object.entries(action.input.properties ?? {}).map(([name, schema]): FieldSpec => {
    const unit = action.unitFields.find((f) => f.field === name);
    const choices = choicesOf(schema);
    const kind: FieldKind = unit
      ? unit.many
        ? 'units'
        : 'unit'
      : schema.type === 'boolean'
        ? 'boolean'
        : choices
          ? 'choice'
          : schema.type === 'array'
            ? 'list'
            : (schema.maxLength ?? 0) > 200
              ? 'longText'
              : 'text';
    return { name, kind, required: required.has(name), options: choices ?? [], ...(schema.maxLength ? { maxLength: schema.maxLength } : {}), ...(schema.description ? { description: schema.description } : {}) };
  });
}

/** The request body of a filled form: empty optional fields are left out. */
export function bodyOf(fields: FieldSpec[], values: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.name];
    const empty = value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
    if (empty && !field.required && field.kind !== 'boolean') continue;
    body[field.name] = field.kind === 'boolean' ? Boolean(value) : typeof value === 'string' ? value.trim() : value;
  }
  return body;
}
