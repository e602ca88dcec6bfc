// OutlierDetector: consecutive 5xx / gateway errors trip an ejection that grows with each repeat.
import { describe, expect, it } from '@jest/globals';
import { OutlierDetector } from './outlier-detector.js';

const settings = {
  consecutive5xx: 3,
  consecutiveGatewayErrors: 0,
  baseEjectionMs: 1_000,
  maxEjectionPercent: 50,
};

describe('OutlierDetector', () => {
  it('ejects after N consecutive 5xx, for base × times ejected', () => {
    const d = new OutlierDetector(settings);
    expect([500, 503, 500].map((s) => d.record('a', s))).toEqual([0, 0, 1_000]);
    expect([500, 500, 500].map((s) => d.record('a', s))).toEqual([0, 0, 2_000]);
  });

  it('counts a failure to answer (status 0) as a 5xx, and a success resets the count', () => {
    const d = new OutlierDetector(settings);
    expect([0, 500, 200, 500, 0].map((s) => d.record('a', s))).toEqual([0, 0, 0, 0, 0]);
    expect(d.record('a', 502)).toBe(1_000);
  });

  it('trips on consecutive gateway errors alone when configured', () => {
    const d = new OutlierDetector({ ...settings, consecutive5xx: 0, consecutiveGatewayErrors: 2 });
    expect([500, 500, 500].map((s) => d.record('a', s))).toEqual([0, 0, 0]);
    expect([503, 0].map((s) => d.record('a', s))).toEqual([0, 1_000]);
  });

  it('keeps endpoints apart and lets at least one be ejected', () => {
    const d = new OutlierDetector({ ...settings, maxEjectionPercent: 10 });
    d.record('a', 500);
    d.record('b', 500);
    expect(d.record('a', 500)).toBe(0);
    expect(d.ejectionLimit(3)).toBe(1);
    expect(d.ejectionLimit(20)).toBe(2);
  });
});
