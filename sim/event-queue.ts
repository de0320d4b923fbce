/**
 * The simulator's clock: events ordered by their instant, and among events of one instant by the order
 * they were scheduled (a binary heap keyed by `[at, seq]`), so a run is reproducible.
 */
interface Scheduled {
  at: number;
  seq: number;
  run: () => void;
}

export class EventQueue {
  private readonly heap: Scheduled[] = [];
  private seq = 0;
  /** The virtual time: the instant of the event running now (epoch milliseconds). */
  now: number;

  constructor(start: number) {
    this.now = start;
  }

  get size(): number {
    return this.heap.length;
  }

  /** Runs `run` at `at` (never before now). */
  schedule(at: number, run: () => void): void {
    const item = { at: Math.max(at, this.now), seq: this.seq++, run };
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  /** Runs every event up to and including `until`, in order; the clock then stands at `until`. */
  runUntil(until: number): void {
    while (this.heap.length > 0 && this.heap[0]!.at <= until) {
      const next = this.pop();
      this.now = next.at;
      next.run();
    }
    this.now = Math.max(this.now, until);
  }

  private pop(): Scheduled {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}

const before = (a: Scheduled, b: Scheduled): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);
