/** A proposed responsibility list against the list in force: what it adds, removes and changes, by category. */
export interface ListItem {
  category: string;
  name: string;
  level: string;
  nameEn?: string | null;
  departmentId?: string | null;
  /** Departments that join the lead on every case of the matter. */
  coDepartmentIds?: string[];
}

const FIELDS = ['name', 'nameEn', 'level', 'departmentId', 'coDepartmentIds'] as const;
type Field = (typeof FIELDS)[number];
/** A field's value, compared as text (co-departments in any order are the same). */
const valueOf = (item: ListItem, field: Field): string => (field === 'coDepartmentIds' ? [...(item.coDepartmentIds ?? [])].sort().join(',') : (item[field] ?? ''));

export interface ListDiff {
  added: ListItem[];
  removed: ListItem[];
  changed: Array<{ before: ListItem; after: ListItem; fields: Field[] }>;
}

export function diffLists(inForce: ListItem[], proposal: ListItem[]): ListDiff {
  const before = new Map(inForce.map((i) => [i.category, i]));
  const after = new Map(proposal.map((i) => [i.category, i]));
  const changed: ListDiff['changed'] = [];
  for (const [category, item] of after) {
    const old = before.get(category);
    if (!old) continue;
    const fields = FIELDS.filter((f) => valueOf(old, f) !== valueOf(item, f));
    if (fields.length > 0) changed.push({ before: old, after: item, fields });
  }
  return {
    added: proposal.filter((i) => !before.has(i.category)),
    removed: inForce.filter((i) => !after.has(i.category)),
    changed,
  };
}
