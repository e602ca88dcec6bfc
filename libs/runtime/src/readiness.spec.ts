// Readiness: ready only when every declared condition holds; `change` fires when that flips.
import { describe, expect, it } from '@jest/globals';
import { Readiness } from './readiness.js';

describe('Readiness', () => {
  it('is ready once every required condition is set, and says so once per flip', () => {
    const readiness = new Readiness();
    const seen: boolean[] = [];
    readiness.on('change', (ready) => seen.push(ready));
    readiness.require('config');
    readiness.require('listeners');
    readiness.set('config', true);
    expect(readiness.ready).toBe(false);
    readiness.set('listeners', true);
    readiness.set('listeners', true);
    expect(readiness.ready).toBe(true);
    readiness.set('draining', false);
    expect(seen).toEqual([true, false]);
    expect(readiness.snapshot()).toEqual({ config: true, listeners: true, draining: false });
  });
});
