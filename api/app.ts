import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { authPlugin, KeyStore } from './auth.js';
import type { ApiDeps, RouteDeps } from './deps.js';
import { CategoryDirectory } from './names.js';
import { HttpProblem, problemErrorHandler } from './problem.js';
import { accountabilityRoutes } from './routes/accountability.js';
import { caseActionRoutes } from './routes/case-actions.js';
import { complaintRoutes } from './routes/complaints.js';
import { figureRoutes } from './routes/figures.js';
import { simulationRoutes } from './routes/simulations.js';
import { open311Routes } from './routes/open311.js';
import { codecRoutes } from './routes/codec.js';
import { opsRoutes } from './routes/ops.js';
import { processRoutes } from './routes/processes.js';
import { referenceRoutes } from './routes/reference.js';
import { rulingRoutes } from './routes/rulings.js';
import { searchRoutes } from './routes/search.js';
import { healthRoutes } from './routes/health.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { workbenchRoutes } from './routes/workbench.js';
import { ProblemSchema } from './schemas.js';
import { sessionPrincipal, SessionStore } from './sessions.js';
import { UnitDirectory } from './units.js';


/** One validator per request part: bodies are strict (no type coercion), query strings and params coerce. */
function validators() {
  const make = (coerceTypes: boolean | 'array') =>
    addFormats.default(new Ajv.default({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: true, strict: false }));
  return { strict: make(false), coercing: make('array') };
}

/** The whole HTTP API as one Fastify instance, not yet listening. */
export async function buildApp(deps: ApiDeps) {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    requestIdHeader: 'x-request-id',
    // Bad URLs and over-long path parameters get the same problem+json as every other client error.
    frameworkErrors: (error, request, reply) => problemErrorHandler(error, request, reply),
    genReqId: () => crypto.randomUUID(),
    // One access line per request (below) instead of Fastify's two: intake bursts log half as much.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, route: request.routeOptions.url ?? request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime), keyId: request.principal?.keyId },
      'Request served',
    );
  });

  // JSON only (Open311 adds form bodies in its own scope): anything else is 415, not a confusing 400.
  app.removeContentTypeParser('text/plain');
  const ajv = validators();
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? ajv.strict : ajv.coercing).compile(schema));
  app.setErrorHandler(problemErrorHandler);
  app.setNotFoundHandler((request, reply) =>
    problemErrorHandler(new HttpProblem(404, 'not-found', 'Not found', `No route ${request.method} ${request.url}`), request, reply),
  );
  app.addSchema(ProblemSchema);

  const keys = new KeyStore(deps.database.db, deps.logger);
  const units = new UnitDirectory(deps.database.db, deps.logger);
  const categories = new CategoryDirectory(deps.database.db, deps.logger);
  const caches = [keys, units, categories];
  await Promise.all(caches.map((cache) => cache.refresh()));
  caches.forEach((cache) => cache.start());
  app.addHook('onClose', async () => caches.forEach((cache) => cache.stop()));
  const sessions = new SessionStore(deps.database.db, { secure: deps.config.mode !== 'development' });
  const routeDeps: RouteDeps = { ...deps, keys, units, categories, sessions };

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Jiesu API', version: '0.1.0', description: 'Durable case engine for citizen complaints (12345 hotline work orders)' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer jsk_…' } } },
    },
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(authPlugin, { keys, session: (request) => sessionPrincipal(sessions, request, 'workbench') });
  // Per-key limits on intake routes (they opt in with `config.rateLimit`); runs after authentication.
  await app.register(rateLimit, { global: false, hook: 'preHandler', keyGenerator: (request) => request.principal?.keyId ?? request.ip });
  await app.register(healthRoutes, routeDeps);
  await app.register(searchRoutes, routeDeps);
  await app.register(figureRoutes, routeDeps);
  await app.register(simulationRoutes, routeDeps);
  await app.register(complaintRoutes, routeDeps);
  await app.register(caseActionRoutes, routeDeps);
  await app.register(referenceRoutes, routeDeps);
  await app.register(rulingRoutes, routeDeps);
  await app.register(accountabilityRoutes, routeDeps);
  await app.register(open311Routes, routeDeps);
  await app.register(processRoutes, routeDeps);
  await app.register(opsRoutes, routeDeps);
  await app.register(codecRoutes, routeDeps);
  await app.register(apiKeyRoutes, routeDeps);
  await app.register(workbenchRoutes, routeDeps);
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
