import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../infra/config.js';

describe('loadConfig', () => {
  it('has sensible defaults for development', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ mode: 'development', logLevel: 'info', api: { port: 3000 }, dev: { temporalPort: 7233, temporalUiPort: 8233 } });
    expect(config.temporal).toMatchObject({ namespace: 'default', taskQueue: 'jiesu-cases', uiUrl: 'http://localhost:8233', address: undefined, localServer: 'dev' });
  });

  it('reports every problem at once, naming the variables', () => {
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', TEMPORAL_ADDRESS: 'nohost', DATABASE_URL: 'mysql://x', JIESU_TEMPORAL_SERVER: 'sqlite', TEMPORAL_DATABASE_URL: 'mysql://y' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      for (const name of ['PORT', 'LOG_LEVEL', 'TEMPORAL_ADDRESS', 'DATABASE_URL', 'JIESU_TEMPORAL_SERVER', 'TEMPORAL_DATABASE_URL']) expect(message).toContain(name);
    }
  });

  it('requires real servers in production', () => {
    expect(() => loadConfig({ JIESU_ENV: 'production' })).toThrow(/TEMPORAL_ADDRESS is required.*\n.*DATABASE_URL is required.*\n.*JIESU_ENCRYPTION_KEYS is required/s);
    const key = `k1:${Buffer.alloc(32, 9).toString('base64')}`;
    expect(loadConfig({ JIESU_ENV: 'production', TEMPORAL_ADDRESS: 'temporal:7233', DATABASE_URL: 'postgres://u:p@db/jiesu', JIESU_ENCRYPTION_KEYS: key }).mode).toBe('production');
  });

  it('requires a secret with a notification webhook', () => {
    expect(() => loadConfig({ NOTIFY_WEBHOOK_URL: 'https://hooks.example/jiesu' })).toThrow(/NOTIFY_WEBHOOK_SECRET/);
  });
});
