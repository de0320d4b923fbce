import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { SearchAttributeType } from '@temporalio/common';
import type { TemporalServerSource } from './temporal-cli.js';

/** A Temporal server this process started: the CLI's dev server or `temporal-server` on PostgreSQL. */
export interface RunningTemporalServer {
  address: string;
  namespace: string;
  /** Web UI base URL, when the UI was asked for. */
  uiUrl: string | undefined;
  /** Where the server logs, when it is not this process's output. */
  logFile?: string;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  source: Exclude<TemporalServerSource, { kind: 'external' }>;
  namespace: string;
  /** SQLite file that keeps workflows across restarts; in-memory when unset. */
  dbFilename?: string;
  /** Frontend gRPC port; a free one when unset. */
  port?: number;
  /** Web UI port; no UI when unset. */
  uiPort?: number;
  /** Trade durability of the SQLite file for speed (what Temporal's own SDK CI does); for throwaway servers. */
  fast?: boolean;
  /** The codec server the Web UI decodes payloads with. */
  codecEndpoint?: string;
  /** Custom search attributes to register on start. */
  searchAttributes: ReadonlyArray<{ name: string; type: SearchAttributeType }>;
  /** Told when a start timed out and is tried again. */
  onRetry?: (attempt: number, error: Error) => void;
}

/**
 * Starts `temporal server start-dev` through `@temporalio/testing`, with the given search attributes
 * registered on the command line. The same path serves `npm run dev` (persistent file, UI) and the
 * test suite (in memory, fast pragmas).
 */
export async function startTemporalDevServer(options: DevServerOptions): Promise<RunningTemporalServer> {
  // The SDK waits a fixed 5 s for the server to listen; on a busy machine the first start can take longer.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (attempt >= STARTUP_ATTEMPTS || !(error instanceof Error && /did not start within/.test(error.message))) throw error;
      options.onRetry?.(attempt, error);
    }
  }
}

/** How many times a dev server that did not listen in the SDK's 5 s is started again. */
const STARTUP_ATTEMPTS = 3;

async function startOnce(options: DevServerOptions): Promise<RunningTemporalServer> {
  const { source, namespace, dbFilename, port, uiPort, fast = false, codecEndpoint, searchAttributes } = options;
  const pragmas = fast ? ['journal_mode=WAL', 'synchronous=OFF'] : ['journal_mode=WAL'];
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable:
        source.kind === 'executable'
          ? { type: 'existing-path', path: source.path }
          : { type: 'cached-download', version: `v${source.version}` },
      namespace,
      ip: '127.0.0.1',
      ...(port !== undefined ? { port } : {}),
      ...(dbFilename !== undefined ? { dbFilename } : {}),
      ...(uiPort !== undefined ? { ui: true, uiPort } : { ui: false }),
      searchAttributes: [...searchAttributes],
      extraArgs: [...pragmas.flatMap((p) => ['--sqlite-pragma', p]), ...(codecEndpoint ? ['--ui-codec-endpoint', codecEndpoint] : [])],
      log: { format: 'json', level: 'warn' },
    },
  });
  return {
    address: env.address,
    namespace,
    uiUrl: uiPort !== undefined ? `http://localhost:${uiPort}` : undefined,
    stop: () => env.teardown(),
  };
}
