import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { projectRoot } from '../../infra/config.js';
import type { RouteDeps } from '../deps.js';
import { escapeHtml } from '../html.js';
import { notFound } from '../problem.js';

const require = createRequire(import.meta.url);
const bpmnDist = path.join(path.dirname(require.resolve('bpmn-js/package.json')), 'dist');

/** The files the process map loads, all from this server (the CSP allows no other origin). */
const ASSETS: Record<string, { file: string; type: string }> = {
  'bpmn-viewer.js': { file: path.join(bpmnDist, 'bpmn-viewer.production.min.js'), type: 'text/javascript; charset=utf-8' },
  'diagram-js.css': { file: path.join(bpmnDist, 'assets', 'diagram-js.css'), type: 'text/css; charset=utf-8' },
  'bpmn-js.css': { file: path.join(bpmnDist, 'assets', 'bpmn-js.css'), type: 'text/css; charset=utf-8' },
  'process-map.js': { file: path.join(projectRoot, 'api', 'ops', 'process-map.js'), type: 'text/javascript; charset=utf-8' },
  'process-map.css': { file: path.join(projectRoot, 'api', 'ops', 'process-map.css'), type: 'text/css; charset=utf-8' },
};

/** Operators' pages: the live process map. The page is public; the data behind it needs an API key. */
export const opsRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { config }) => {
  app.get(
    '/ops/processes/:key',
    {
      schema: {
        tags: ['operations'],
        summary: 'The live process map: the BPMN model with open, warning and overdue cases on every step',
        params: Type.Object({ key: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }) }),
        produces: ['text/html'],
      },
    },
    async (request, reply) => {
      const key = escapeHtml(request.params.key);
      const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Jiesu · ${key}</title>
<link rel="stylesheet" href="/ops/assets/diagram-js.css">
<link rel="stylesheet" href="/ops/assets/bpmn-js.css">
<link rel="stylesheet" href="/ops/assets/process-map.css">
</head>
<body>
<header>
  <h1>Process map · ${key}</h1>
  <label>API key <input id="api-key" type="password" autocomplete="off" size="40"></label>
  <button id="connect" type="button">Show</button>
  <span id="status">Enter a dispatcher, supervisor or admin key.</span>
</header>
<div id="canvas"></div>
<section id="cases" hidden>
  <h2 id="cases-title"></h2>
  <table><thead><tr><th>case</th><th>status</th><th>unit</th><th>deadline</th><th></th><th></th></tr></thead><tbody id="case-rows"></tbody></table>
</section>
<script src="/ops/assets/bpmn-viewer.js"></script>
<script src="/ops/assets/process-map.js" data-process="${key}" data-temporal-ui="${escapeHtml(config.temporal.uiUrl)}" data-namespace="${escapeHtml(config.temporal.namespace)}"></script>
</body>
</html>
`;
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );

  app.get('/ops/assets/:name', { schema: { hide: true, params: Type.Object({ name: Type.String({ maxLength: 40 }) }) } }, async (request, reply) => {
    const asset = Object.hasOwn(ASSETS, request.params.name) ? ASSETS[request.params.name] : undefined;
    if (!asset) throw notFound(`No asset ${request.params.name}`);
    return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(createReadStream(asset.file));
  });
};
