/** A worker thread of `city.ts`: simulates each district it is given and posts its progress and result. */
import { parentPort } from 'node:worker_threads';
import type { CityWorkerMessage } from './city.js';
import { simulateVariant, type VariantInput } from './simulate.js';

const port = parentPort!;
port.on('message', ({ index, input }: { index: number; input: VariantInput }) => {
  const post = (m: CityWorkerMessage): void => port.postMessage(m);
  try {
    const result = simulateVariant(input, (day, _total, cases) => post({ type: 'progress', index, day, cases }));
    post({ type: 'result', index, result });
  } catch (err) {
    post({ type: 'error', index, message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
