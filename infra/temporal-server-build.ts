import { execFile } from 'node:child_process';
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Config } from './config.js';
import { buildIntoCache, runGo } from './go-build.js';
import type { Logger } from './logger.js';
import { findOnPath, isExecutable } from './temporal-cli.js';

/**
 * The one place the Temporal server and Web UI versions of the production topology are pinned: the ones
 * inside the pinned CLI (`temporal --version` names them), so the dev server and the server on PostgreSQL
 * run the same server code, and `temporal-compose.yml` uses the same image tags (tests check both).
 */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
export const TEMPORAL_UI_VERSION = '2.42.1';

/** The binaries the production topology runs. */
export interface TemporalServerBinaries {
  /** `temporal-server`: frontend, history, matching and worker services. */
  server: string;
  /** `temporal-sql-tool`: creates and migrates the persistence and visibility schemas. */
  sqlTool: string;
  /** `temporal-ui-server`: the Web UI in front of the frontend. */
  uiServer: string;
}

const run = promisify(execFile);
const BINARIES = { server: 'temporal-server', sqlTool: 'temporal-sql-tool', uiServer: 'temporal-ui-server' } as const;

/** Where the build of the pinned versions is cached. */
export function cachedServerBinaries(cacheDir: string): TemporalServerBinaries {
  const dir = path.join(cacheDir, 'temporal-server', `v${TEMPORAL_SERVER_VERSION}-ui${TEMPORAL_UI_VERSION}`);
  return { server: path.join(dir, BINARIES.server), sqlTool: path.join(dir, BINARIES.sqlTool), uiServer: path.join(dir, BINARIES.uiServer) };
}

/**
 * The server binaries of the pinned versions: the cached build, else built with Go into the cache
 * (about 5 minutes on 2 cores the first time, seconds when Go's build cache already holds the server's
 * packages from the CLI build).
 */
export async function resolveServerBinaries({ config, logger, envPath = process.env.PATH }: { config: Pick<Config, 'cacheDir'>; logger: Logger; envPath?: string }): Promise<TemporalServerBinaries> {
  const cached = cachedServerBinaries(config.cacheDir);
  if (Object.values(cached).every(isExecutable)) return cached;
  const go = findOnPath('go', envPath);
  if (go === undefined) {
    throw new Error(
      `The Temporal server on PostgreSQL is built from source with Go, and no \`go\` is on PATH. Install Go 1.25 or later, or run the compose stack (docs/compose.md).`,
    );
  }
  await buildServerBinaries({ go, targetDir: path.dirname(cached.server), logger });
  return cached;
}

/** A module's source, copied out of Go's read-only module cache (downloaded from the module proxy first if need be). */
async function moduleSource(go: string, module: string, into: string, logger: Logger): Promise<string> {
  const { Dir: dir } = JSON.parse(await runGo({ go, args: ['mod', 'download', '-json', module], logger })) as { Dir: string };
  await cp(dir, into, { recursive: true });
  // The copy keeps the cache's read-only modes; make it ours to build in and to remove.
  await run('chmod', ['-R', 'u+w', into]);
  return into;
}

/** `go build` of the server, its SQL tool and the UI server from the pinned modules, into the cache. */
async function buildServerBinaries({ go, targetDir, logger }: { go: string; targetDir: string; logger: Logger }): Promise<void> {
  await buildIntoCache({
    targetDir,
    outputs: Object.values(BINARIES),
    what: `Temporal server ${TEMPORAL_SERVER_VERSION} and UI ${TEMPORAL_UI_VERSION}`,
    logger,
    async build(scratch, log) {
      log.info(
        { server: `go.temporal.io/server@v${TEMPORAL_SERVER_VERSION}`, ui: `github.com/temporalio/ui-server/v2@v${TEMPORAL_UI_VERSION}` },
        'Building temporal-server, temporal-sql-tool and temporal-ui-server with go build (about 5 minutes the first time; cached afterwards)',
      );
      const build = async (module: string, packages: Array<[string, string]>): Promise<void> => {
        const source = await moduleSource(go, module, path.join(scratch, 'src'), log);
        for (const [pkg, binary] of packages) {
          await runGo({ go, args: ['build', '-trimpath', '-ldflags=-s -w', '-o', path.join(scratch, binary), pkg], cwd: source, logger: log });
        }
        await rm(source, { recursive: true, force: true });
      };
      await build(`go.temporal.io/server@v${TEMPORAL_SERVER_VERSION}`, [
        ['./cmd/server', BINARIES.server],
        ['./cmd/tools/sql', BINARIES.sqlTool],
      ]);
      await build(`github.com/temporalio/ui-server/v2@v${TEMPORAL_UI_VERSION}`, [['./cmd/server', BINARIES.uiServer]]);
    },
  });
}
