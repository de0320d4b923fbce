import { eq } from 'drizzle-orm';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { PRINCIPAL_ROLES } from '../../db/api-keys.js';
import { responsibilityList } from '../../db/reference-queries.js';
import { publishResponsibilityList } from '../../db/responsibility-list.js';
import { calendarYears, units } from '../../db/schema.js';
import type { RouteDeps } from '../deps.js';
import { namesIn, NamesSchema } from '../names.js';
import { ownerProblems } from '../units.js';
import { HttpProblem, notFound } from '../problem.js';
import { problemResponses } from '../schemas.js';

const id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$' });
const slug = Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' });
const Area = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    long: Type.Number({ minimum: -180, maximum: 180 }),
    radiusM: Type.Integer({ minimum: 1, maximum: 100_000, description: 'Metres around the point' }),
  },
  { additionalProperties: false, description: 'The area the unit covers (WGS 84): Open311 places a reported lat/long in the smallest community or grid area containing it' },
);
const NullableArea = Type.Union([Area, Type.Null()]);
const nullableText = Type.Union([Type.String(), Type.Null()]);
const UnitSchema = Type.Object({
  id: Type.String(),
  name: Type.String({ description: 'The display name people read' }),
  nameEn: Type.Union([Type.String(), Type.Null()], { description: 'The name in English' }),
  level: Type.String(),
  kind: Type.String(),
  parentId: nullableText,
  active: Type.Boolean(),
  area: NullableArea,
});
const unitColumns = { id: units.id, name: units.name, nameEn: units.nameEn, level: units.level, kind: units.kind, parentId: units.parentId, active: units.active, area: units.area };
const ItemSchema = Type.Object({
  category: Type.String(),
  name: Type.String({ description: 'The display name people read' }),
  nameEn: Type.Union([Type.String(), Type.Null()], { description: 'The name in English' }),
  level: Type.String(),
  departmentId: Type.Union([Type.String(), Type.Null()], { description: 'The lead department of a district matter' }),
  coDepartmentIds: Type.Array(Type.String(), { description: 'Departments that join the lead on every case of this matter' }),
});
const ListSchema = Type.Object({ version: Type.Integer(), note: Type.String(), publishedAt: Type.String(), items: Type.Array(ItemSchema), names: NamesSchema });
const unitName = Type.String({ minLength: 1, maxLength: 200 });
const date = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const CalendarYearSchema = Type.Object({ year: Type.Integer(), holidays: Type.Array(date), workdays: Type.Array(date), source: Type.String() });
const everyone = PRINCIPAL_ROLES;
const security = [{ apiKey: [] }];

