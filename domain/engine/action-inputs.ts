/**
 * What each action takes, as JSON Schema (TypeBox): the API validates request bodies against these and
 * publishes them in the OpenAPI document. Unit fields hold unit ids here; the API resolves them to unit
 * chains (see `unitFields` in the catalogue) before the action reaches the case.
 */
import { Type } from 'typebox';
import { RATINGS } from '../ratings.js';

const reason = Type.String({ minLength: 1, maxLength: 2000 });
const note = Type.Optional(Type.String({ maxLength: 2000 }));
const unitId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$' });
const limitText = Type.String({ minLength: 2, maxLength: 40, description: 'ISO 8601 duration (PT4H) or "<n> working days/hours"' });
const strict = { additionalProperties: false } as const;

export const ActionInputs = {
  signFor: Type.Object({}, strict),
  resolve: Type.Object({ reply: Type.String({ minLength: 1, maxLength: 5000 }) }, strict),
  return: Type.Object({ reason }, strict),
  whistle: Type.Object({ reason }, strict),
  requestExtension: Type.Object({ reason, extendBy: Type.Optional(limitText) }, strict),
  decideExtension: Type.Object({ approve: Type.Boolean(), note }, strict),
  dispatch: Type.Object({ unitId, coUnitIds: Type.Optional(Type.Array(unitId, { maxItems: 10, uniqueItems: true })), note }, strict),
  reportIn: Type.Object({}, strict),
  evaluate: Type.Object({ rating: Type.Enum(RATINGS), comment: note }, strict),
  arbitrate: Type.Object({ unitId, coUnitIds: Type.Optional(Type.Array(unitId, { maxItems: 10, uniqueItems: true })), ruling: reason }, strict),
  reassign: Type.Object({ unitId, reason }, strict),
  cancel: Type.Object({ originalCaseNo: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,96}$' }), reason }, strict),
  urge: Type.Object({ note }, strict),
  comment: Type.Object({ text: Type.String({ minLength: 1, maxLength: 2000 }) }, strict),
  summon: Type.Object(
    {
      departmentIds: Type.Array(unitId, { minItems: 1, maxItems: 10, uniqueItems: true, description: 'The departments to call to the case' }),
      tier: Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$', description: "A whistle tier of the case's process (routine, key, joint, tough in the shipped models)" }),
      note: reason,
    },
    strict,
  ),
  reportPart: Type.Object({ text: Type.String({ minLength: 1, maxLength: 5000, description: 'What the department did' }) }, strict),
  rateDepartment: Type.Object(
    {
      unitId,
      cooperation: Type.Integer({ minimum: 1, maximum: 5, description: 'How well the department cooperated, 1 (poorly) to 5 (fully)' }),
      partResolved: Type.Boolean({ description: 'Whether it resolved its part' }),
      note,
    },
    strict,
  ),
  dispute: Type.Object({ reason }, strict),
} as const;
