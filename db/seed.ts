import { loadChineseCalendar } from './calendar-source.js';
import { DEFAULT_RANKING_POLICY } from '../domain/accountability.js';
import { SHIPPED_MODELS, shippedProcess, shippedProcessXml } from '../processes/shipped.js';
import type { Db } from './client.js';
import { calendarYears, processDefinitions, rankingPolicies, responsibilityItems, responsibilityLists, units, type NewUnit } from './schema.js';

/** Id of the district joint-dispatch centre: the root of the unit tree and the dispatcher of last resort. */
export const CENTRE_ID = 'centre';

const departments: Array<[id: string, name: string]> = [
  ['dept-market', 'Market Supervision Bureau'],
  ['dept-urban', 'Urban Management and Law Enforcement Bureau'],
  ['dept-env', 'Ecology and Environment Bureau'],
  ['dept-water', 'Water Affairs Bureau'],
  ['dept-sanitation', 'Sanitation Bureau'],
  ['dept-police', 'Public Security Sub-bureau'],
  ['dept-housing', 'Housing and Urban-Rural Development Bureau'],
  ['dept-health', 'Health Commission'],
];

/** Radius of a sample community's area: the sample communities' centres lie about 1.2 km apart. */
const COMMUNITY_RADIUS_M = 600;

const streets: Array<[id: string, name: string, communities: Array<[id: string, name: string, centre: [lat: number, long: number]]>]> = [
  [
    'street-heping',
    'Heping Street',
    [
      ['comm-heping-north', 'Heping North Community', [31.31, 120.59]],
      ['comm-heping-south', 'Heping South Community', [31.299, 120.59]],
      ['comm-heping-east', 'Heping East Community', [31.3045, 120.602]],
    ],
  ],
  [
    'street-xinhua',
    'Xinhua Street',
    [
      ['comm-xinhua-garden', 'Xinhua Garden Community', [31.31, 120.62]],
      ['comm-xinhua-station', 'Xinhua Station Community', [31.299, 120.62]],
    ],
  ],
  [
    'street-binhe',
    'Binhe Street',
    [
      ['comm-binhe-riverside', 'Binhe Riverside Community', [31.285, 120.59]],
      ['comm-binhe-bridge', 'Binhe Bridge Community', [31.285, 120.605]],
      ['comm-binhe-park', 'Binhe Park Community', [31.285, 120.62]],
    ],
  ],
];

/** The sample district: a centre with eight departments, three streets, two or three communities each (with made-up areas). */
export const sampleUnits: NewUnit[] = [
  { id: CENTRE_ID, name: 'Sample District Joint-Dispatch Centre', level: 'district', kind: 'centre', parentId: null },
  ...departments.map(([id, name]) => ({ id, name, level: 'district', kind: 'department', parentId: CENTRE_ID })),
  ...streets.flatMap(([id, name, communities]) => [
    { id, name, level: 'street', kind: 'street', parentId: CENTRE_ID },
    ...communities.map(([cid, cname, [lat, long]]) => ({ id: cid, name: cname, level: 'community', kind: 'community', parentId: id, area: { lat, long, radiusM: COMMUNITY_RADIUS_M } })),
  ]),
];

/**
 * Version 1 of the responsibility list, from the reform the design describes: communities keep only
 * neighbour disputes, convenience consultation and help for vulnerable groups; the street owns the
 * property, construction and estate matters; functional departments own their specialist matters.
 */
export const sampleResponsibilityList: Array<{ category: string; name: string; level: string; departmentId?: string }> = [
  { category: 'neighbour-dispute', name: 'Neighbour dispute', level: 'community' },
  { category: 'convenience-consultation', name: 'Convenience consultation', level: 'community' },
  { category: 'vulnerable-group-help', name: 'Help for vulnerable groups', level: 'community' },
  { category: 'property-management', name: 'Property management', level: 'street' },
  { category: 'urban-construction', name: 'Urban construction', level: 'street' },
  { category: 'group-rental', name: 'Group rentals', level: 'street' },
  { category: 'ev-charging', name: 'Electric bike charging', level: 'street' },
  { category: 'old-estate-parking', name: 'Parking in old estates', level: 'street' },
  { category: 'elevator-retrofit', name: 'Elevator retrofit in old buildings', level: 'street' },
  { category: 'garbage-sorting', name: 'Garbage sorting', level: 'street' },
  { category: 'food-safety', name: 'Food safety', level: 'district', departmentId: 'dept-market' },
  { category: 'price-fraud', name: 'Price fraud and consumer rights', level: 'district', departmentId: 'dept-market' },
  { category: 'illegal-construction', name: 'Illegal construction', level: 'district', departmentId: 'dept-urban' },
  { category: 'street-vending', name: 'Unlicensed street vending', level: 'district', departmentId: 'dept-urban' },
  { category: 'noise-pollution', name: 'Noise pollution', level: 'district', departmentId: 'dept-env' },
  { category: 'air-pollution', name: 'Air pollution', level: 'district', departmentId: 'dept-env' },
  { category: 'water-supply', name: 'Water supply', level: 'district', departmentId: 'dept-water' },
  { category: 'drainage-flooding', name: 'Drainage and flooding', level: 'district', departmentId: 'dept-water' },
  { category: 'garbage-collection', name: 'Garbage collection and transfer', level: 'district', departmentId: 'dept-sanitation' },
  { category: 'public-toilets', name: 'Public toilets', level: 'district', departmentId: 'dept-sanitation' },
  { category: 'public-order', name: 'Public order', level: 'district', departmentId: 'dept-police' },
  { category: 'housing-security', name: 'Affordable housing', level: 'district', departmentId: 'dept-housing' },
  { category: 'medical-service', name: 'Medical services', level: 'district', departmentId: 'dept-health' },
];

/**
 * Reference data every installation needs: the working-day calendar from the maintained
 * `chinese-days` package, the shipped process models (`processes/`) and version 1 of the ranking policy. Idempotent: existing rows
 * (an admin's calendar edits, later process versions) are kept.
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