/** Reference data: units, the responsibility list and the working-day calendar. Admins edit; every key reads. */
export const referenceRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { database, units: directory, categories }) => {
  const { db } = database;

  app.get(
    '/v1/units',
    { config: { roles: everyone }, schema: { tags: ['reference data'], summary: 'The unit tree', security, response: { 200: Type.Array(UnitSchema), ...problemResponses(401) } } },
    async () => db.select(unitColumns).from(units).orderBy(units.id),
  );

  app.post(
    '/v1/units',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['reference data'],
        summary: 'Add a unit under a parent, or a new district centre (no parent)',
        security,
        body: Type.Object({ id, name: unitName, nameEn: Type.Optional(unitName), level: slug, kind: slug, parentId: Type.Optional(id), area: Type.Optional(Area) }, { additionalProperties: false }),
        response: { 201: UnitSchema, ...problemResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.parentId === undefined && body.kind !== 'centre') throw new HttpProblem(422, 'parent-required', 'Parent required', 'Only a district centre has no parent');
      if (body.parentId !== undefined && !directory.get(body.parentId)) throw new HttpProblem(422, 'unknown-unit', 'Unknown unit', `No active parent unit "${body.parentId}"`);
      const [row] = await db.insert(units).values({ ...body, parentId: body.parentId ?? null }).onConflictDoNothing().returning(unitColumns);
      if (!row) throw new HttpProblem(409, 'conflict', 'Unit exists', `A unit "${body.id}" already exists`);
      await directory.refresh();
      return reply.status(201).send(row);
    },
  );

  app.patch(
    '/v1/units/:unitId',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['reference data'],
        summary: 'Rename, move, (de)activate a unit, or set its area (null clears it)',
        security,
        params: Type.Object({ unitId: id }),
        body: Type.Object(
          { name: Type.Optional(unitName), nameEn: Type.Optional(Type.Union([unitName, Type.Null()])), parentId: Type.Optional(id), active: Type.Optional(Type.Boolean()), area: Type.Optional(NullableArea) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: UnitSchema, ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const { unitId } = request.params;
      const { parentId } = request.body;
      if (parentId !== undefined && (!directory.get(parentId) || directory.within(parentId, unitId))) {
        throw new HttpProblem(422, 'invalid-parent', 'Invalid parent', `"${parentId}" is unknown, or below "${unitId}"`);
      }
      const [row] = await db.update(units).set(request.body).where(eq(units.id, unitId)).returning(unitColumns);
      if (!row) throw notFound(`No unit ${unitId}`);
      await directory.refresh();
      return row;
    },
  );

  const listVersion = async (version: number | undefined) => {
    const list = await responsibilityList(db, { version });
    return list && { ...list, publishedAt: list.publishedAt.toISOString(), names: namesIn(list.items, { units: directory, categories }) };
  };

  app.get(
    '/v1/responsibility-list',
    {
      config: { roles: everyone },
      schema: {
        tags: ['reference data'],
        summary: 'The responsibility list in force (or a given version)',
        security,
        querystring: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })) }),
        response: { 200: ListSchema, ...problemResponses(401, 404) },
      },
    },
    async (request) => {
      const list = await listVersion(request.query.version);
      if (!list) throw notFound('No responsibility list has been published');
      return list;
    },
  );

  app.post(
    '/v1/responsibility-list',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['reference data'],
        summary: 'Publish a new version of the responsibility list; new cases route by it',
        security,
        body: Type.Object(
          {
            note: Type.String({ minLength: 1, maxLength: 500 }),
            items: Type.Array(
              Type.Object(
                {
                  category: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }),
                  name: unitName,
                  // null as well as absent, so a list read from GET can be posted back as it is.
                  nameEn: Type.Optional(Type.Union([unitName, Type.Null()])),
                  level: slug,
                  departmentId: Type.Optional(Type.Union([id, Type.Null()])),
                  coDepartmentIds: Type.Optional(Type.Array(id, { maxItems: 20, uniqueItems: true, description: 'Departments that join the lead on every case of this matter' })),
                },
                { additionalProperties: false },
              ),
              { minItems: 1, maxItems: 2000 },
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: ListSchema, ...problemResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const { note, items } = request.body;
      const errors = items.flatMap((item, i) => {
        const twice = items.findIndex((other) => other.category === item.category) !== i ? [{ field: `body/items/${i}/category`, message: 'appears twice' }] : [];
        const owners = { departmentId: item.departmentId ?? null, coDepartmentIds: item.coDepartmentIds ?? [] };
        return [...twice, ...ownerProblems(directory, owners, { lead: `body/items/${i}/departmentId`, co: `body/items/${i}/coDepartmentIds` })];
      });
      if (errors.length > 0) throw new HttpProblem(422, 'invalid-list', 'Invalid responsibility list', errors.map((e) => `${e.field} ${e.message}`).join('; '), { errors });
      const version = await db.transaction((tx) => publishResponsibilityList(tx, { note, items }));
      await categories.refresh();
      return reply.status(201).send((await listVersion(version))!);
    },
  );

  app.get(
    '/v1/calendar/:year',
    {
      config: { roles: everyone },
      schema: {
        tags: ['reference data'],
        summary: "A year's holidays and make-up working days",
        security,
        params: Type.Object({ year: Type.Integer({ minimum: 2000, maximum: 2100 }) }),
        response: { 200: CalendarYearSchema, ...problemResponses(401, 404) },
      },
    },
    async (request) => {
      const [row] = await db.select().from(calendarYears).where(eq(calendarYears.year, request.params.year));
      if (!row) throw notFound(`No calendar for ${request.params.year}: working days count Monday–Friday until one is added`);
      return { year: row.year, holidays: row.holidays, workdays: row.workdays, source: row.source };
    },
  );

  app.put(
    '/v1/calendar/:year',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['reference data'],
        summary: "Set a year's holidays and make-up working days (when its official notice is published)",
        security,
        params: Type.Object({ year: Type.Integer({ minimum: 2000, maximum: 2100 }) }),
        body: Type.Object({ holidays: Type.Array(date, { maxItems: 366, uniqueItems: true }), workdays: Type.Array(date, { maxItems: 366, uniqueItems: true }) }, { additionalProperties: false }),
        response: { 200: CalendarYearSchema, ...problemResponses(400, 401, 403, 422) },
      },
    },
    async (request) => {
      const { year } = request.params;
      const { holidays, workdays } = request.body;
      const errors = [...holidays.map((d, i) => ({ d, field: `body/holidays/${i}` })), ...workdays.map((d, i) => ({ d, field: `body/workdays/${i}` }))]
        .filter(({ d }) => !d.startsWith(`${year}-`) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)) || new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d)
        .map(({ field }) => ({ field, message: `is not a date in ${year}` }));
      const both = holidays.filter((d) => workdays.includes(d));
      if (both.length > 0) errors.push({ field: 'body', message: `${both.join(', ')} cannot be both a holiday and a working day` });
      if (errors.length > 0) throw new HttpProblem(422, 'invalid-calendar', 'Invalid calendar', errors.map((e) => `${e.field} ${e.message}`).join('; '), { errors });
      const values = { year, holidays: [...holidays].sort(), workdays: [...workdays].sort(), source: 'admin' };
      await db.insert(calendarYears).values(values).onConflictDoUpdate({ target: calendarYears.year, set: { ...values, updatedAt: new Date() } });
      return values;
    },
  );

};
