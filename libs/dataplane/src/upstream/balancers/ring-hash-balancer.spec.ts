// Unit spec for RingHashBalancer: a key sticks to one endpoint; adding or removing one moves ~1/N keys.
import { describe, expect, it } from '@jest/globals';
import { endpoint, type Endpoint } from '../endpoint.js';
import { RingHashBalancer } from './ring-hash-balancer.js';

const endpoints = (n: number): Endpoint[] =>
  Array.from({ length: n }, (_, i) => endpoint(`e${i}`, `10.0.0.${i + 1}`, 8080));

function balancer(
  list: readonly Endpoint[],
  source: { header?: string; cookie?: string } = { header: 'X-User' },
): RingHashBalancer {
  const b = new RingHashBalancer(source);
  b.setEndpoints(list);
  return b;
}

/** key → instance id, for `count` keys. */
function assign(b: RingHashBalancer, list: readonly Endpoint[], count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => b.choose(list, { 'x-user': `user-${i}` }, undefined, undefined)!.instanceId,
  );
}

describe('RingHashBalancer', () => {
  it('sends every request with the same key to the same endpoint', () => {
    const list = endpoints(5);
    const b = balancer(list);
    const picks = new Set(
      Array.from(
        { length: 50 },
        () => b.choose(list, { 'x-user': 'alice' }, undefined, undefined)!.instanceId,
      ),
    );
    expect(picks.size).toBe(1);
  });

  it('spreads keys over every endpoint, each within ±30% of its share', () => {
    const list = endpoints(5);
    const counts = new Map<string, number>();
    for (const id of assign(balancer(list), list, 10_000))
      counts.set(id, (counts.get(id) ?? 0) + 1);
    expect(counts.size).toBe(5);
    for (const n of counts.values()) expect(Math.abs(n - 2_000)).toBeLessThan(600);
  });

  it('moves only the keys of an endpoint that leaves', () => {
    const list = endpoints(5);
    const before = assign(balancer(list), list, 10_000);
    const rest = list.filter((e) => e.instanceId !== 'e2');
    const after = assign(balancer(rest), rest, 10_000);
    const moved = before.filter((id, i) => id !== after[i]);
    expect(moved.every((id) => id === 'e2')).toBe(true);
    expect(moved.length).toBe(before.filter((id) => id === 'e2').length);
  });

  it('moves about 1/N of the keys to an endpoint that joins', () => {
    const list = endpoints(4);
    const before = assign(balancer(list), list, 10_000);
    const more = endpoints(5);
    const after = assign(balancer(more), more, 10_000);
    const moved = after.filter((id, i) => id !== before[i]);
    expect(moved.every((id) => id === 'e4')).toBe(true);
    expect(moved.length / 10_000).toBeGreaterThan(0.12);
    expect(moved.length / 10_000).toBeLessThan(0.28);
  });

  it('skips an endpoint the pick must not use, for the next one clockwise, consistently', () => {
    const list = endpoints(5);
    const b = balancer(list);
    const headers = { 'x-user': 'bob' };
    const first = b.choose(list, headers, undefined, undefined)!;
    const second = b.choose(list, headers, [first], undefined)!;
    expect(second).not.toBe(first);
    expect(b.choose(list, headers, [first], undefined)).toBe(second);
    expect(b.choose(list, headers, undefined, new Set([first.origin]))).toBe(second);
    expect(b.choose(list, headers, list, undefined)).toBeUndefined();
  });

  it('follows an endpoint that moved to another address under the same instance id', () => {
    const list = endpoints(3);
    const b = balancer(list);
    const owner = b.choose(list, { 'x-user': 'carol' }, undefined, undefined)!;
    const moved = list.map((e) => (e === owner ? endpoint(e.instanceId, '10.9.9.9', 9090) : e));
    b.setEndpoints(moved);
    expect(b.choose(moved, { 'x-user': 'carol' }, undefined, undefined)?.origin).toBe(
      'http://10.9.9.9:9090',
    );
  });

  it('hashes a cookie when configured so', () => {
    const list = endpoints(5);
    const b = balancer(list, { cookie: 'session' });
    const pick = (cookie: string): string =>
      b.choose(list, { cookie }, undefined, undefined)!.instanceId;
    expect(pick('a=1; session=xyz')).toBe(pick('session=xyz; theme=dark'));
  });

  it('spreads requests without the key round robin', () => {
    const list = endpoints(3);
    const b = balancer(list);
    const ids = Array.from(
      { length: 3 },
      () => b.choose(list, {}, undefined, undefined)!.instanceId,
    );
    expect(ids.sort()).toEqual(['e0', 'e1', 'e2']);
  });
});
