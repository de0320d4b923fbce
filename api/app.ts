import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/client.js';
import type { Config } from '../infra/config.js';
import type { Logger } from '../infra/logger.js';
import { HttpProblem, problemErrorHandler } from './problem.js';
import { complaintRoutes } from './routes/complaints.js';
import { healthRoutes } from './routes/health.js';
import { ProblemSchema } from './schemas.js';

/** What the API needs from the outside world; tests build it against the real servers. */
export interface ApiDeps {
  config: Config;
  logger: Logger;
  temporal: { client: Client; taskQueue: string };
  database: Database;
}

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
    genReqId: () => crypto.randomUUID(),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const ajv = validators();
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? ajv.strict : ajv.coercing).compile(schema));
  app.setErrorHandler(problemErrorHandler);
  app.setNotFoundHandler((request, reply) =>
    problemErrorHandler(new HttpProblem(404, 'not-found', 'Not found', `No route ${request.method} ${request.url}`), request, reply),
  );
  app.addSchema(ProblemSchema);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Jiesu API', version: '0.1.0', description: 'Durable case engine for citizen complaints (12345 hotline work orders)' },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(healthRoutes, deps);
  await app.register(complaintRoutes, deps);
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
