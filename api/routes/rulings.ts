import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { dismissRuling, getRuling, listRulings, publishRuling, RULING_STATUSES, type Decision, type RulingStatus, type RulingWithCase } from '../../db/rulings.js';
import type { RouteDeps } from '../deps.js';
import { principalOf } from '../auth.js';
import { caseLinks } from '../cases.js';
import { namesIn, NamesSchema } from '../names.js';
import { HttpProblem, notFound } from '../problem.js';
import { CaseLinks, problemResponses } from '../schemas.js';
import { ownerProblems } from '../units.js';
import { scopeOf } from './search.js';

const security = [{ apiKey: [] }];
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const RulingId = Type.Object({ id: Type.String({ pattern: '^complaint-[A-Za-z0-9][A-Za-z0-9._-]{0,96}:\\d{1,10}$', maxLength: 120, description: "The ruling's timeline entry: <workflow id>:<seq>" }) });

const RulingSchema = Type.Object({
  id: Type.String(),
  caseNo: Type.String(),
  category: Type.String({ description: 'The disputed matter' }),
  level: Type.String({ description: 'The level the ruling gives the matter (a department matter: the top level)' }),
  leadUnitId: Type.String({ description: 'The lead: a department, or a unit whose level owns the matter' }),
  coUnitIds: Type.Array(Type.String(), { description: 'Departments that join the lead' }),
  ruling: Type.String(),
  ruledBy: Type.String({ description: 'The key that ruled' }),
  ruledAt: Type.String({ format: 'date-time' }),
  status: Type.Enum(RULING_STATUSES),
  listVersion: nullable(Type.Integer({ description: 'The responsibility list version that published it' })),
  decidedBy: nullable(Type.String()),
  decidedAt: nullable(Type.String({ format: 'date-time' })),
  case: nullable(
    Type.Object({
      caseNo: Type.String(),
      title: Type.String(),
      category: Type.String(),
      status: Type.String(),
      unitId: nullable(Type.String()),
      receivedAt: Type.String({ format: 'date-time' }),
      closedAt: nullable(Type.String({ format: 'date-time' })),
      links: CaseLinks,
    }),
  ),
});
const RulingAnswer = Type.Object({ ...RulingSchema.properties, names: NamesSchema });

/** Arbitration rulings: proposed changes to the responsibility list, reviewed and published (or dismissed) by an admin. */
export const rulingRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { database, units, categories, config }) => {
  const { db } = database;
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  const view = (r: RulingWithCase) => ({
    ...r,
    status: r.status as RulingStatus,
    ruledAt: r.ruledAt.toISOString(),
    decidedAt: iso(r.decidedAt),
    case: r.case && { ...r.case, receivedAt: r.case.receivedAt.toISOString(), closedAt: iso(r.case.closedAt), links: caseLinks(config, r.case.caseNo) },
  });
  const answer = (r: RulingWithCase) => {
    const body = view(r);
    return { ...body, names: namesIn(body, { units, categories }) };
  };
  const existing = async (id: string): Promise<RulingWithCase> => {
    const ruling = await getRuling(db, id);
    if (!ruling) throw notFound(`No ruling ${id}`);
    return ruling;
  };
  const decided = async (id: string, decision: Decision) => {
    if (decision.kind === 'decided-before') throw new HttpProblem(409, 'ruling-decided', 'Ruling already decided', `Ruling ${id} was ${decision.status} before`);
    return answer(await existing(id));
  };

  app.get(
    '/v1/rulings',
    {
      config: { roles: ['dispatcher', 'supervisor', 'admin'] },
      schema: {
        tags: ['reference data'],
        summary: 'Arbitration rulings with their cases, newest first: proposed changes to the responsibility list and what became of them',
        description: 'Dispatchers and supervisors see the rulings on cases of their area; admins all.',
        security,
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Enum(RULING_STATUSES)),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
            cursor: Type.Optional(Type.String({ maxLength: 300 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(RulingSchema), nextCursor: nullable(Type.String()), names: NamesSchema }), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { status, limit = 50, cursor } = request.query;
      let page;
      try {
        page = await listRulings(db, { scope: scopeOf(principalOf(request), units), limit, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
      } catch (error) {
        if (error instanceof RangeError) throw new HttpProblem(400, 'validation', 'Invalid request', 'The cursor is not one this API issued', { errors: [{ field: 'querystring/cursor', message: 'is invalid' }] });
        throw error;
      }
      const items = page.rows.map(view);
      return { items, nextCursor: page.nextCursor, names: namesIn(items, { units, categories }) };
    },
  );

  app.post(
    '/v1/rulings/:id/publish',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['reference data'],
        summary: "Publish a ruling's proposal as the next responsibility list version: the list in force, with the ruled matter owned by the ruling's lead (and co-departments)",
        description: 'New cases of the matter route by it at once. `name` names a matter the list does not have yet (default: the category). 409 when the ruling was decided before; 422 when its units are no longer active departments.',
        security,
        params: RulingId,
        body: Type.Object(
          { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), nameEn: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) },
          { additionalProperties: false, description: 'Optional: a request without a body publishes the proposal as it is' },
        ),
        response: { 200: RulingAnswer, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
      // No body is the same as an empty one.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => {
      const { id } = request.params;
      const ruling = await existing(id);
      const lead = units.get(ruling.leadUnitId);
      const leadIsDepartment = lead?.kind === 'department';
      const errors = [
        ...(lead ? [] : [{ field: 'leadUnitId', message: 'is not an active unit' }]),
        ...ownerProblems(units, { departmentId: leadIsDepartment ? ruling.leadUnitId : null, coDepartmentIds: ruling.coUnitIds }, { lead: 'leadUnitId', co: 'coUnitIds' }),
      ];
      if (errors.length > 0) throw new HttpProblem(422, 'invalid-ruling', 'Ruling cannot be published', errors.map((e) => `${e.field} ${e.message}`).join('; '), { errors });
      const decision = await publishRuling(db, { id, decidedBy: principalOf(request).keyId, leadIsDepartment, ...request.body });
      await categories.refresh();
      return decided(id, decision);
    },
  );

  app.post(
    '/v1/rulings/:id/dismiss',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['reference data'],
        summary: "Dismiss a ruling's proposal: the responsibility list stays as it is",
        security,
        params: RulingId,
        response: { 200: RulingAnswer, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { id } = request.params;
      await existing(id);
      return decided(id, await dismissRuling(db, { id, decidedBy: principalOf(request).keyId }));
    },
  );
};
