// Unit spec for the per-try timeout split between undici's coarse timer and the exchange's own.
import { describe, expect, it } from '@jest/globals';
import { needsOwnTimer, TryTimeoutError, undiciHeadersTimeout } from './try-timeout.js';

describe('try timeouts', () => {
  it('times short timeouts itself and turns undici’s off for them', () => {
    expect(needsOwnTimer(300)).toBe(true);
    expect(undiciHeadersTimeout(300)).toBe(0);
  });

  it('leaves long timeouts, and none, to undici', () => {
    expect(needsOwnTimer(15_000)).toBe(false);
    expect(undiciHeadersTimeout(15_000)).toBe(15_000);
    expect(needsOwnTimer(0)).toBe(false);
    expect(undiciHeadersTimeout(0)).toBe(0);
  });

  it('aborts with undici’s headers-timeout code', () => {
    expect(new TryTimeoutError().code).toBe('UND_ERR_HEADERS_TIMEOUT');
  });
});
