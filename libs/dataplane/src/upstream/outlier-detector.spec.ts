// Unit spec for OutlierDetector on fake timers: ejections, a multiplier growing, decaying and capped, the percent limit.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { OutlierDetector, type OutlierSettings } from './outlier-detector.js';

const settings: OutlierSettings = {
  consecutive5xx: 3,
  consecutiveGatewayErrors: 0,
  baseEjectionMs: 1_000,
  intervalMs: 10_000,
  maxEjectionMs: 300_000,
  maxEjectionPercent: 50,
};

/** Records each status for `origin` now, one of `total` endpoints; the ejection times returned. */
function record(d: OutlierDetector, origin: string, statuses: number[], total = 2): number[] {
  return statuses.map((s) => d.record(origin, s, Date.now(), total));
}

/** Trips `origin` (three 500s) and returns how long it was ejected for. */
function trip(d: OutlierDetector, origin = 'a'): number {
  return record(d, origin, [500, 500, 500])[2];
}

describe('OutlierDetector', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('ejects after N consecutive 5xx, for base × times ejected in a row', () => {
    const d = new OutlierDetector(settings);
    expect(record(d, 'a', [500, 503, 500])).toEqual([0, 0, 1_000]);
    jest.advanceTimersByTime(1_000);
    expect(trip(d)).toBe(2_000);
    jest.advanceTimersByTime(2_000);
    expect(trip(d)).toBe(3_000);
  });

  it('does not eject an endpoint again while it is ejected (panic-mode traffic still reaches it)', () => {
    const d = new OutlierDetector(settings);
    expect(trip(d)).toBe(1_000);
    jest.advanceTimersByTime(999);
    expect(trip(d)).toBe(0);
    jest.advanceTimersByTime(1);
    expect(trip(d)).toBe(2_000);
  });

  it('counts a failure to answer (status 0) as a 5xx, and a success resets the count', () => {
    const d = new OutlierDetector(settings);
    expect(record(d, 'a', [0, 500, 200, 500, 0])).toEqual([0, 0, 0, 0, 0]);
    expect(record(d, 'a', [502])).toEqual([1_000]);
  });

  it('trips on consecutive gateway errors alone when configured', () => {
    const d = new OutlierDetector({ ...settings, consecutive5xx: 0, consecutiveGatewayErrors: 2 });
    expect(record(d, 'a', [500, 500, 500])).toEqual([0, 0, 0]);
    expect(record(d, 'a', [503, 0])).toEqual([0, 1_000]);
  });

  it('brings the multiplier down by one for each interval the endpoint stays un-ejected', () => {
    const d = new OutlierDetector(settings);
    for (const expected of [1_000, 2_000, 3_000]) {
      expect(trip(d)).toBe(expected);
      jest.advanceTimersByTime(expected);
    }
    // Multiplier 3; two healthy intervals take it to 1: the next ejection is base × 2.
    jest.advanceTimersByTime(2 * 10_000);
    expect(trip(d)).toBe(2_000);
    jest.advanceTimersByTime(2_000 + 9_999);
    expect(trip(d)).toBe(3_000); // less than an interval healthy: no decrease
    // Healthy long enough, the multiplier is back to 0 and never below: base again.
    jest.advanceTimersByTime(3_000 + 10 * 10_000);
    expect(trip(d)).toBe(1_000);
  });

  it('caps ejections at maxEjectionMs, and stops raising the multiplier past it (Envoy)', () => {
    const d = new OutlierDetector({ ...settings, maxEjectionMs: 2_500 });
    for (const expected of [1_000, 2_000, 2_500, 2_500, 2_500, 2_500]) {
      expect(trip(d)).toBe(expected);
      jest.advanceTimersByTime(expected);
    }
    // The multiplier stopped at 4 (4 × base passed max + base): three healthy intervals take it
    // to 1, and the next ejection is base × 2, not still the maximum.
    jest.advanceTimersByTime(3 * 10_000);
    expect(trip(d)).toBe(2_000);
  });

  it('ejects at most maxEjectionPercent of the endpoints at once (one always may be)', () => {
    const d = new OutlierDetector({ ...settings, maxEjectionPercent: 10 });
    expect(d.ejectionLimit(3)).toBe(1);
    expect(d.ejectionLimit(20)).toBe(2);
    expect(record(d, 'a', [500, 500, 500], 3)[2]).toBe(1_000);
    expect(record(d, 'b', [500, 500, 500], 3)[2]).toBe(0);
    jest.advanceTimersByTime(1_000);
    expect(record(d, 'b', [500, 500, 500], 3)[2]).toBe(1_000);
  });

  it('keeps endpoints apart, and forgets those that left the set', () => {
    const d = new OutlierDetector(settings);
    record(d, 'a', [500, 500]);
    record(d, 'b', [500]);
    expect(record(d, 'b', [500])).toEqual([0]);
    d.retain(new Set(['b']));
    expect(record(d, 'a', [500])).toEqual([0]);
    expect(record(d, 'b', [500])).toEqual([1_000]);
  });
});
