// Unit spec for compiling a rule's filters: a RequestMirror's share from `percent` or `fraction`.
import { describe, expect, it } from '@jest/globals';
import type { HTTPRouteFilter } from '@app/protocol';
import { ClusterRegistry } from '../upstream/cluster-registry.js';
import { compileFilters } from './compile-filters.js';

describe('compileFilters', () => {
  const clusters = new ClusterRegistry();
  const mirrorPercent = (requestMirror: HTTPRouteFilter['requestMirror']) =>
    compileFilters([{ type: 'RequestMirror', requestMirror }], 'shop', (k) => clusters.get(k))
      .mirrors[0].percent;
  const backendRef = { name: 'shadow' };

  it('mirrors every request by default, else the percent it is given', () => {
    expect(mirrorPercent({ backendRef })).toBe(100);
    expect(mirrorPercent({ backendRef, percent: 10 })).toBe(10);
  });

  it('turns a fraction into its percent, with 100 as the default denominator', () => {
    expect(mirrorPercent({ backendRef, fraction: { numerator: 1, denominator: 4 } })).toBe(25);
    expect(mirrorPercent({ backendRef, fraction: { numerator: 7 } })).toBe(7);
    expect(mirrorPercent({ backendRef, fraction: { numerator: 0, denominator: 3 } })).toBe(0);
  });
});
