import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };

// Node.js 20 left support on 2026-04-30. npm scripts run on the Node.js LTS the `node` dev dependency
// installs, whatever Node runs npm itself; a user's own Node 22 or 24 works as well.
describe('runtime', () => {
  it('is a supported Node.js LTS, as package.json engines say', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(major).toBeGreaterThanOrEqual(22);
    expect(packageJson.engines.node).toBe('>=22');
    expect(packageJson.devDependencies.node.split('.')[0]).toBe('24');
  });
});
