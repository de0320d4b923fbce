/** A proposed responsibility list against the list in force: what it adds, removes and changes, by category. */
export interface ListItem {
  category: string;
  name: string;
  level: string;
  departmentId?: string | null;
}

export interface ListDiff {
  added: ListItem[];
  removed: ListItem[];
  changed: Array<{ before: ListItem; after: ListItem; fields: Array<'name' | 'level' | 'departmentId'> }>;
}

export function diffLists(inForce: ListItem[], proposal: ListItem[]): ListDiff {
  const before = new Map(inForce.map((i) => [i.category, i]));
  const after = new Map(proposal.map((i) => [i.category, i]));
  const changed: ListDiff['changed'] = [];
  for (const [category, item] of after) {
    const old = before.get(category);
    if (!old) continue;
    const fields = (['name', 'level', 'departmentId'] as const).filter((f) => (old[f] ?? null) !== (item[f] ?? null));
    if (fields.length > 0) changed.push({ before: old, after: item, fields });
  }
  return {
    added: proposal.filter((i) => !before.has(i.category)),
    removed: inForce.filter((i) => !after.has(i.category)),
    changed,
  };
}
