import { describe, expect, it } from 'vitest';
import { areaContains, distanceMetres } from '../../domain/units.js';

describe('unit areas', () => {
  it('measures great-circle distances in metres', () => {
    // One minute of latitude is one nautical mile (1,852 m) give or take the earth's flattening.
    expect(distanceMetres({ lat: 31, long: 120 }, { lat: 31 + 1 / 60, long: 120 })).toBeCloseTo(1853.2, 0);
    // A degree of longitude shrinks with the cosine of the latitude.
    expect(distanceMetres({ lat: 60, long: 10 }, { lat: 60, long: 11 })).toBeCloseTo(55_597, -1);
    expect(distanceMetres({ lat: 0, long: 179.9 }, { lat: 0, long: -179.9 })).toBeCloseTo(22_239, -1);
  });

  it('holds the points within its radius, its edge included', () => {
    const area = { lat: 31.3045, long: 120.602, radiusM: 600 };
    expect(areaContains(area, { lat: 31.3045, long: 120.602 })).toBe(true);
    expect(areaContains(area, { lat: 31.3045 + 599 / 111_195, long: 120.602 })).toBe(true);
    expect(areaContains(area, { lat: 31.3045 + 601 / 111_195, long: 120.602 })).toBe(false);
  });
});
