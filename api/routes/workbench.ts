import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { inArray } from 'drizzle-orm';
import { Type } from 'typebox';
import type { Principal, PrincipalRole } from '../../db/api-keys.js';
import { cases } from '../../db/schema.js';
import { ACTIONS, rolesOf } from '../../domain/engine/actions.js';
import type { ActionType } from '../../domain/engine/types.js';
import { projectRoot } from '../../infra/config.js';
import { presentedKey } from '../auth.js';
import { CaseChangeFeed, type CaseChange } from '../case-changes.js';
import { canRead, readScopeColumns } from '../cases.js';
import type { RouteDeps } from '../deps.js';
import { HttpProblem, notFound } from '../problem.js';
import { problemResponses } from '../schemas.js';
import { sessionPrincipal, sessionRoutes } from '../sessions.js';
import { describeAction } from './case-actions.js';

/** Who works cases in the workbench: their keys open workbench sessions. */
export const WORKBENCH_ROLES = ['handler', 'dispatcher', 'supervisor', 'admin'] as const satisfies readonly PrincipalRole[];

/** Where `npm run build:web` puts the built app (scripts/build-web.ts). */
export const WEB_DIST = path.join(projectRoot, 'web', 'dist');

const ActionDescription = Type.Object({
  type: Type.String(),
  path: Type.String({ description: 'POST /v1/complaints/:caseNo/<path>' }),
  summary: Type.String(),
  description: Type.String(),
  roles: Type.Array(Type.String()),
  input: Type.Unknown({ description: 'The request body as JSON Schema' }),
  unitFields: Type.Array(Type.Object({ field: Type.String(), many: Type.Boolean() }), { description: 'Body fields that hold unit ids' }),
});

/** Every action of the catalogue as the app needs it to draw its button and form. */
export function actionDescriptions() {
  return (Object.keys(ACTIONS) as ActionType[]).map((type) => {
    const spec = ACTIONS[type];
    return {
      type,
      path: spec.path,
      summary: spec.summary,
      description: describeAction(type),
      roles: rolesOf(type),
      input: JSON.parse(JSON.stringify(spec.input)) as unknown,
      unitFields: (spec.unitFields ?? []).map((f) => ({ field: f.body, many: f.many ?? false })),
    };
  });
}

