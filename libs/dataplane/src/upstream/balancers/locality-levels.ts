// Locality load balancing, compiled and planned: which endpoints form each priority level (Envoy's
// priorities, as Istio assigns them), and how much of the traffic each level takes as health drops.
import { localityMatches, type Locality } from '@app/protocol';
import type { Endpoint } from '../endpoint.js';
import type { EjectedOrigins } from './load-balancer.js';

/** The parts of a locality a failover order compares, most significant first. */
export type LocalityPart = keyof Locality;

/** Compiled `localityLbSetting` of a TrafficPolicy, with the caller's own locality. */
export type LocalitySettings =
  | {
      /** Priority levels by how many of `parts`, in order, an endpoint shares with `self`. */
      readonly mode: 'failover';
      readonly self: Locality;
      readonly parts: readonly LocalityPart[];
      /** Default order only: the region tried before every other remote region (Istio's `failover`). */
      readonly failoverRegion?: string;
    }
  | {
      /** One level; groups by the first pattern matching, each taking its weight of the traffic. */
      readonly mode: 'distribute';
      readonly to: readonly { readonly pattern: string; readonly weight: number }[];
    };

/** Envoy's default overprovisioning factor, in percent: a level at 72% healthy still takes it all. */
export const OVERPROVISIONING_PERCENT = 140;

/** Endpoints the balancer treats alike, and their share within their level (distribute only). */
export interface LocalityGroup {
  /** Stable across endpoint updates, so the group keeps its balancer's state. */
  readonly key: string;
  readonly endpoints: readonly Endpoint[];
  readonly weight: number;
}

/** One priority level: every endpoint in it, and its groups (one, but with distribute). */
export interface PriorityLevel {
  readonly endpoints: readonly Endpoint[];
  readonly groups: readonly LocalityGroup[];
}

/**
 * The levels of `endpoints` under `settings`, best first, empty ones left out (Istio compacts them).
 * Distribute leaves out endpoints no pattern matches, as Istio does.
 */
export function priorityLevels(
  endpoints: readonly Endpoint[],
  settings: LocalitySettings,
): PriorityLevel[] {
  if (settings.mode === 'distribute') {
    const groups = settings.to.map(({ pattern, weight }) => ({
      key: pattern,
      weight,
      endpoints: [] as Endpoint[],
    }));
    for (const e of endpoints) {
      const group = groups.find((g) => localityMatches(e.locality ?? {}, g.key));
      group?.endpoints.push(e);
    }
    const kept = groups.filter((g) => g.endpoints.length > 0);
    return kept.length === 0 ? [] : [{ endpoints: kept.flatMap((g) => g.endpoints), groups: kept }];
  }
  const byPriority = new Map<number, Endpoint[]>();
  for (const e of endpoints) {
    const p = priorityOf(e.locality ?? {}, settings);
    const level = byPriority.get(p);
    if (level) level.push(e);
    else byPriority.set(p, [e]);
  }
  return [...byPriority.entries()]
    .sort(([a], [b]) => a - b)
    .map(([p, level]) => ({
      endpoints: level,
      groups: [{ key: `p${p}`, weight: 1, endpoints: level }],
    }));
}

/**
 * Istio's rank: the number of `parts` not shared with the caller, counting from the first that
 * differs. In the default order (region, zone), a remote region is one rank further unless it is
 * the `failover` region.
 */
export function priorityOf(
  locality: Locality,
  settings: Extract<LocalitySettings, { mode: 'failover' }>,
): number {
  const { self, parts, failoverRegion } = settings;
  let shared = 0;
  while (shared < parts.length && (self[parts[shared]] ?? '') === (locality[parts[shared]] ?? ''))
    shared++;
  const rank = parts.length - shared;
  if (failoverRegion === undefined || shared > 0) return rank;
  return locality.region === failoverRegion ? rank : rank + 1;
}

/**
 * A level's availability in percent (Envoy): its healthy share × the overprovisioning factor,
 * capped at 100. `ejected` endpoints (refused connections, outlier detection) are not healthy.
 */
export function availability(
  endpoints: readonly Endpoint[],
  ejected: EjectedOrigins | undefined,
): number {
  const total = endpoints.length;
  if (total === 0) return 0;
  if (ejected === undefined) return 100;
  let healthy = 0;
  for (const e of endpoints) if (!ejected.has(e.origin)) healthy++;
  return Math.min(100, Math.floor((OVERPROVISIONING_PERCENT * healthy) / total));
}

/**
 * Envoy's priority load: each level, best first, takes as much of the 100% as its availability
 * allows, scaled up when the levels together are under 100% (normalized total availability); the
 * rounding's remainder goes to the first available level. Writes into `load` (one slot per level);
 * returns false when no level is available at all (panic: the caller ignores health).
 */
export function priorityLoad(available: ArrayLike<number>, load: number[]): boolean {
  const n = available.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += available[i];
  total = Math.min(100, total);
  if (total === 0) return false;
  let remaining = 100;
  let first = -1;
  for (let i = 0; i < n; i++) {
    if (first < 0 && available[i] > 0) first = i;
    load[i] = Math.min(remaining, Math.floor((available[i] * 100) / total));
    remaining -= load[i];
  }
  load[first] += remaining;
  return true;
}
