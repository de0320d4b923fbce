/** The case page's forms come from the catalogue's input schemas: every action gets a widget per field, and a body the API accepts. */
import { describe, expect, it } from 'vitest';
import { actionDescriptions } from '../../api/routes/workbench.js';
import { bodyOf, fieldsOf } from '../../web/src/lib/actions.js';
import type { ActionDescription } from '../../web/src/lib/types.js';

const catalogue = actionDescriptions() as ActionDescription[];
const form = (type: string) => Object.fromEntries(fieldsOf(catalogue.find((a) => a.type === type)!).map((f) => [f.name, f.kind]));

describe('action forms', () => {
  it('draws every field of every catalogue action with a widget for its schema', () => {
    for (const action of catalogue) for (const field of fieldsOf(action)) expect(field.kind, `${action.type}.${field.name}`).toBeTruthy();
    expect(form('dispatch')).toEqual({ unitId: 'unit', coUnitIds: 'units', note: 'longText' });
    expect(form('evaluate')).toEqual({ rating: 'choice', comment: 'longText' });
    expect(form('decideExtension')).toEqual({ approve: 'boolean', note: 'longText' });
    expect(form('signFor')).toEqual({});
    expect(form('cancel')).toEqual({ originalCaseNo: 'text', reason: 'longText' });
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
