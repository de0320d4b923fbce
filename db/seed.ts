import { loadChineseCalendar } from './calendar-source.js';
import { DEFAULT_RANKING_POLICY } from '../domain/ranking.js';
import { sql } from 'drizzle-orm';
import { SHIPPED_MODELS, shippedProcess, shippedProcessXml } from '../processes/shipped.js';
import type { Db, Tx } from './client.js';
import { calendarYears, processDefinitions, rankingPolicies, responsibilityItems, responsibilityLists, units, type NewUnit } from './schema.js';

/** Id of the district joint-dispatch centre: the root of the unit tree and the dispatcher of last resort. */
export const CENTRE_ID = 'centre';

const departments: Array<[id: string, name: string, nameEn: string]> = [
  ['dept-market', '区市场监督管理局', 'Market Supervision Bureau'],
  ['dept-urban', '区城市管理综合行政执法局', 'Urban Management and Law Enforcement Bureau'],
  ['dept-env', '区生态环境局', 'Ecology and Environment Bureau'],
  ['dept-water', '区水务局', 'Water Affairs Bureau'],
  ['dept-sanitation', '区环境卫生管理局', 'Sanitation Bureau'],
  ['dept-police', '公安分局', 'Public Security Sub-bureau'],
  ['dept-housing', '区住房和城乡建设局', 'Housing and Urban-Rural Development Bureau'],
  ['dept-health', '区卫生健康委员会', 'Health Commission'],
];

/** Radius of a sample community's area: the sample communities' centres lie about 1.2 km apart. */
const COMMUNITY_RADIUS_M = 600;

type Community = [id: string, name: string, nameEn: string, centre: [lat: number, long: number]];
const streets: Array<[id: string, name: string, nameEn: string, communities: Community[]]> = [
  [
    'street-heping',
    '和平街道',
    'Heping Street',
    [
      ['comm-heping-north', '和平北社区', 'Heping North Community', [31.31, 120.59]],
      ['comm-heping-south', '和平南社区', 'Heping South Community', [31.299, 120.59]],
      ['comm-heping-east', '和平东社区', 'Heping East Community', [31.3045, 120.602]],
    ],
  ],
  [
    'street-xinhua',
    '新华街道',
    'Xinhua Street',
    [
      ['comm-xinhua-garden', '新华花园社区', 'Xinhua Garden Community', [31.31, 120.62]],
      ['comm-xinhua-station', '新华车站社区', 'Xinhua Station Community', [31.299, 120.62]],
    ],
  ],
  [
    'street-binhe',
    '滨河街道',
    'Binhe Street',
    [
      ['comm-binhe-riverside', '滨河沿岸社区', 'Binhe Riverside Community', [31.285, 120.59]],
      ['comm-binhe-bridge', '滨河大桥社区', 'Binhe Bridge Community', [31.285, 120.605]],
      ['comm-binhe-park', '滨河公园社区', 'Binhe Park Community', [31.285, 120.62]],
    ],
  ],
];

/**
 * The sample district: a centre with eight departments, three streets, two or three communities each (with
 * made-up areas). Names are Chinese, as people read them; `nameEn` keeps the English.
 */
export const sampleUnits: Array<NewUnit & { nameEn: string }> = [
  { id: CENTRE_ID, name: '示范区联合调度中心', nameEn: 'Sample District Joint-Dispatch Centre', level: 'district', kind: 'centre', parentId: null },
  ...departments.map(([id, name, nameEn]) => ({ id, name, nameEn, level: 'district', kind: 'department', parentId: CENTRE_ID })),
  ...streets.flatMap(([id, name, nameEn, communities]) => [
    { id, name, nameEn, level: 'street', kind: 'street', parentId: CENTRE_ID },
    ...communities.map(([cid, cname, cnameEn, [lat, long]]) => ({
      id: cid,
      name: cname,
      nameEn: cnameEn,
      level: 'community',
      kind: 'community',
      parentId: id,
      area: { lat, long, radiusM: COMMUNITY_RADIUS_M },
    })),
  ]),
];

/**
 * Version 1 of the responsibility list, from the reform the design describes: communities keep only
 * neighbour disputes, convenience consultation and help for vulnerable groups; the street owns the
 * property, construction and estate matters; functional departments own their specialist matters.
 */
