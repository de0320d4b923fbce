import { sql } from 'drizzle-orm';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteDeps } from '../app.js';

const Check = Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]), detail: Type.Optional(Type.String()) });
const Readiness = Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]), checks: Type.Object({ temporal: Check, postgres: Check }) });

async function probe(check: () => Promise<unknown>): Promise<{ status: 'ok' | 'unavailable'; detail?: string }> {
  try {
    await check();
    return { status: 'ok' };
  } catch (error) {
    return { status: 'unavailable', detail: error instanceof Error ? error.message : String(error) };
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
    async (_request, reply) => {
      const [temporalCheck, postgresCheck] = await Promise.all([
        probe(() => temporal.client.connection.workflowService.getSystemInfo({})),
        probe(() => database.db.execute(sql`SELECT 1`)),
      ]);
      const ok = temporalCheck.status === 'ok' && postgresCheck.status === 'ok';
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks: { temporal: temporalCheck, postgres: postgresCheck } });
    },
  );
};
