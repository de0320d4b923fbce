/**
 * The trivial workflow of `npm run bench:memory -- --workflow floor`: it only waits, so what a cached one
 * costs the worker is what the SDK itself costs per cached workflow.
 */
import { sleep } from '@temporalio/workflow';

/** Workflow type the floor benchmark starts. */
export const FLOOR_WORKFLOW_TYPE = 'floorWorkflow';

/** Sleeps six hours, like a case waiting on its limit, and does nothing else. */
export async function floorWorkflow(): Promise<void> {
  await sleep('6h');
}
