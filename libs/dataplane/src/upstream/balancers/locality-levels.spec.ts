// Unit spec for locality levels: Istio's priority ranks, distribute groups, Envoy's priority load.
import { describe, expect, it } from '@jest/globals';
import { endpoint, type Endpoint } from '../endpoint.js';
import {
  availability,
  priorityLevels,
  priorityLoad,
  priorityOf,
  type LocalitySettings,
} from './locality-levels.js';

const self = { cluster: 'east', region: 'us-east', zone: 'a' };
const byLabels: LocalitySettings = {
  mode: 'failover',
  self,
  parts: ['cluster', 'region', 'zone'],
};
const istioDefault: LocalitySettings = { mode: 'failover', self, parts: ['region', 'zone'] };

function at(id: string, cluster: string, region?: string, zone?: string): Endpoint {
  return endpoint(id, `10.0.0.${id.length}`, 8000 + id.charCodeAt(0), 'http', undefined, {
    cluster,
    region,
    zone,
  });
}

const ids = (levels: ReturnType<typeof priorityLevels>): string[][] =>
  levels.map((l) => l.endpoints.map((e) => e.instanceId));

describe('priorityOf', () => {
  it('ranks by how many failoverPriority parts, in order, an endpoint shares with the caller', () => {
    expect(priorityOf({ cluster: 'east', region: 'us-east', zone: 'a' }, byLabels)).toBe(0);
    expect(priorityOf({ cluster: 'east', region: 'us-east', zone: 'b' }, byLabels)).toBe(1);
    expect(priorityOf({ cluster: 'east', region: 'us-west', zone: 'a' }, byLabels)).toBe(2);
    // A later part shared after a differing one does not count (Istio matches labels in order).
    expect(priorityOf({ cluster: 'west', region: 'us-east', zone: 'a' }, byLabels)).toBe(3);
  });

  it('treats an unset part as matching only an unset one', () => {
    const bare: LocalitySettings = { mode: 'failover', self: { cluster: 'c' }, parts: ['zone'] };
    expect(priorityOf({ cluster: 'c' }, bare)).toBe(0);
    expect(priorityOf({ cluster: 'c', zone: 'a' }, bare)).toBe(1);
  });

  it("by default ranks region then zone, a `failover` region before other remote ones (Istio's table)", () => {
    const failover = { ...istioDefault, failoverRegion: 'us-west' } as const;
    expect(priorityOf({ region: 'us-east', zone: 'a' }, failover)).toBe(0);
    expect(priorityOf({ region: 'us-east', zone: 'b' }, failover)).toBe(1);
    expect(priorityOf({ region: 'us-west', zone: 'c' }, failover)).toBe(2);
    expect(priorityOf({ region: 'eu', zone: 'd' }, failover)).toBe(3);
    expect(priorityOf({ region: 'eu', zone: 'd' }, istioDefault)).toBe(2);
  });
});

describe('priorityLevels', () => {
  it('groups endpoints by rank, best first, leaving out ranks nobody has', () => {
    const levels = priorityLevels(
      [
        at('w1', 'west', 'us-west'),
        at('a1', 'east', 'us-east', 'a'),
        at('b1', 'east', 'us-east', 'b'),
        at('a2', 'east', 'us-east', 'a'),
      ],
      byLabels,
    );
    expect(ids(levels)).toEqual([['a1', 'a2'], ['b1'], ['w1']]);
    expect(levels.map((l) => l.groups.length)).toEqual([1, 1, 1]);
  });

  it('with distribute, makes one level of a group per pattern, the first that matches, and drops the rest', () => {
    const settings: LocalitySettings = {
      mode: 'distribute',
      to: [
        { pattern: 'us-east/a', weight: 80 },
        { pattern: 'us-east/*', weight: 20 },
      ],
    };
    const levels = priorityLevels(
      [
        at('a1', 'east', 'us-east', 'a'),
        at('b1', 'east', 'us-east', 'b'),
        at('w1', 'west', 'us-west', 'a'),
      ],
      settings,
    );
    expect(ids(levels)).toEqual([['a1', 'b1']]);
    expect(
      levels[0].groups.map((g) => [g.key, g.weight, g.endpoints.map((e) => e.instanceId)]),
    ).toEqual([
      ['us-east/a', 80, ['a1']],
      ['us-east/*', 20, ['b1']],
    ]);
  });
});

describe('availability', () => {
  const four = [at('a', 'x'), at('bb', 'x'), at('ccc', 'x'), at('dddd', 'x')];
  const ejecting = (...gone: Endpoint[]) => new Set(gone.map((e) => e.origin));

  it('is the healthy share × 1.4, capped at 100: a level at 75% healthy is still fully available', () => {
    expect(availability(four, undefined)).toBe(100);
    expect(availability(four, ejecting(four[0]))).toBe(100);
    expect(availability(four, ejecting(four[0], four[1]))).toBe(70);
    expect(availability(four, ejecting(...four))).toBe(0);
  });
});

describe('priorityLoad', () => {
  const load = (...available: number[]): number[] | undefined => {
    const out = new Array<number>(available.length).fill(0);
    return priorityLoad(available, out) ? out : undefined;
  };

  it('gives the best level everything while it is fully available', () => {
    expect(load(100, 100, 100)).toEqual([100, 0, 0]);
  });

  it('spills what the best level cannot take to the next ones, in order', () => {
    expect(load(70, 100)).toEqual([70, 30]);
    expect(load(28, 0, 100)).toEqual([28, 0, 72]);
    expect(load(0, 100)).toEqual([0, 100]);
  });

  it('scales up when the levels together are under 100% (normalized total availability)', () => {
    expect(load(28, 28)).toEqual([50, 50]);
    expect(load(0, 35, 0)).toEqual([0, 100, 0]);
  });

  it('gives the rounding remainder to the first available level', () => {
    expect(load(30, 30, 30)).toEqual([34, 33, 33]);
  });

  it('says when no level is available at all (panic)', () => {
    expect(load(0, 0)).toBeUndefined();
  });
});
