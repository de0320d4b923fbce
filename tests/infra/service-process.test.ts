import { describe, expect, it } from 'vitest';
import { spawnService, WORKER_PROCESS_ENV, workerEnvDefaults } from '../../infra/service-process.js';

const PROBE = 'tests/fixtures/env-probe/worker.ts';

async function probe(env: Record<string, string>): Promise<string> {
  const service = spawnService(PROBE, env);
  const line = await service.waitFor(/^MALLOC_ARENA_MAX=/);
  await service.kill('SIGTERM');
  return line.trim();
}

describe('worker processes', () => {
  it('start with at most two malloc arenas unless their environment says otherwise', async () => {
    expect(WORKER_PROCESS_ENV).toEqual({ MALLOC_ARENA_MAX: '2' });
    expect(await probe({})).toBe(process.env.MALLOC_ARENA_MAX === undefined ? 'MALLOC_ARENA_MAX=2' : `MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX}`);
    expect(await probe({ MALLOC_ARENA_MAX: '4' })).toBe('MALLOC_ARENA_MAX=4');
  });

  it('leave a setting the operator made alone', () => {
    expect(workerEnvDefaults({ MALLOC_ARENA_MAX: '8' })).toEqual({});
    expect(workerEnvDefaults({})).toEqual({ MALLOC_ARENA_MAX: '2' });
  });
});
