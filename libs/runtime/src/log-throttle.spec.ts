// Unit spec for LogThrottle: a burst per window per key, and the held-back count on the next line.
import { describe, expect, it } from '@jest/globals';
import { LogThrottle } from './log-throttle.js';

describe('LogThrottle', () => {
  it('admits a burst per window, then holds lines back until the next window, which reports them', () => {
    const throttle = new LogThrottle(3, 1_000);
    const admitted = Array.from({ length: 20_000 }, () => throttle.admit('health', 0));
    expect(admitted.filter((a) => a !== undefined)).toEqual([0, 0, 0]);
    expect(throttle.admit('health', 999)).toBeUndefined();
    expect(throttle.admit('health', 1_000)).toBe(19_998);
    expect(throttle.admit('health', 1_001)).toBe(0);
  });

  it('keeps a window per key', () => {
    const throttle = new LogThrottle(1, 1_000);
    expect(throttle.admit('health', 0)).toBe(0);
    expect(throttle.admit('health', 1)).toBeUndefined();
    expect(throttle.admit('ack', 1)).toBe(0);
  });
});
