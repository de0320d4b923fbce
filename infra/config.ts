import { createHash } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (the folder holding package.json). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A 32-byte AES key and the id written next to what it encrypts. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** The key development and tests use when none is configured. Production refuses it. */
export const DEVELOPMENT_KEY: EncryptionKey = { id: 'dev-insecure', key: createHash('sha256').update('jiesu development key: never in production').digest() };

export type RuntimeMode = 'development' | 'test' | 'production';
export type LocalTemporalServer = 'dev' | 'postgres';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface Config {
  mode: RuntimeMode;
  logLevel: LogLevel;
  temporal: {
    /** host:port of the Temporal frontend; unset means "start a dev server" (dev and tests only). */
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    /** Base URL of the Temporal Web UI, used for links from the API. */
    uiUrl: string;
    /** An explicit Temporal CLI binary; skips the lookup on PATH and in the cache. */
    cliPath: string | undefined;
    /**
     * The server `dev`, the tests and the topology start when TEMPORAL_ADDRESS is unset: the CLI's dev
     * server (one SQLite file) or `temporal-server` on PostgreSQL, as a city centre would run it.
     */
    localServer: LocalTemporalServer;
    /**
     * TLS to Temporal (files in PEM): the server's CA and name, and this process's client certificate for
     * mTLS (docs/compose.md). Undefined: plaintext, for a server reachable only on a private network.
     */
    tls: { caPath: string | undefined; certPath: string | undefined; keyPath: string | undefined; serverName: string | undefined } | undefined;
  };
  /**
   * PostgreSQL for the local `temporal-server`'s persistence and visibility (two databases: the URL's, and
   * `<name>_visibility`); unset means the read model's server (DATABASE_URL or the embedded one).
   */
  temporalDatabaseUrl: string | undefined;
  /** postgres:// URL of the read model; unset means "start an embedded PostgreSQL" (dev and tests only). */
  databaseUrl: string | undefined;
  api: {
    host: string;
    port: number;
    /** Complaints one intake key may file per minute. */
    intakeRateLimit: number;
    /** Case actions (including comments and urges) one key may take per minute. */
    actionRateLimit: number;
    /** Reads one client address may make per minute without a key (Open311's public service requests). */
    publicReadRateLimit: number;
    /** How many days back a portal may state a complaint was received (`receivedAt`), e.g. to load past months. */
    receivedAtMaxDays: number;
  };
  /**
   * Worker tuning (docs/worker-tuning.md): how many workflows stay cached in memory; the others replay their
   * (short) history when their next event arrives. Bounds the worker's memory however many cases are open.
   */
  worker: { maxCachedWorkflows: number };
  /** When the monthly evaluation runs (a cron expression in a time zone). */
  evaluation: { cron: string; timezone: string };
  /** Notifications: a signed webhook when a URL is set, the log otherwise; given up after `maxAttempts` sends. */
  notify: { webhookUrl: string | undefined; webhookSecret: string | undefined; maxAttempts: number };
  /** Ports `npm run dev` gives the Temporal dev server, its Web UI and the embedded PostgreSQL. */
  dev: { temporalPort: number; temporalUiPort: number; postgresPort: number };
  /** Payload encryption keys: the first encrypts, all decrypt (rotation). */
  encryptionKeys: EncryptionKey[];
  /** A Chromium for the browser tests; a system install is looked for otherwise. */
  chromiumPath: string | undefined;
  /** Where builds and downloads are cached (the Temporal CLI build lives here). */
  cacheDir: string;
  /** Where `npm run dev` keeps its persistent Temporal and PostgreSQL data. */
  dataDir: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const MODES: readonly RuntimeMode[] = ['development', 'test', 'production'];
const LOCAL_SERVERS: readonly LocalTemporalServer[] = ['dev', 'postgres'];

/**
 * Reads and validates the environment once. Every problem is reported together, so a
 * misconfigured process fails at boot with one clear message instead of at first use.
 * No other module reads `process.env`.
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const value = str(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
    return fallback;
  };
  const port = (name: string, fallback: number): number => {
    const value = str(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      problems.push(`${name} must be a TCP port between 0 and 65535 (got "${value}")`);
      return fallback;
    }
    return n;
  };
  const positive = (name: string, fallback: number): number => {
    const value = str(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) {
      problems.push(`${name} must be a positive whole number (got "${value}")`);
      return fallback;
    }
    return n;
  };
  const url = (name: string, protocols: string[]): string | undefined => {
    const value = str(name);
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must use ${protocols.join(' or ')} (got "${parsed.protocol}")`);
      }
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
    return value;
  };
  const encryptionKeys = (): EncryptionKey[] => {
    const value = str('JIESU_ENCRYPTION_KEYS');
    if (value === undefined) return [DEVELOPMENT_KEY];
    const keys: EncryptionKey[] = [];
    for (const entry of value.split(',')) {
      const [id, encoded] = entry.trim().split(':');
      const key = encoded === undefined ? Buffer.alloc(0) : Buffer.from(encoded, 'base64');
      if (!id || !/^[A-Za-z0-9._-]{1,40}$/.test(id) || key.length !== 32) {
        problems.push('JIESU_ENCRYPTION_KEYS must be a comma-separated list of <id>:<32 bytes in base64> (the first encrypts)');
        return [DEVELOPMENT_KEY];
      }
      keys.push({ id, key });
    }
    return keys;
  };
  const readableFile = (name: string): string | undefined => {
    const value = str(name);
    if (value === undefined) return undefined;
    try {
      accessSync(value, constants.R_OK);
    } catch {
      problems.push(`${name} must name a readable file (got "${value}")`);
    }
    return value;
  };
  const temporalTls = (): Config['temporal']['tls'] => {
    const tls = { caPath: readableFile('TEMPORAL_TLS_CA'), certPath: readableFile('TEMPORAL_TLS_CERT'), keyPath: readableFile('TEMPORAL_TLS_KEY'), serverName: str('TEMPORAL_TLS_SERVER_NAME') };
    if ((tls.certPath === undefined) !== (tls.keyPath === undefined)) problems.push('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (the client certificate for mTLS and its key)');
    return Object.values(tls).some((v) => v !== undefined) ? tls : undefined;
  };
  const address = str('TEMPORAL_ADDRESS');
  if (address !== undefined && !/^[^\s:/]+:\d{1,5}$/.test(address)) {
    problems.push(`TEMPORAL_ADDRESS must look like host:port (got "${address}")`);
  }

  const mode = oneOf('JIESU_ENV', MODES, env.NODE_ENV === 'production' ? 'production' : 'development');
  const config: Config = {
    mode,
    logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    temporal: {
      address,
      namespace: str('TEMPORAL_NAMESPACE') ?? 'default',
      taskQueue: str('TEMPORAL_TASK_QUEUE') ?? 'jiesu-cases',
      uiUrl: (url('TEMPORAL_UI_URL', ['http:', 'https:']) ?? 'http://localhost:8233').replace(/\/+$/, ''),
      cliPath: str('TEMPORAL_CLI_PATH'),
      localServer: oneOf('JIESU_TEMPORAL_SERVER', LOCAL_SERVERS, 'dev'),
      tls: temporalTls(),
    },
    temporalDatabaseUrl: url('TEMPORAL_DATABASE_URL', ['postgres:', 'postgresql:']),
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    api: {
      host: str('HOST') ?? '127.0.0.1',
      port: port('PORT', 3000),
      intakeRateLimit: positive('INTAKE_RATE_LIMIT', 600),
      actionRateLimit: positive('ACTION_RATE_LIMIT', 120),
      publicReadRateLimit: positive('PUBLIC_READ_RATE_LIMIT', 120),
      receivedAtMaxDays: positive('RECEIVED_AT_MAX_DAYS', 92),
    },
    worker: { maxCachedWorkflows: positive('WORKER_MAX_CACHED_WORKFLOWS', 2_000) },
    evaluation: { cron: str('EVALUATION_CRON') ?? '0 2 1 * *', timezone: str('EVALUATION_TIMEZONE') ?? 'Asia/Shanghai' },
    notify: { webhookUrl: url('NOTIFY_WEBHOOK_URL', ['http:', 'https:']), webhookSecret: str('NOTIFY_WEBHOOK_SECRET'), maxAttempts: positive('NOTIFY_MAX_ATTEMPTS', 10) },
    dev: { temporalPort: port('TEMPORAL_PORT', 7233), temporalUiPort: port('TEMPORAL_UI_PORT', 8233), postgresPort: port('JIESU_DEV_PG_PORT', 54329) },
    encryptionKeys: encryptionKeys(),
    chromiumPath: str('CHROMIUM_PATH'),
    cacheDir: path.resolve(projectRoot, str('JIESU_CACHE_DIR') ?? '.cache'),
    dataDir: path.resolve(projectRoot, str('JIESU_DATA_DIR') ?? '.data'),
  };
  if (mode === 'production') {
    if (config.temporal.address === undefined) problems.push('TEMPORAL_ADDRESS is required in production');
    if (config.databaseUrl === undefined) problems.push('DATABASE_URL is required in production');
    if (config.encryptionKeys.some((k) => k.id === DEVELOPMENT_KEY.id || k.key.equals(DEVELOPMENT_KEY.key))) {
      problems.push('JIESU_ENCRYPTION_KEYS is required in production, and must not contain the development key');
    }
  }
  if (config.evaluation.cron.trim().split(/\s+/).length !== 5) problems.push(`EVALUATION_CRON must be a five-field cron expression (got "${config.evaluation.cron}")`);
  if (config.notify.webhookUrl !== undefined && config.notify.webhookSecret === undefined) {
    problems.push('NOTIFY_WEBHOOK_SECRET is required when NOTIFY_WEBHOOK_URL is set (requests are signed)');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The Temporal address, or a clear error for processes that cannot start a server of their own. */
export function requireTemporalAddress(config: Config): string {
  if (config.temporal.address === undefined) {
    throw new ConfigError(['TEMPORAL_ADDRESS is not set (use `npm run dev` to start a local server)']);
  }
  return config.temporal.address;
}

/** The database URL, or a clear error for processes that cannot start a database of their own. */
export function requireDatabaseUrl(config: Config): string {
  if (config.databaseUrl === undefined) {
    throw new ConfigError(['DATABASE_URL is not set (use `npm run dev` to start a local database)']);
  }
  return config.databaseUrl;
}
