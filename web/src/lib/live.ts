/**
 * Live updates: one EventSource per tab on /app/api/events. The API sends `cases` with the numbers of the
 * cases you may read that changed, and `resync` when everything should be read again.
 */
import { onBeforeUnmount } from 'vue';

type Listener = (caseNos: string[] | 'all') => void;
const listeners = new Set<Listener>();
let source: EventSource | undefined;

function open(): void {
  source = new EventSource('/app/api/events');
  source.addEventListener('cases', (event) => {
    const caseNos = JSON.parse((event as MessageEvent<string>).data) as string[];
    for (const l of listeners) l(caseNos);
  });
  source.addEventListener('resync', () => {
    for (const l of listeners) l('all');
  });
  source.addEventListener('signed-out', () => close());
}

/** Stops live updates (sign-out). */
export function close(): void {
  source?.close();
  source = undefined;
}

/** Calls `listener` on changes while the calling component is mounted. */
export function useLive(listener: Listener): void {
  listeners.add(listener);
  if (!source) open();
  onBeforeUnmount(() => listeners.delete(listener));
}
