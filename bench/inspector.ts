/**
 * A small Chrome DevTools Protocol client for a process started with `--inspect`: it forces garbage
 * collections, reads V8 heap figures and takes heap snapshots, in the main thread and in the process's
 * worker threads (the Temporal worker runs workflows in a thread of its own). Benchmarks only: nothing in
 * the product opens an inspector.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** One CDP target: the main thread, or a worker thread reached through `NodeWorker.sendMessageToWorker`. */
export interface InspectorTarget {
  /** The thread's entry file (`workflow-worker-thread.js` for the Temporal workflow thread); '' for the main thread. */
  url: string;
  send<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** Calls `handler` with every event of that name from this target; returns a function that stops it. */
  on(method: string, handler: (params: Record<string, unknown>) => void): () => void;
}

/** Heap figures of one V8 isolate, in bytes. */
export interface HeapUsage {
  usedSize: number;
  totalSize: number;
}

/** One row of a heap snapshot's summary: objects grouped by constructor (or by kind for closures, code, strings…). */
export interface HeapGroup {
  name: string;
  count: number;
  selfBytes: number;
}

class Session {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(params: Record<string, unknown>) => void>>();

  constructor(private readonly post: (message: string) => void) {}

  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    const answer = new Promise<T>((resolve, reject) => this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject }));
    this.post(JSON.stringify({ id, method, params }));
    return answer;
  }

  on(method: string, handler: (params: Record<string, unknown>) => void): () => void {
    const set = this.listeners.get(method) ?? new Set();
    set.add(handler);
    this.listeners.set(method, set);
    return () => set.delete(handler);
  }

  receive(text: string): void {
    const message = JSON.parse(text) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: Record<string, unknown> };
    if (message.id !== undefined) {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(message.error.message));
      else waiter?.resolve(message.result);
    } else if (message.method) {
      for (const handler of this.listeners.get(message.method) ?? []) handler(message.params ?? {});
    }
  }

  failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}

/** A connection to a process's inspector, with its main thread and the worker threads it has attached to. */
export class Inspector {
  readonly main: InspectorTarget;
  private readonly workers = new Map<string, { url: string; session: Session }>();

  private constructor(private readonly socket: WebSocket) {
    const main = new Session((message) => socket.send(message));
    this.main = { url: '', send: (m, p) => main.send(m, p), on: (m, h) => main.on(m, h) };
    socket.addEventListener('message', (event) => main.receive(String(event.data)));
    socket.addEventListener('close', () => {
      main.failAll(new Error('inspector closed'));
      for (const { session } of this.workers.values()) session.failAll(new Error('inspector closed'));
    });
    main.on('NodeWorker.attachedToWorker', (params) => {
      const sessionId = String(params.sessionId);
      const url = String((params.workerInfo as { url?: string } | undefined)?.url ?? '');
      const session = new Session((message) => void main.send('NodeWorker.sendMessageToWorker', { sessionId, message }));
      this.workers.set(sessionId, { url, session });
    });
    main.on('NodeWorker.receivedMessageFromWorker', (params) => this.workers.get(String(params.sessionId))?.session.receive(String(params.message)));
  }

  /** Connects to `ws://…` as printed by the inspected process ("Debugger listening on ws://…"). */
  static async connect(url: string): Promise<Inspector> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error(`Cannot reach the inspector at ${url}`)), { once: true });
    });
    const inspector = new Inspector(socket);
    await inspector.main.send('NodeWorker.enable', { waitForDebuggerOnStart: false });
    return inspector;
  }

  /** The worker thread whose entry file matches, once the inspector has attached to it. */
  async worker(urlPattern: RegExp, timeoutMs = 30_000): Promise<InspectorTarget> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const { url, session } of this.workers.values()) {
        if (urlPattern.test(url)) return { url, send: (m, p) => session.send(m, p), on: (m, h) => session.on(m, h) };
      }
      if (Date.now() > deadline) throw new Error(`No worker thread matching ${urlPattern} (threads: ${[...this.workers.values()].map((w) => w.url).join(', ') || 'none'})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** A full, forced garbage collection of the target's heap (what `--expose-gc`'s `gc()` does). */
export async function collectGarbage(target: InspectorTarget): Promise<void> {
  await target.send('HeapProfiler.collectGarbage');
}

/** Used and total V8 heap of the target's isolate. */
export function heapUsage(target: InspectorTarget): Promise<HeapUsage> {
  return target.send<HeapUsage>('Runtime.getHeapUsage');
}

/** Evaluates an expression in the target and returns its value (JSON-serialisable values only). */
export async function evaluate<T>(target: InspectorTarget, expression: string): Promise<T> {
  const { result, exceptionDetails } = await target.send<{ result: { value?: T }; exceptionDetails?: { text: string; exception?: { description?: string } } }>('Runtime.evaluate', {
    expression,
    returnByValue: true,
  });
  if (exceptionDetails) throw new Error(`${expression}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
  return result.value as T;
}

/** Writes a heap snapshot of the target to `file` (a `.heapsnapshot` that Chrome DevTools opens). */
export async function takeHeapSnapshot(target: InspectorTarget, file: string): Promise<void> {
  const out = createWriteStream(file);
  const stop = target.on('HeapProfiler.addHeapSnapshotChunk', (params) => out.write(String(params.chunk)));
  try {
    await target.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false, captureNumericValue: false });
  } finally {
    stop();
    out.end();
    await once(out, 'close');
  }
}

/**
 * Heap snapshot summary the way DevTools' "Summary" view groups it: objects by constructor name, the rest
 * by kind ("(closure)", "(compiled code)", "(string)", "(array)", "(system)"…).
 */
export function summariseHeapSnapshot(snapshot: {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}): HeapGroup[] {
  const { node_fields: fields, node_types: types } = snapshot.snapshot.meta;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const kinds = types[0];
  const groups = new Map<string, HeapGroup>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const kind = kinds[snapshot.nodes[i + typeAt]!]!;
    const name =
      kind === 'object' || kind === 'native'
        ? (snapshot.strings[snapshot.nodes[i + nameAt]!] ?? '?')
        : kind === 'code'
          ? '(compiled code)'
          : kind === 'hidden' || kind === 'object shape'
            ? '(system)'
            : kind === 'concatenated string' || kind === 'sliced string'
              ? '(string)'
              : `(${kind})`;
    const group = groups.get(name) ?? { name, count: 0, selfBytes: 0 };
    group.count += 1;
    group.selfBytes += snapshot.nodes[i + sizeAt]!;
    groups.set(name, group);
  }
  return [...groups.values()].sort((a, b) => b.selfBytes - a.selfBytes);
}
