/**
 * Laying out a process map so nothing is drawn on top of anything else. Models drawn by hand (ours
 * included) put up to four boundary events on a task, over its name and over each other, with their labels
 * on top of one another; count badges then land on both. Before the map is drawn:
 * - each task's boundary events are spread along the side facing where their flow goes (top or bottom),
 *   made smaller, and their outgoing flows start from their new place; their labels are dropped (a legend
 *   names the event kinds, and each event keeps its name as a tooltip);
 * - each count badge goes to the first free place around its task (above, below, beside) that overlaps no
 *   shape, label or other badge.
 * Pure functions over boxes, so they are tested without a browser.
 */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

/** A boundary event: its box, its host's box, and where its outgoing flows lead (their first target's centre). */
export interface BoundaryEvent {
  id: string;
  host: string;
  bounds: Box;
  target: Point | null;
}

/** Boundary events are drawn at this size (BPMN's default is 36, too big for four on one task). */
export const EVENT_SIZE = 24;

export const centre = (b: Box): Point => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });

export const overlaps = (a: Box, b: Box, gap = 0): boolean =>
  a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;

/** New boxes for boundary events: spread evenly along the top or bottom side of their host, whichever faces their flow. */
export function spreadBoundaryEvents(events: BoundaryEvent[], hosts: Map<string, Box>): Map<string, Box> {
  const placed = new Map<string, Box>();
  const byHostSide = new Map<string, BoundaryEvent[]>();
  for (const event of events) {
    const host = hosts.get(event.host);
    if (!host) continue;
    const side = event.target && event.target.y < host.y ? 'top' : 'bottom';
    const key = `${event.host}\u0000${side}`;
    byHostSide.set(key, [...(byHostSide.get(key) ?? []), event]);
  }
  for (const [key, group] of byHostSide) {
    const [hostId, side] = key.split('\u0000') as [string, 'top' | 'bottom'];
    const host = hosts.get(hostId)!;
    // Left to right in the order of their targets, so flows do not cross each other on the way out.
    group.sort((a, b) => (a.target?.x ?? 0) - (b.target?.x ?? 0) || a.id.localeCompare(b.id));
    const step = host.width / (group.length + 1);
    group.forEach((event, i) => {
      const cx = host.x + step * (i + 1);
      const cy = side === 'top' ? host.y : host.y + host.height;
      placed.set(event.id, { x: cx - EVENT_SIZE / 2, y: cy - EVENT_SIZE / 2, width: EVENT_SIZE, height: EVENT_SIZE });
    });
  }
  return placed;
}

/** The waypoints of a flow leaving a moved boundary event: from the event's outer edge, with a bend that keeps it orthogonal. */
export function rerouteFrom(event: Box, host: Box, waypoints: Point[]): Point[] {
  const c = centre(event);
  const top = c.y <= host.y;
  const start = { x: c.x, y: top ? event.y : event.y + event.height };
  const rest = waypoints.slice(1);
  const next = rest[0];
  if (!next) return [start];
  if (next.x === start.x || next.y === start.y) return [start, ...rest];
  return [start, { x: start.x, y: next.y }, ...rest];
}

/** Where a badge of this size may go around a task, in order of preference. */
function candidates(task: Box, size: { width: number; height: number }): Box[] {
  const gap = 4;
  const clear = EVENT_SIZE / 2 + gap;
  const { width, height } = size;
  const above = task.y - clear - height;
  const below = task.y + task.height + clear;
  return [
    { x: task.x + task.width - width, y: above, width, height },
    { x: task.x, y: above, width, height },
    { x: task.x + (task.width - width) / 2, y: above, width, height },
    { x: task.x + task.width - width, y: below, width, height },
    { x: task.x, y: below, width, height },
    { x: task.x + task.width + gap, y: task.y, width, height },
    { x: task.x - width - gap, y: task.y, width, height },
    { x: task.x + task.width + gap, y: task.y + task.height - height, width, height },
    { x: task.x - width - gap, y: task.y + task.height - height, width, height },
    { x: task.x + task.width - width, y: above - height - gap, width, height },
    { x: task.x + task.width - width, y: below + height + gap, width, height },
  ];
}

const overlapArea = (a: Box, b: Box): number =>
  Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));

/**
 * Places one badge per task: the first candidate place that overlaps nothing already drawn (`occupied`) nor
 * a badge placed before; failing that, the one that overlaps least.
 */
export function placeBadges(badges: Array<{ id: string; task: Box; size: { width: number; height: number } }>, occupied: Box[]): Map<string, Box> {
  const placed = new Map<string, Box>();
  const taken = [...occupied];
  for (const badge of badges) {
    const options = candidates(badge.task, badge.size);
    const free = options.find((box) => taken.every((o) => !overlaps(box, o, 2)));
    const best = free ?? options.map((box) => ({ box, cost: taken.reduce((sum, o) => sum + overlapArea(box, o), 0) })).sort((a, b) => a.cost - b.cost)[0]!.box;
    placed.set(badge.id, best);
    taken.push(best);
  }
  return placed;
}
