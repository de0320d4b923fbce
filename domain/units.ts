/** A unit as cases carry it: enough to address and escalate without looking it up again. */
export interface UnitRef {
  id: string;
  name: string;
  level: string;
  kind: string;
}

/** A unit with its ancestors, nearest first (community → street → centre). */
export interface UnitChain {
  unit: UnitRef;
  ancestors: UnitRef[];
}

/**
 * Where on `chain` (a unit followed by its ancestors, nearest first) the first unit at `level` is, leaving
 * out departments (they sit beside the levels, not on them); -1 if the chain has none.
 */
export function unitAtLevel(chain: readonly UnitRef[], level: string): number {
  return chain.findIndex((u) => u.level === level && u.kind !== 'department');
}

/** A place on the earth (WGS 84 degrees). */
export interface GeoPoint {
  lat: number;
  long: number;
}

/** The area a unit covers, as reference data can carry it: a centre point and a radius. */
export interface UnitArea extends GeoPoint {
  radiusM: number;
}

const EARTH_RADIUS_M = 6_371_000;
const radians = (degrees: number): number => (degrees * Math.PI) / 180;

/** The great-circle distance between two points in metres (haversine). */
export function distanceMetres(a: GeoPoint, b: GeoPoint): number {
  const h = Math.sin(radians(b.lat - a.lat) / 2) ** 2 + Math.cos(radians(a.lat)) * Math.cos(radians(b.lat)) * Math.sin(radians(b.long - a.long) / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** True if the point lies within the area. */
export function areaContains(area: UnitArea, point: GeoPoint): boolean {
  return distanceMetres(area, point) <= area.radiusM;
}
