import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { computeFigures, FIGURE_DIMENSIONS, type FigureDimension, type Figures } from '../../db/figures.js';
import type { RouteDeps } from '../deps.js';
import { PeriodQuery, periodRange, resolveArea } from '../area.js';
import { principalOf } from '../auth.js';
import { toCsv, wantsCsv } from '../csv.js';
import { NameBook, NamesSchema } from '../names.js';
import { jsonOrCsv, problemResponses } from '../schemas.js';

const unitId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$' });
const count = Type.Integer({ minimum: 0 });
const FigureSchema = Type.Object({ numerator: count, denominator: count, rate: Type.Union([Type.Number(), Type.Null()], { description: 'numerator ÷ denominator to four places; null when the denominator is 0' }) });

/** Every figure of a group of cases (definitions: docs/figures.md, computed by db/figures.ts). */
export const FiguresSchema = Type.Object({
  received: Type.Integer({ description: 'Cases received in the period, cancelled duplicates left out' }),
  communityShare: Type.Object(FigureSchema.properties, { description: 'Cases passed to a community ÷ cases the streets handled (received in the period)' }),
  sameDayResolution: Type.Object(FigureSchema.properties, { description: 'Cases resolved on the calendar day (China Standard Time) they were received ÷ cases received' }),
  resolutionRate: Type.Object(FigureSchema.properties, { description: 'Cases resolved before the period ended ÷ cases received in it' }),
  reachedTop: Type.Object(FigureSchema.properties, { description: 'Cases that ended at the top level after starting below it ÷ cases received' }),
  response: Type.Object(FigureSchema.properties, { description: 'Signed for (or reported in) on time ÷ assigned, over the outcome ledger of the cases closed in the period' }),
  onTime: Type.Object(FigureSchema.properties, { description: 'Resolved on time ÷ resolved (holders), over the cases closed in the period' }),
  satisfaction: Type.Object(FigureSchema.properties, { description: '(Satisfied + basically satisfied) ÷ evaluated, over the cases closed in the period' }),
});

const FigureReportSchema = Type.Object({
  scope: Type.Union([Type.String(), Type.Null()], { description: 'The unit whose area the figures cover (null: every district)' }),
  districtId: Type.Union([Type.String(), Type.Null()]),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  by: Type.Union([Type.Enum(FIGURE_DIMENSIONS), Type.Null()]),
  total: FiguresSchema,
  groups: Type.Array(
    Type.Object({
      key: Type.Union([Type.String(), Type.Null()], { description: 'The group: a district, street or unit id, a category, a month (YYYY-MM) or a whistle tier; null for cases without one (e.g. no street handled them)' }),
      figures: FiguresSchema,
    }),
  ),
  names: NamesSchema,
});
type FigureReportBody = Static<typeof FigureReportSchema>;

const FIGURE_COLUMNS: Array<[string, keyof Omit<Figures, 'received'>]> = [
  ['community_share', 'communityShare'],
  ['same_day_resolution', 'sameDayResolution'],
  ['resolution_rate', 'resolutionRate'],
  ['reached_top', 'reachedTop'],
  ['response', 'response'],
  ['on_time', 'onTime'],
  ['satisfaction', 'satisfaction'],
];

type CsvRow = { group: string; key: string | null; name: string | null; figures: Figures };
const CSV_COLUMNS: Array<[string, (r: CsvRow) => unknown]> = [
  ['group', (r) => r.group],
  ['key', (r) => r.key],
  ['name', (r) => r.name],
  ['received', (r) => r.figures.received],
  ...FIGURE_COLUMNS.flatMap(([column, field]): Array<[string, (r: CsvRow) => unknown]> => [
    [`${column}_numerator`, (r) => r.figures[field].numerator],
    [`${column}_denominator`, (r) => r.figures[field].denominator],
    [column, (r) => r.figures[field].rate],
  ]),
];

/** Which names a group key has: units for the unit dimensions, categories for the category. */
const keyNamer = (book: NameBook, by: FigureDimension | null) => (key: string | null) =>
  by === 'district' || by === 'street' || by === 'unit' ? book.unit(key) : by === 'category' ? book.category(key) : undefined;

/** The reform's figures (DESIGN.md), per area and period, grouped by a dimension; also as CSV. */
export const figureRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { database, units, categories }) => {
  app.get(
    '/v1/figures',
    {
      config: { roles: ['dispatcher', 'supervisor', 'admin'] },
      schema: {
        tags: ['search'],
        summary: "The figures the reform is judged by, each as numerator and denominator, for an area and period, in total and per group (docs/figures.md)",
        description:
          'The area is `scope` (a district centre: its district; a street: the cases it handled; another unit: the cases it or a unit below it held), by default the caller\'s own unit (admins: every district); `district` narrows to one district. Dispatchers and supervisors see their own area only.',
        security: [{ apiKey: [] }],
        querystring: Type.Object(
          {
            ...PeriodQuery,
            scope: Type.Optional(unitId),
            district: Type.Optional(unitId),
            by: Type.Optional(Type.Enum(FIGURE_DIMENSIONS, { description: 'Group by the district, the street that handled the case, each unit that held it, category, month (cases: received; outcomes: closed) or whistle tier' })),
            format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'csv for a CSV export (or send Accept: text/csv)' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: jsonOrCsv(FigureReportSchema), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { query } = request;
      const area = resolveArea(principalOf(request), units, query);
      const { from, to } = periodRange(query);
      const report = await computeFigures(database.db, { from, to, scope: area.scope, ...(area.districtId ? { districtId: area.districtId } : {}), ...(query.by ? { by: query.by } : {}) });
      const book = new NameBook({ units, categories });
      const nameOf = keyNamer(book, report.by);
      const body: FigureReportBody = { scope: area.scopeId, districtId: area.districtId, ...report, names: book.get() };
      for (const group of report.groups) nameOf(group.key);
      book.unit(area.scopeId);
      book.unit(area.districtId);
      if (wantsCsv(query.format, request.headers.accept)) {
        const rows: CsvRow[] = [
          { group: 'total', key: area.scopeId, name: area.scopeId ? (units.name(area.scopeId) ?? null) : null, figures: report.total },
          ...report.groups.map((g) => ({ group: report.by!, key: g.key, name: nameOf(g.key) ?? null, figures: g.figures })),
        ];
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="figures-${area.scopeId ?? 'all'}${report.by ? `-by-${report.by}` : ''}.csv"`)
          .send(toCsv(CSV_COLUMNS, rows));
      }
      return reply.send(body);
    },
  );
};
