// Locality load balancing around any strategy: a priority level by Envoy's priority load (with
// `distribute`, a locality by weight × availability), then the Service's own strategy within it.
import type { IncomingHttpHeaders } from 'node:http';
import type { Endpoint } from '../endpoint.js';
import {
  availability,
  priorityLevels,
  priorityLoad,
  type LocalityGroup,
  type LocalitySettings,
  type PriorityLevel,
} from './locality-levels.js';
import type { EjectedOrigins, LoadBalancer } from './load-balancer.js';

/**
 * Levels are planned when the endpoint set changes; a pick reads them. While nothing is ejected the
 * best level is fully available and takes every request (no arithmetic, no allocation); once some
 * endpoint is ejected, each pick weighs the levels by their healthy share, so traffic spills over
 * as a level degrades and returns the moment its ejections end (fail back).
 */
export class LocalityBalancer implements LoadBalancer {
  private levels: readonly PriorityLevel[] = [];
  /** One strategy per group, by group key: its state (loads, latencies, ring) stays with it. */
  private strategies = new Map<string, LoadBalancer>();
  private byOrigin = new Map<string, LoadBalancer>();
  /** Per-level availability and load of the pick in progress, reused by every pick. */
  private available: number[] = [];
  private load: number[] = [];

  constructor(
    private readonly settings: LocalitySettings,
    /** A new instance of the Service's strategy (round robin, least request, …). */
    private readonly strategy: () => LoadBalancer,
  ) {}

  choose(
    _endpoints: readonly Endpoint[],
    headers: IncomingHttpHeaders | undefined,
    tried: readonly Endpoint[] | undefined,
    ejected: EjectedOrigins | undefined,
  ): Endpoint | undefined {
    const levels = this.levels;
    const n = levels.length;
    if (n === 0) return undefined;
    const first = ejected === undefined || n === 1 ? 0 : this.levelByLoad(ejected);
    // No level has a healthy endpoint: the cluster picks again ignoring ejections (panic).
    if (first < 0) return undefined;
    const picked = this.chooseIn(levels[first], headers, tried, ejected);
    if (picked !== undefined) return picked;
    // The level drawn has nothing left to try (a retry): the next best one that has.
    for (let i = 0; i < n; i++) {
      if (i === first) continue;
      const other = this.chooseIn(levels[i], headers, tried, ejected);
      if (other !== undefined) return other;
    }
    return undefined;
  }

  setEndpoints(endpoints: readonly Endpoint[]): void {
    this.levels = priorityLevels(endpoints, this.settings);
    const strategies = new Map<string, LoadBalancer>();
    const byOrigin = new Map<string, LoadBalancer>();
    for (const level of this.levels) {
      for (const group of level.groups) {
        const strategy = this.strategies.get(group.key) ?? this.strategy();
        strategy.setEndpoints(group.endpoints);
        strategies.set(group.key, strategy);
        for (const e of group.endpoints) byOrigin.set(e.origin, strategy);
      }
    }
    this.strategies = strategies;
    this.byOrigin = byOrigin;
    this.available = new Array<number>(this.levels.length).fill(0);
    this.load = new Array<number>(this.levels.length).fill(0);
  }

  started(endpoint: Endpoint): void {
    this.byOrigin.get(endpoint.origin)?.started(endpoint);
  }

  observed(endpoint: Endpoint, rttMs: number): void {
    this.byOrigin.get(endpoint.origin)?.observed(endpoint, rttMs);
  }

  finished(endpoint: Endpoint): void {
    this.byOrigin.get(endpoint.origin)?.finished(endpoint);
  }

  /** The level a request goes to, drawn by priority load; -1 when none is available. */
  private levelByLoad(ejected: EjectedOrigins): number {
    const { levels, available, load } = this;
    for (let i = 0; i < levels.length; i++)
      available[i] = availability(levels[i].endpoints, ejected);
    if (!priorityLoad(available, load)) return -1;
    let draw = Math.random() * 100;
    for (let i = 0; i < levels.length; i++) {
      draw -= load[i];
      if (draw < 0) return i;
    }
    return load.findIndex((l) => l > 0);
  }

  private chooseIn(
    level: PriorityLevel,
    headers: IncomingHttpHeaders | undefined,
    tried: readonly Endpoint[] | undefined,
    ejected: EjectedOrigins | undefined,
  ): Endpoint | undefined {
    const groups = level.groups;
    if (groups.length === 1) return this.chooseInGroup(groups[0], headers, tried, ejected);
    // Distribute: a locality by weight × availability (Envoy's locality-weighted balancing).
    let total = 0;
    for (const g of groups) total += g.weight * availability(g.endpoints, ejected);
    let draw = Math.random() * total;
    let drawn = 0;
    for (; drawn < groups.length - 1; drawn++) {
      draw -= groups[drawn].weight * availability(groups[drawn].endpoints, ejected);
      if (draw < 0) break;
    }
    const picked = this.chooseInGroup(groups[drawn], headers, tried, ejected);
    if (picked !== undefined) return picked;
    for (let i = 0; i < groups.length; i++) {
      if (i === drawn) continue;
      const other = this.chooseInGroup(groups[i], headers, tried, ejected);
      if (other !== undefined) return other;
    }
    return undefined;
  }

  private chooseInGroup(
    group: LocalityGroup,
    headers: IncomingHttpHeaders | undefined,
    tried: readonly Endpoint[] | undefined,
    ejected: EjectedOrigins | undefined,
  ): Endpoint | undefined {
    return this.strategies.get(group.key)!.choose(group.endpoints, headers, tried, ejected);
  }
}
