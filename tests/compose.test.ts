import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig, projectRoot } from '../infra/config.js';
import { allSearchAttributeKeys } from '../workflows/search-attributes.js';

interface Service {
  image?: string;
  build?: unknown;
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  command?: string[] | string;
}

const compose = parse(await readFile(path.join(projectRoot, 'temporal-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const { services } = compose;
const TYPE_NAMES = { KEYWORD: 'Keyword', DATETIME: 'Datetime', BOOL: 'Bool', INT: 'Int', DOUBLE: 'Double', TEXT: 'Text', KEYWORD_LIST: 'KeywordList' } as const;

// No container engine runs here, so the compose file is validated as data.
describe('temporal-compose.yml', () => {
  it('runs Temporal with PostgreSQL, its UI, the app database, the worker and the API', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'app-db', 'temporal', 'temporal-db', 'temporal-setup', 'temporal-ui', 'worker']);
    expect(services.temporal?.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'temporal-db' });
  });

  it('pins every image', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) continue;
      expect(service.image, name).toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(service.image, name).not.toMatch(/:latest$/);
    }
  });

  it('publishes Temporal on 7233, its UI on 8233 and the API on 3000', () => {
    const published = Object.values(services).flatMap((s) => s.ports ?? []).map((p) => p.split(':')[0]);
    expect(published.sort()).toEqual(['3000', '7233', '8233']);
    expect(services.api?.ports).toEqual(['3000:3000']);
  });

  it('points the worker and the API at the compose services, with a configuration loadConfig accepts in production', () => {
    // What an operator exports before `docker compose up`: compose substitutes ${VAR:?…} from the environment.
    const exported: Record<string, string> = { JIESU_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 3).toString('base64')}` };
    const substitute = (value: string) => value.replace(/\$\{(\w+)(:\?[^}]*)?\}/g, (_, name: string) => exported[name] ?? '');
    for (const name of ['worker', 'api']) {
      const env = Object.fromEntries(Object.entries(services[name]!.environment!).map(([k, v]) => [k, substitute(String(v))]));
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(new URL(env.DATABASE_URL!).hostname).toBe('app-db');
      expect(env.JIESU_ENV).toBe('production');
      expect(() => loadConfig(env)).not.toThrow();
    }
    expect(services.api!.environment!.HOST).toBe('0.0.0.0');
  });

  it('only depends on services it defines', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const dependency of Object.keys(service.depends_on ?? {})) expect(services, `${name} → ${dependency}`).toHaveProperty(dependency);
    }
  });

  it('registers exactly the search attributes the workflows use', () => {
    const registered = services['temporal-setup']!.environment!.SEARCH_ATTRIBUTES!.trim().split(/\s+/).sort();
    const expected = allSearchAttributeKeys.map((k) => `${k.name}=${TYPE_NAMES[k.type]}`).sort();
    expect(registered).toEqual(expected);
  });
});