interface Asset {
  type: string;
  body: Buffer;
  br?: Buffer;
  gzip?: Buffer;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** The built app in memory (a few files, brotli and gzip variants made at build time). */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (sub: string): void => {
    for (const entry of readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.posix.join(sub, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (!/\.(br|gz)$/.test(entry.name) && !entry.name.startsWith('.')) {
        const file = path.join(dir, rel);
        const body = readFileSync(file);
        const variant = (ext: string) => (existsSync(file + ext) ? readFileSync(file + ext) : undefined);
        const br = variant('.br');
        const gzip = variant('.gz');
        assets.set(rel, {
          type: TYPES[path.extname(entry.name)] ?? 'application/octet-stream',
          body,
          ...(br ? { br } : {}),
          ...(gzip ? { gzip } : {}),
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        });
      }
    }
  };
  walk('');
  return assets;
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset, immutable: boolean) {
  void reply
    .type(asset.type)
    .header('etag', asset.etag)
    .header('vary', 'accept-encoding')
    .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
  const accepts = String(request.headers['accept-encoding'] ?? '');
  if (asset.br && /\bbr\b/.test(accepts)) return reply.header('content-encoding', 'br').send(asset.br);
  if (asset.gzip && /\bgzip\b/.test(accepts)) return reply.header('content-encoding', 'gzip').send(asset.gzip);
  return reply.send(asset.body);
}

/** An SSE client: who it is and how to write to it. */
interface Stream {
  principal: Principal;
  write(event: string, data: unknown): void;
  end(): void;
}

const HEARTBEAT_MS = 25_000;

/**
 * The workbench: the web app at /app (built by `npm run build:web` into web/dist), its sessions at
 * /app/api/session (an API key exchanged once for an HttpOnly cookie; the app then calls /v1 with it, see
 * `authPlugin`), the action catalogue the app draws its forms from, and live updates of cases as server-sent
 * events.
 */
export const workbenchRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { sessions, keys, units, database, logger }) => {
  await app.register(sessionRoutes, { sessions, keys, purpose: 'workbench', base: '/app/api', roles: WORKBENCH_ROLES, tag: 'workbench' });
  const roles = { roles: WORKBENCH_ROLES };

  app.get(
    '/app/api/actions',
    {
      config: roles,
      schema: {
        tags: ['workbench'],
        summary: 'The case actions: path, summary, roles, input schema and unit fields (the app draws its buttons and forms from these)',
        security: [{ apiKey: [] }],
        response: { 200: Type.Object({ actions: Type.Array(ActionDescription) }), ...problemResponses(401, 403) },
      },
    },
    async () => ({ actions: actionDescriptions() }),
  );

  const feed = new CaseChangeFeed(database.pool.options, logger);
  const streams = new Set<Stream>();
  let unsubscribe: (() => void) | undefined;

  /** One read of the changed cases' scopes per change, shared by every stream of this process. */
  const fanOut = async (change: CaseChange): Promise<void> => {
    if (change.kind === 'all') {
      for (const s of streams) s.write('resync', {});
      return;
    }
    const rows = await database.db.select({ caseNo: cases.caseNo, ...readScopeColumns }).from(cases).where(inArray(cases.caseNo, change.caseNos));
    for (const s of streams) {
      const readable = rows.filter((r) => canRead(s.principal, r, units)).map((r) => r.caseNo);
      if (readable.length > 0) s.write('cases', readable);
    }
  };
  const onChange = (change: CaseChange): void => {
    fanOut(change).catch((error: unknown) => {
      logger.warn({ err: error }, 'Could not read changed cases for live updates');
      for (const s of streams) s.write('resync', {});
    });
  };
  app.addHook('preClose', async () => {
    for (const s of streams) s.end();
    feed.close();
  });

  app.get(
    '/app/api/events',
    {
      config: roles,
      // A stream that never ends is no route for the OpenAPI document (docs/workbench.md describes it).
      schema: { hide: true },
    },
    async (request, reply) => {
      const principal = request.principal!;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      raw.write('retry: 3000\n\n');
      const stream: Stream = {
        principal,
        write: (event, data) => void raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
        end: () => {
          clearInterval(heartbeat);
          if (!streams.delete(stream)) return;
          if (streams.size === 0) {
            unsubscribe?.();
            unsubscribe = undefined;
          }
          raw.end();
        },
      };
      streams.add(stream);
      unsubscribe ??= feed.subscribe(onChange);
      // The session (or key) may end meanwhile (logout, revoked key): a stream outlives it by a heartbeat at most.
      const heartbeat: NodeJS.Timeout = setInterval(() => {
        void (async () => {
          const key = presentedKey(request);
          const live = await (key !== undefined ? keys.verify(key) : sessionPrincipal(sessions, request, 'workbench')).catch(() => undefined);
          if (!live) {
            stream.write('signed-out', {});
            stream.end();
          } else raw.write(': heartbeat\n\n');
        })();
      }, HEARTBEAT_MS);
      request.raw.on('close', () => stream.end());
    },
  );

  // The app itself. Built files are served from memory; every other path under /app is a page of the app.
  const assets = existsSync(path.join(WEB_DIST, 'index.html')) ? loadAssets(WEB_DIST) : undefined;
  if (!assets) logger.warn({ dist: WEB_DIST }, 'The workbench is not built: /app answers 503 until `npm run build:web` has run');
  const page = async (request: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply) => {
    if (!assets) throw new HttpProblem(503, 'not-built', 'Workbench not built', 'Run `npm run build:web` (npm run dev and npm test do it) and restart the API');
    const rel = request.params['*'] ?? '';
    const asset = assets.get(rel);
    if (asset && rel !== 'index.html') return send(request, reply, asset, rel.startsWith('assets/'));
    if (rel.startsWith('api/') || rel.startsWith('assets/') || path.extname(rel) !== '') throw notFound(`No file /app/${rel}`);
    return send(request, reply, assets.get('index.html')!, false);
  };
  const pageSchema = { hide: true } as const;
  app.get('/app', { schema: pageSchema }, (request, reply) => reply.redirect('/app/', 301));
  app.get('/app/*', { schema: pageSchema }, page);
};
