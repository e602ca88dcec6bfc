// Unit spec for Ejections: skipped until their time, the longer skip wins, expired ones swept, counted.
import { describe, expect, it } from '@jest/globals';
import { Ejections } from './ejections.js';

describe('Ejections', () => {
  it('holds an origin until its time, then lets it go', () => {
    const e = new Ejections();
    expect(e.at(1_000)).toBeUndefined();
    e.add('http://a', 2_000);
    expect(e.at(1_999)?.has('http://a')).toBe(true);
    expect(e.at(2_000)).toBeUndefined();
    expect(e.size).toBe(0);
  });

  it('keeps the longer of two skips, and counts every ejection', () => {
    const e = new Ejections();
    e.add('http://a', 5_000);
    e.add('http://a', 3_000);
    expect(e.at(4_000)?.has('http://a')).toBe(true);
    e.add('http://a', 9_000);
    expect(e.at(6_000)?.has('http://a')).toBe(true);
    expect(e.count).toBe(3);
  });

  it('sweeps only what ran out, and the others still hold', () => {
    const e = new Ejections();
    e.add('http://a', 1_000);
    e.add('http://b', 3_000);
    const held = e.at(2_000);
    expect([held?.has('http://a'), held?.has('http://b')]).toEqual([false, true]);
    expect(e.size).toBe(1);
    expect(e.at(3_000)).toBeUndefined();
  });
});
