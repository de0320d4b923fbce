import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { bindingProblem, createApiKey, listApiKeys, PRINCIPAL_ROLES, revokeApiKey, type PrincipalRole } from '../../db/api-keys.js';
import { recordAudit } from '../../db/audit.js';
import type { ApiKeyRow } from '../../db/schema.js';
import type { RouteDeps } from '../deps.js';
import { principalOf } from '../auth.js';
import { namesIn, NamesSchema } from '../names.js';
import { HttpProblem, notFound } from '../problem.js';
import { problemResponses } from '../schemas.js';

const security = [{ apiKey: [] }];
const keyId = Type.String({ pattern: '^[a-z0-9]{12}$' });
const ApiKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.String(),
  unitId: Type.Union([Type.String(), Type.Null()]),
  source: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const view = (row: ApiKeyRow) => ({
  id: row.id,
  name: row.name,
  role: row.role,
  unitId: row.unitId,
  source: row.source,
  createdAt: row.createdAt.toISOString(),
  revokedAt: row.revokedAt?.toISOString() ?? null,
});

/**
 * API keys for admins (what `npm run keys` does, over HTTP): list them, create one (its secret is in the answer
 * once and never again; only its hash is stored), revoke one (its browser sessions end too). Audited.
 */
export const apiKeyRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { database, units, categories, keys }) => {
  const { db } = database;
  /** An answer with the names of the units its keys are bound to. */
  const named = <T extends object>(body: T) => ({ ...body, names: namesIn(body, { units, categories }) });

  app.get(
    '/v1/admin/api-keys',
    {
      config: { roles: ['admin'] },
      schema: { tags: ['admin'], summary: 'Every API key, oldest first (never their secrets)', security, response: { 200: Type.Object({ keys: Type.Array(ApiKeySchema), names: NamesSchema }), ...problemResponses(401, 403) } },
    },
    async () => named({ keys: (await listApiKeys(db)).map(view) }),
  );

  app.post(
    '/v1/admin/api-keys',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['admin'],
        summary: 'Create an API key; the answer holds the key, shown this once',
        security,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            role: Type.Enum(PRINCIPAL_ROLES),
            unitId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$' })),
            source: Type.Optional(Type.String({ maxLength: 40 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ key: Type.String({ description: 'The key itself: store it now, it is not shown again' }), apiKey: ApiKeySchema, names: NamesSchema }), ...problemResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const { name, role, unitId, source } = request.body;
      const input = { name, role: role as PrincipalRole, unitId: unitId ?? null, source: source ?? null };
      const problem = bindingProblem(input);
      if (problem) throw new HttpProblem(422, 'invalid-binding', 'Invalid key binding', problem);
      if (unitId !== undefined && !units.get(unitId)) throw new HttpProblem(422, 'unknown-unit', 'Unknown unit', `No active unit "${unitId}"`, { errors: [{ field: 'body/unitId', message: 'is not an active unit' }] });
      const created = await createApiKey(db, input);
      await recordAudit(db, [{ keyId: principalOf(request).keyId, action: 'api-key.create', subject: `api-key:${created.row.id}`, detail: { role, unitId: unitId ?? null, source: source ?? null } }]);
      await keys.refresh();
      return reply.status(201).header('cache-control', 'no-store').send(named({ key: created.key, apiKey: view(created.row) }));
    },
  );

  app.post(
    '/v1/admin/api-keys/:keyId/revoke',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['admin'],
        summary: 'Revoke an API key and end its browser sessions',
        security,
        params: Type.Object({ keyId }),
        response: { 200: Type.Object({ ...ApiKeySchema.properties, names: NamesSchema }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { keyId: id } = request.params;
      if (!(await revokeApiKey(db, id))) throw notFound(`No API key ${id}`);
      await recordAudit(db, [{ keyId: principalOf(request).keyId, action: 'api-key.revoke', subject: `api-key:${id}` }]);
      await keys.refresh();
      const row = (await listApiKeys(db)).find((k) => k.id === id)!;
      return named(view(row));
    },
  );
};
