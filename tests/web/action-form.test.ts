/** The case page's forms come from the catalogue's input schemas: every action gets a widget per field, and a body the API accepts. */
import { describe, expect, it } from 'vitest';
import { actionDescriptions } from '../../api/routes/workbench.js';
import { bodyOf, caseChoices, fieldsOf, type CaseChoices } from '../../web/src/lib/actions.js';
import type { ActionDescription } from '../../web/src/lib/types.js';

const catalogue = actionDescriptions() as ActionDescription[];
const action = (type: string) => catalogue.find((a) => a.type === type)!;
const form = (type: string, choices?: CaseChoices) => Object.fromEntries(fieldsOf(action(type), choices).map((f) => [f.name, f.kind]));

describe('action forms', () => {
  it('draws every field of every catalogue action with a widget for its schema', () => {
    for (const action of catalogue) for (const field of fieldsOf(action)) expect(field.kind, `${action.type}.${field.name}`).toBeTruthy();
    expect(form('dispatch')).toEqual({ unitId: 'unit', coUnitIds: 'units', note: 'longText' });
    expect(form('evaluate')).toEqual({ rating: 'choice', comment: 'longText' });
    expect(form('decideExtension')).toEqual({ approve: 'boolean', note: 'longText' });
    expect(form('signFor')).toEqual({});
    expect(form('cancel')).toEqual({ originalCaseNo: 'text', reason: 'longText' });
    expect(form('reportPart')).toEqual({ text: 'longText' });
    expect(form('dispute')).toEqual({ reason: 'longText' });
    expect(form('arbitrate')).toEqual({ unitId: 'unit', coUnitIds: 'units', ruling: 'longText' });
  });

  it("offers the case's choices: a summons's tiers of the case's level, a rating's departments summoned and not yet rated", () => {
    const view = {
      summons: [
        { departments: [{ unitId: 'dept-urban', rated: true }, { unitId: 'dept-sanitation', rated: false }] },
        { departments: [{ unitId: 'dept-police', rated: false }, { unitId: 'dept-sanitation', rated: false }] },
      ],
    };
    // Without a case (or a process naming no tiers) the tier is free text, as its schema says.
    expect(form('summon')).toEqual({ departmentIds: 'units', tier: 'text', note: 'longText' });
    const summon = fieldsOf(action('summon'), caseChoices('summon', view, ['joint', 'tough']));
    expect(summon.find((f) => f.name === 'tier')).toMatchObject({ kind: 'choice', options: ['joint', 'tough'] });
    // The summoned departments stay a unit picker over any active department: the case does not narrow them.
    expect(summon.find((f) => f.name === 'departmentIds')).toMatchObject({ kind: 'units', options: [] });

    expect(form('rateDepartment')).toMatchObject({ unitId: 'text', cooperation: 'number', partResolved: 'boolean' });
    const rating = fieldsOf(action('rateDepartment'), caseChoices('rateDepartment', view, []));
    expect(rating.find((f) => f.name === 'unitId')).toMatchObject({ kind: 'unit', options: ['dept-sanitation', 'dept-police'] });
    expect(bodyOf(rating, { unitId: 'dept-police', cooperation: 5, partResolved: false, note: '' })).toEqual({ unitId: 'dept-police', cooperation: 5, partResolved: false });
    expect(caseChoices('resolve', view, ['joint'])).toEqual({});
  });

  it('takes numbers and structured fields too, for actions still to come', () => {
    const future: ActionDescription = {
      type: 'rate',
      path: 'ratings',
      summary: 'Rate a department',
      description: '',
      roles: ['handler'],
      unitFields: [{ field: 'unitId', many: false }],
      input: {
        type: 'object',
        required: ['unitId', 'cooperation'],
        properties: { unitId: { type: 'string' }, cooperation: { type: 'integer', minimum: 1, maximum: 5 }, parts: { type: 'array', items: { type: 'object' } }, note: { type: 'string', maxLength: 100 } },
      },
    };
    const fields = fieldsOf(future);
    expect(fields.map((f) => [f.name, f.kind])).toEqual([['unitId', 'unit'], ['cooperation', 'number'], ['parts', 'json'], ['note', 'text']]);
    expect(fields.find((f) => f.name === 'cooperation')).toMatchObject({ minimum: 1, maximum: 5, required: true });
    expect(bodyOf(fields, { unitId: 'dept-urban', cooperation: 4, parts: '[{"done": true}]', note: '  ' })).toEqual({ unitId: 'dept-urban', cooperation: 4, parts: [{ done: true }] });
    expect(() => bodyOf(fields, { unitId: 'dept-urban', cooperation: 4, parts: '[{' })).toThrow('parts: not valid JSON');
  });
});