export const sampleResponsibilityList: Array<{ category: string; name: string; nameEn: string; level: string; departmentId?: string }> = [
  { category: 'neighbour-dispute', name: '邻里纠纷', nameEn: 'Neighbour dispute', level: 'community' },
  { category: 'convenience-consultation', name: '便民咨询', nameEn: 'Convenience consultation', level: 'community' },
  { category: 'vulnerable-group-help', name: '困难群体帮扶', nameEn: 'Help for vulnerable groups', level: 'community' },
  { category: 'property-management', name: '物业管理', nameEn: 'Property management', level: 'street' },
  { category: 'urban-construction', name: '城市建设', nameEn: 'Urban construction', level: 'street' },
  { category: 'group-rental', name: '群租房', nameEn: 'Group rentals', level: 'street' },
  { category: 'ev-charging', name: '电动自行车充电', nameEn: 'Electric bike charging', level: 'street' },
  { category: 'old-estate-parking', name: '老旧小区停车', nameEn: 'Parking in old estates', level: 'street' },
  { category: 'elevator-retrofit', name: '老旧楼房加装电梯', nameEn: 'Elevator retrofit in old buildings', level: 'street' },
  { category: 'garbage-sorting', name: '垃圾分类', nameEn: 'Garbage sorting', level: 'street' },
  { category: 'food-safety', name: '食品安全', nameEn: 'Food safety', level: 'district', departmentId: 'dept-market' },
  { category: 'price-fraud', name: '价格欺诈与消费维权', nameEn: 'Price fraud and consumer rights', level: 'district', departmentId: 'dept-market' },
  { category: 'illegal-construction', name: '违法建设', nameEn: 'Illegal construction', level: 'district', departmentId: 'dept-urban' },
  { category: 'street-vending', name: '无证占道经营', nameEn: 'Unlicensed street vending', level: 'district', departmentId: 'dept-urban' },
  { category: 'noise-pollution', name: '噪声污染', nameEn: 'Noise pollution', level: 'district', departmentId: 'dept-env' },
  { category: 'air-pollution', name: '大气污染', nameEn: 'Air pollution', level: 'district', departmentId: 'dept-env' },
  { category: 'water-supply', name: '供水', nameEn: 'Water supply', level: 'district', departmentId: 'dept-water' },
  { category: 'drainage-flooding', name: '排水与内涝', nameEn: 'Drainage and flooding', level: 'district', departmentId: 'dept-water' },
  { category: 'garbage-collection', name: '垃圾收运', nameEn: 'Garbage collection and transfer', level: 'district', departmentId: 'dept-sanitation' },
  { category: 'public-toilets', name: '公共厕所', nameEn: 'Public toilets', level: 'district', departmentId: 'dept-sanitation' },
  { category: 'public-order', name: '治安秩序', nameEn: 'Public order', level: 'district', departmentId: 'dept-police' },
  { category: 'housing-security', name: '保障性住房', nameEn: 'Affordable housing', level: 'district', departmentId: 'dept-housing' },
  { category: 'medical-service', name: '医疗服务', nameEn: 'Medical services', level: 'district', departmentId: 'dept-health' },
];

/**
 * Gives sample rows seeded before the sample district had Chinese names their Chinese name, keeping the
 * English in `name_en` — only rows that still carry the old English name, so a name an admin chose stays.
 * A no-op where the sample district was never loaded (or was renamed).
 */
async function renameSampleDistrict(tx: Tx): Promise<void> {
  const values = (rows: Array<[key: string, name: string, nameEn: string]>) => sql.join(rows.map(([key, name, nameEn]) => sql`(${key}, ${name}, ${nameEn})`), sql`, `);
  await tx.execute(sql`
    update ${units} set name = v.name, name_en = v.name_en
    from (values ${values(sampleUnits.map((u) => [u.id, u.name, u.nameEn]))}) as v(id, name, name_en)
    where ${units.id} = v.id and ${units.name} = v.name_en`);
  await tx.execute(sql`
    update ${responsibilityItems} set name = v.name, name_en = v.name_en
    from (values ${values(sampleResponsibilityList.map((i) => [i.category, i.name, i.nameEn]))}) as v(category, name, name_en)
    where ${responsibilityItems.category} = v.category and ${responsibilityItems.name} = v.name_en`);
}

/**
 * Reference data every installation needs: the working-day calendar from the maintained
 * `chinese-days` package, the shipped process models (`processes/`) and version 1 of the ranking policy;
 * and the Chinese names of a sample district loaded before it had them. Idempotent: existing rows (an
 * admin's calendar edits, later process versions, names an admin chose) are kept.
 */
export async function seedReferenceData(db: Db): Promise<void> {
  const calendar = loadChineseCalendar();
  const models = await Promise.all(SHIPPED_MODELS.map(async (model) => ({ definition: await shippedProcess(model), source: await shippedProcessXml(model) })));
  await db.transaction(async (tx) => {
    await tx
      .insert(calendarYears)
      .values(Object.entries(calendar.years).map(([year, days]) => ({ year: Number(year), holidays: days.holidays, workdays: days.workdays, source: 'chinese-days' })))
      .onConflictDoNothing();
    await tx.insert(rankingPolicies).values({ ...DEFAULT_RANKING_POLICY }).onConflictDoNothing();
    // A version already taken (an admin's own deployment) is kept: the shipped model then waits for its next version.
    await tx
      .insert(processDefinitions)
      .values(models.map(({ definition, source }) => ({ key: definition.key, version: definition.version, name: definition.name, format: 'bpmn', source, definition })))
      .onConflictDoNothing();
    await renameSampleDistrict(tx);
  });
}

/**
 * Seeds the sample district's units and the first responsibility list. Idempotent: existing rows are
 * kept as they are, so edits made through the API survive a restart.
 */
export async function seedSampleDistrict(db: Db): Promise<void> {
  await seedReferenceData(db);
  await db.transaction(async (tx) => {
    await tx.insert(units).values(sampleUnits).onConflictDoNothing();
    const created = await tx
      .insert(responsibilityLists)
      .values({ version: 1, note: 'Sample district responsibility list' })
      .onConflictDoNothing()
      .returning();
    if (created.length === 0) return;
    await tx.insert(responsibilityItems).values(
      sampleResponsibilityList.map((item) => ({ listVersion: 1, ...item, departmentId: item.departmentId ?? null })),
    );
  });
}
