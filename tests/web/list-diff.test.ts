import { describe, expect, it } from 'vitest';
import { diffLists } from '../../web/src/lib/list-diff.js';

describe('diffLists', () => {
  it('names what a proposal adds, removes and changes against the list in force', () => {
    const inForce = [
      { category: 'food-safety', name: 'Food safety', level: 'district', departmentId: 'dept-market' },
      { category: 'noise', name: 'Noise', level: 'district', departmentId: 'dept-env' },
      { category: 'neighbour-dispute', name: 'Neighbour dispute', level: 'community', departmentId: null },
    ];
    const proposal = [
      { category: 'food-safety', name: 'Food safety', level: 'district', departmentId: 'dept-health' },
      { category: 'neighbour-dispute', name: 'Neighbour dispute', level: 'community' },
      { category: 'beauty', name: 'Beauty procedures', level: 'district', departmentId: 'dept-market' },
    ];
    const diff = diffLists(inForce, proposal);
    expect(diff.added.map((i) => i.category)).toEqual(['beauty']);
    expect(diff.removed.map((i) => i.category)).toEqual(['noise']);
    expect(diff.changed).toEqual([{ before: inForce[0], after: proposal[0], fields: ['departmentId'] }]);
    expect(diffLists(inForce, inForce)).toEqual({ added: [], removed: [], changed: [] });
  });

  it('sees co-departments (in any order) and the English name as changes', () => {
    const item = { category: 'food-safety', name: '食品安全', nameEn: 'Food safety', level: 'district', departmentId: 'dept-market', coDepartmentIds: ['dept-health', 'dept-env'] };
    expect(diffLists([item], [{ ...item, coDepartmentIds: ['dept-env', 'dept-health'] }]).changed).toEqual([]);
    expect(diffLists([item], [{ ...item, coDepartmentIds: ['dept-health'] }]).changed[0]!.fields).toEqual(['coDepartmentIds']);
    expect(diffLists([item], [{ ...item, nameEn: 'Food' }]).changed[0]!.fields).toEqual(['nameEn']);
  });
});
