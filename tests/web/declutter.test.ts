/** The process map's layout rules: boundary events spread off their task's name, badges placed where nothing is drawn. */
import { describe, expect, it } from 'vitest';
import { EVENT_SIZE, overlaps, placeBadges, rerouteFrom, spreadBoundaryEvents, type Box } from '../../web/src/lib/declutter.js';

const task: Box = { x: 100, y: 100, width: 110, height: 80 };
const event = (id: string, target: { x: number; y: number } | null) => ({ id, host: 'task', bounds: { x: 150, y: 160, width: 36, height: 36 }, target });

describe('spreadBoundaryEvents', () => {
  it('puts events whose flow goes up on the top side, the others on the bottom, evenly and apart', () => {
    const placed = spreadBoundaryEvents([event('warn', { x: 150, y: 0 }), event('limit', { x: 400, y: 300 }), event('returned', { x: 300, y: 140 }), event('whistle', { x: 200, y: 400 })], new Map([['task', task]]));
    expect(placed.get('warn')!.y + EVENT_SIZE / 2).toBe(task.y);
    for (const id of ['limit', 'returned', 'whistle']) expect(placed.get(id)!.y + EVENT_SIZE / 2).toBe(task.y + task.height);
    const boxes = [...placed.values()];
    for (const a of boxes) for (const b of boxes) if (a !== b) expect(overlaps(a, b)).toBe(false);
    // Ordered by where their flows go, left to right.
    expect(placed.get('whistle')!.x).toBeLessThan(placed.get('returned')!.x);
    expect(placed.get('returned')!.x).toBeLessThan(placed.get('limit')!.x);
  });
});

describe('rerouteFrom', () => {
  it('starts the flow at the moved event and keeps it orthogonal', () => {
    const moved = { x: 140, y: 168, width: EVENT_SIZE, height: EVENT_SIZE };
    expect(rerouteFrom(moved, task, [{ x: 0, y: 0 }, { x: 300, y: 260 }])).toEqual([{ x: 152, y: 192 }, { x: 152, y: 260 }, { x: 300, y: 260 }]);
    expect(rerouteFrom(moved, task, [{ x: 0, y: 0 }, { x: 152, y: 260 }])).toEqual([{ x: 152, y: 192 }, { x: 152, y: 260 }]);
  });
});

describe('placeBadges', () => {
  it('takes the first free place around the task, never over a shape or another badge', () => {
    const size = { width: 40, height: 18 };
    const aboveRight = { x: task.x + task.width - 40, y: task.y - EVENT_SIZE / 2 - 4 - 18, width: 40, height: 18 };
    expect(placeBadges([{ id: 'a', task, size }], [task]).get('a')).toEqual(aboveRight);
    // Something drawn above: the badge goes elsewhere, and a second badge of the same task does not land on the first.
    const above: Box = { x: 90, y: 40, width: 140, height: 50 };
    const placed = placeBadges([{ id: 'a', task, size }, { id: 'b', task, size }], [task, above]);
    for (const box of placed.values()) for (const o of [task, above]) expect(overlaps(box, o)).toBe(false);
    expect(overlaps(placed.get('a')!, placed.get('b')!)).toBe(false);
  });
});
