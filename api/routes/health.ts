import { sql } from 'drizzle-orm';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { FastifyBaseLogger } from 'fastify';
import type { RouteDeps } from '../deps.js';

const Check = Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]) });
const Readiness = Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]), checks: Type.Object({ temporal: Check, postgres: Check }) });

/** Whether a backend answers. Why it does not goes to the log only: the endpoint is public, backend errors are not. */
async function probe(name: string, check: () => Promise<unknown>, log: FastifyBaseLogger): Promise<{ status: 'ok' | 'unavailable' }> {
  try {
    await check();
    return { status: 'ok' };
  } catch (error) {
    log.warn({ err: error, backend: name }, 'Readiness check failed');
    return { status: 'unavailable' };
  }
}

/** Liveness (the process answers) and readiness (Temporal and PostgreSQL answer). */
export const healthRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { temporal, database }) => {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));
  app.get(
    '/readyz',
    { schema: { tags: ['operations'], summary: 'Readiness: Temporal and PostgreSQL reachable', response: { 200: Readiness, 503: Readiness } } },
    async (request, reply) => {
      const [temporalCheck, postgresCheck] = await Promise.all([
        probe('temporal', () => temporal.client.connection.workflowService.getSystemInfo({}), request.log),
        probe('postgres', () => database.db.execute(sql`SELECT 1`), request.log),
      ]);
      const ok = temporalCheck.status === 'ok' && postgresCheck.status === 'ok';
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks: { temporal: temporalCheck, postgres: postgresCheck } });
    },
  );
};
