/**
 * The simulator's clock: events ordered by their instant, and among events of one instant by the order
 * they were scheduled (a binary heap keyed by `[at, seq]`), so a run is reproducible.
 *
 * An event can be cancelled (a timer the engine cancelled, every event of a case that closed): it loses what it
 * would run at once, so whatever that held — a closed case and its state — is garbage even while the event
 * waits in the heap; the heap drops such entries when they come up, or all at once when they make up more than
 * half of it (a city year leaves hundreds of thousands of deadlines of closed cases behind).
 */
export interface Scheduled {
  readonly at: number;
  readonly seq: number;
  /** What the event runs; null once it ran or was cancelled. */
  run: (() => void) | null;
}

/** Stale entries the heap tolerates before it is worth compacting at all. */
const COMPACT_FROM = 4_096;

export class EventQueue {
  private heap: Scheduled[] = [];
  private seq = 0;
  private stale = 0;
  /** The virtual time: the instant of the event running now (epoch milliseconds). */
  now: number;

  constructor(start: number) {
    this.now = start;
  }

  /** Events waiting, cancelled ones not yet dropped included. */
  get size(): number {
    return this.heap.length;
  }

  /** Events waiting that will run. */
  get pending(): number {
    return this.heap.length - this.stale;
  }

  /** Runs `run` at `at` (never before now). */
  schedule(at: number, run: () => void): Scheduled {
    const item: Scheduled = { at: Math.max(at, this.now), seq: this.seq++, run };
    const heap = this.heap;
    let i = heap.length;
    heap.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!before(item, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = item;
    return item;
  }

  /** The event will not run (nothing happens if it ran or was cancelled already). */
  cancel(item: Scheduled): void {
    if (item.run === null) return;
    item.run = null;
    this.stale += 1;
    if (this.stale >= COMPACT_FROM && this.stale * 2 > this.heap.length) this.compact();
  }

  /** Runs every event up to and including `until`, in order; the clock then stands at `until`. */
  runUntil(until: number): void {
    while (this.heap.length > 0 && this.heap[0]!.at <= until) {
      const next = this.pop();
      const run = next.run;
      if (run === null) {
        this.stale -= 1;
        continue;
      }
      next.run = null;
      this.now = next.at;
      run();
    }
    this.now = Math.max(this.now, until);
  }

  /** Drops cancelled entries and rebuilds the heap (the order of what is left does not change: `[at, seq]` is total). */
  private compact(): void {
    const heap = this.heap.filter((e) => e.run !== null);
    this.heap = heap;
    this.stale = 0;
    for (let i = (heap.length >> 1) - 1; i >= 0; i -= 1) siftDown(heap, i);
  }

  private pop(): Scheduled {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      siftDown(heap, 0);
    }
    return top;
  }
}

function siftDown(heap: Scheduled[], from: number): void {
  const item = heap[from]!;
  const n = heap.length;
  let i = from;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const m = r < n && before(heap[r]!, heap[l]!) ? r : l;
    if (!before(heap[m]!, item)) break;
    heap[i] = heap[m]!;
    i = m;
  }
  heap[i] = item;
}

const before = (a: Scheduled, b: Scheduled): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);
