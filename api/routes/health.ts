import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { FastifyBaseLogger } from 'fastify';
import { calendarSources } from '../../db/calendar-source.js';
import { calendarWarning, missingCalendarYears } from '../../domain/calendar.js';
import type { RouteDeps } from '../deps.js';

const Check = Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]) });
const CalendarCheck = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('warning'), Type.Literal('unavailable')]),
    missingYears: Type.Array(Type.Integer(), { description: 'The current year, or from 1 November the next, when the calendar lacks them' }),
    detail: Type.Optional(Type.String()),
  },
  { description: 'The working-day calendar: a warning (not a failure) while a year deadlines need is missing' },
);
const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Object({ temporal: Check, postgres: Check, calendar: CalendarCheck }),
});

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
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: Temporal and PostgreSQL reachable; details warn of a missing calendar year',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (request, reply) => {
      let years: number[] = [];
      const [temporalCheck, postgresCheck] = await Promise.all([
        probe('temporal', () => temporal.client.connection.workflowService.getSystemInfo({}), request.log),
        probe('postgres', async () => {
          years = [...(await calendarSources(database.db)).keys()];
        }, request.log),
      ]);
      const ok = temporalCheck.status === 'ok' && postgresCheck.status === 'ok';
      const missingYears = postgresCheck.status === 'ok' ? missingCalendarYears(new Date(), years) : [];
      const warning = calendarWarning(missingYears);
      const calendar = postgresCheck.status !== 'ok' ? { status: 'unavailable' as const, missingYears } : warning ? { status: 'warning' as const, missingYears, detail: warning } : { status: 'ok' as const, missingYears };
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks: { temporal: temporalCheck, postgres: postgresCheck, calendar } });
    },
  );
};
