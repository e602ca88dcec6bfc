// Turns the cumulative traffic cells into golden-signal snapshots: what changed since the last one.
import {
  PROTOCOL_VERSION,
  SNAPSHOT_LATENCY_BOUNDS_MS,
  type EdgeStats,
  type MetricsSnapshot,
} from '@app/protocol';
import type { ProxyIdentity } from '../config/ack-reporter.js';
import { isFailure, type TrafficStats } from './traffic-stats.js';

const BUCKETS = SNAPSHOT_LATENCY_BOUNDS_MS.length + 1;

export class SnapshotWindow {
  private startedAt: number;

  constructor(
    private readonly stats: TrafficStats,
    private readonly identity: ProxyIdentity,
    now: number = Date.now(),
  ) {
    this.startedAt = now;
  }

  /**
   * The traffic since the previous call, merged per (direction, source, destination, HTTPRoute)
   * over methods, status codes and rules; the next window starts now whether or not this
   * snapshot reaches anyone.
   */
  take(now: number = Date.now()): MetricsSnapshot {
    const edges = new Map<string, EdgeStats>();
    for (const edge of this.stats.all()) {
      const route = edge.httpRoute;
      const key = `${edge.direction}|${edge.source}|${edge.destination}|${route ?? ''}`;
      for (const cell of edge.cells()) {
        let delta = 0;
        let out = edges.get(key);
        for (let i = 0; i < BUCKETS; i++) {
          const d = cell.buckets[i] - cell.taken[i];
          if (d === 0) continue;
          if (!out) {
            out = {
              direction: edge.direction,
              source: edge.source,
              destination: edge.destination,
              ...(route === undefined ? {} : { route }),
              requests: 0,
              failures: 0,
              latencyBuckets: new Array<number>(BUCKETS).fill(0),
            };
            edges.set(key, out);
          }
          out.latencyBuckets[i] += d;
          delta += d;
          cell.taken[i] = cell.buckets[i];
        }
        if (out && delta > 0) {
          out.requests += delta;
          if (isFailure(cell.status)) out.failures += delta;
        }
      }
    }
    const snapshot: MetricsSnapshot = {
      v: PROTOCOL_VERSION,
      ...this.identity,
      windowMs: Math.max(1, Math.round(now - this.startedAt)),
      sentAt: Math.round(now),
      edges: [...edges.values()],
    };
    this.startedAt = now;
    return snapshot;
  }
}
