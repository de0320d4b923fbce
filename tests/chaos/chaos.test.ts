/** A small chaos run in every test run (the big one is `npm run chaos`). */
import { describe, expect, inject, it } from 'vitest';
import { runChaos } from '../../chaos/harness.js';
import { createLogger } from '../../infra/logger.js';

describe('chaos', () => {
  it('loses nothing while the worker is killed, the API restarted and PostgreSQL stopped', { timeout: 600_000 }, async () => {
    const report = await runChaos({
      temporalAddress: inject('temporalAddress'),
      namespace: inject('namespace'),
      cases: 16,
      workerKills: 3,
      apiRestarts: 1,
      dbOutages: 1,
      concurrency: 4,
      seed: 7,
      logger: createLogger({ level: 'silent', pretty: false }),
    });
    expect(report.violations).toEqual([]);
    expect(report).toMatchObject({ cases: 16, closedCases: 16, acceptedIntakes: 16, faults: { workerKills: 3, apiRestarts: 1, dbOutages: 1 } });
    expect(report.acceptedActions).toBeGreaterThan(40);
    expect(report.invariantsChecked).toBeGreaterThan(100);
  });
});
