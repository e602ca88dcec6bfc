// Quantiles from bucket counts: Prometheus histogram_quantile's interpolation and its edge cases.
import { describe, expect, it } from '@jest/globals';
import { histogramQuantile } from './histogram-quantile.js';

const BOUNDS = [1, 2, 4];

describe('histogramQuantile', () => {
  it('is undefined without observations', () => {
    expect(histogramQuantile(0.5, [0, 0, 0, 0], BOUNDS)).toBeUndefined();
  });

  it('interpolates linearly inside the bucket holding the rank', () => {
    // cumulative 1, 2, 4: rank 2 ends bucket (1,2]; rank 3 is halfway through (2,4].
    expect(histogramQuantile(0.5, [1, 1, 2, 0], BOUNDS)).toBe(2);
    expect(histogramQuantile(0.75, [1, 1, 2, 0], BOUNDS)).toBe(3);
    expect(histogramQuantile(0.99, [0, 10, 0, 0], BOUNDS)).toBeCloseTo(1.99, 10);
  });

  it('starts the first bucket at 0', () => {
    expect(histogramQuantile(0.5, [4, 0, 0, 0], BOUNDS)).toBe(0.5);
  });

  it('answers the last finite bound for a rank among the overflow', () => {
    expect(histogramQuantile(0.5, [0, 0, 0, 7], BOUNDS)).toBe(4);
    expect(histogramQuantile(0.99, [99, 0, 0, 1], BOUNDS)).toBe(1);
    expect(histogramQuantile(0.995, [99, 0, 0, 1], BOUNDS)).toBe(4);
  });

  it('skips empty buckets below the rank', () => {
    expect(histogramQuantile(0.5, [0, 0, 2, 0], BOUNDS)).toBe(3);
  });
});
