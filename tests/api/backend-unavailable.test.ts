/**
 * Which errors mean "a backing service is briefly unavailable" (503 with Retry-After) rather than a bug
 * (500): the Temporal answers a loaded or restarting worker gives, as the chaos run met them.
 */
import { describe, expect, it } from 'vitest';
import { backendUnavailable } from '../../api/problem.js';

const grpcError = (code: number, message: string) => Object.assign(new Error('Failed to query Workflow', { cause: Object.assign(new Error(message), { code }) }));

describe('backendUnavailable', () => {
  it('counts a query refused while no worker polls or while the case\'s workflow task is retried', () => {
    expect(backendUnavailable(grpcError(9, '9 FAILED_PRECONDITION: no poller seen for task queue recently, worker may be down'))).toBe(true);
    expect(backendUnavailable(grpcError(9, '9 FAILED_PRECONDITION: Unable to query workflow due to Workflow Task in failed state.'))).toBe(true);
    expect(backendUnavailable(grpcError(4, '4 DEADLINE_EXCEEDED: query timed out before a worker could process it'))).toBe(true);
  });

  it('does not hide other failed preconditions or plain errors', () => {
    expect(backendUnavailable(grpcError(9, '9 FAILED_PRECONDITION: Namespace is not active'))).toBe(false);
    expect(backendUnavailable(new Error('Cannot read properties of undefined'))).toBe(false);
  });
});
