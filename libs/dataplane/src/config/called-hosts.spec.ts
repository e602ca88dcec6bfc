// Unit spec for CalledHosts: the bound (hosts reaching nothing go first, then the least recently
// called) and the TTL (dropped once uncalled for that long, at a sweep), on a clock the spec sets.
import { describe, expect, it } from '@jest/globals';
import { CalledHosts } from './called-hosts.js';

describe('CalledHosts', () => {
  it('past the maximum drops the least recently called host that reaches nothing, then the least recently called', () => {
    const hosts = new CalledHosts({ maxHosts: 3, ttlMs: 60_000 });
    for (const host of ['real', 'x1', 'x2', 'x3']) hosts.called(host);
    const empty = (h: string) => h !== 'real';
    expect(hosts.trim(empty)).toEqual(['x1']);
    expect([...hosts.keys()]).toEqual(['real', 'x2', 'x3']);
    // Nothing left that reaches nothing: the least recently called goes.
    for (const host of ['x4', 'x5']) hosts.called(host);
    expect(hosts.trim(() => false)).toEqual(['real', 'x2']);
    expect(hosts.size).toBe(3);
  });

  it('drops at a sweep the hosts not called for the TTL, and keeps one called since', () => {
    let now = 0;
    const hosts = new CalledHosts({ maxHosts: 10, ttlMs: 1_000 }, () => now);
    expect(hosts.sweepEveryMs).toBe(250);
    hosts.called('idle');
    hosts.called('busy');
    for (now = 250; now < 1_250; now += 250) {
      expect(hosts.sweep()).toEqual([]);
      hosts.called('busy');
    }
    expect(hosts.sweep()).toEqual(['idle']);
    expect([...hosts.keys()]).toEqual(['busy']);
    // Called again after it went: held again, from now.
    hosts.called('idle');
    expect(hosts.has('idle')).toBe(true);
  });

  it('moves a host called again to the end, once per sweep tick', () => {
    let now = 0;
    const hosts = new CalledHosts({ maxHosts: 10, ttlMs: 1_000 }, () => now);
    hosts.called('a');
    hosts.called('b');
    hosts.called('a');
    expect([...hosts.keys()]).toEqual(['a', 'b']);
    now = 250;
    hosts.sweep();
    hosts.called('a');
    expect([...hosts.keys()]).toEqual(['b', 'a']);
  });
});
