// Unit spec for parseDurationMs: Gateway API durations (h, m, s, ms and combinations) in milliseconds.
import { describe, expect, it } from '@jest/globals';
import { parseDurationMs } from './duration.js';

describe('parseDurationMs', () => {
  it.each([
    ['10s', 10_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h2m3s4ms', 3_723_004],
    ['0s', 0],
  ])('parses %s as %d ms', (input, ms) => {
    expect(parseDurationMs(input)).toBe(ms);
  });

  it('reads "ms" as milliseconds, not minutes followed by seconds', () => {
    expect(parseDurationMs('5ms')).toBe(5);
    expect(parseDurationMs('1m5ms')).toBe(60_005);
  });

  it('yields 0 for a string with no duration in it', () => {
    expect(parseDurationMs('')).toBe(0);
    expect(parseDurationMs('soon')).toBe(0);
  });
});
