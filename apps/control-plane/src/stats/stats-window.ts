// Sliding window over every proxy's golden-signal snapshots, aggregated per Service, edge and route.
import {
  SNAPSHOT_LATENCY_BOUNDS_MS,
  type EdgeStats,
  type GoldenSignals,
  type MeshStats,
  type MetricsSnapshot,
} from '@app/protocol';
import { countDropped } from '../dropped-entries.js';
import { histogramQuantile } from './histogram-quantile.js';

/**
 * Snapshots kept per proxy, newest: a proxy reporting more often than the window allows for loses
 * its oldest ones (its rate stays exact: counts are divided by the time its snapshots cover).
 */
export const SNAPSHOTS_PER_PROXY = 64;

interface Received {
  /** The control plane's clock at receipt: proxies' clocks may disagree with it and each other. */
  readonly at: number;
  readonly snapshot: MetricsSnapshot;
}

/** Counts of one key summed over proxies and snapshots; bucket counts merge by plain addition. */
class Accumulator {
  requests = 0;
  failures = 0;
  rps = 0;
  readonly buckets: number[] = new Array<number>(SNAPSHOT_LATENCY_BOUNDS_MS.length + 1).fill(0);

  add(edge: EdgeStats, coveredSeconds: number): void {
    this.requests += edge.requests;
    this.failures += edge.failures;
    this.rps += edge.requests / coveredSeconds;
    edge.latencyBuckets.forEach((n, i) => (this.buckets[i] += n));
  }

  signals(): GoldenSignals {
    const quantile = (q: number): number | null =>
      histogramQuantile(q, this.buckets, SNAPSHOT_LATENCY_BOUNDS_MS) ?? null;
    return {
      rps: this.rps,
      successRate: this.requests === 0 ? null : (this.requests - this.failures) / this.requests,
      p50Ms: quantile(0.5),
      p95Ms: quantile(0.95),
      p99Ms: quantile(0.99),
      requests: this.requests,
    };
  }
}

/** Accumulators by a composite key, and the key's parts to label the row with. */
class Table<K extends object> {
  private readonly rows = new Map<string, { key: K; acc: Accumulator }>();

  at(key: K): Accumulator {
    const id = JSON.stringify(key);
    let row = this.rows.get(id);
    if (!row) {
      row = { key, acc: new Accumulator() };
      this.rows.set(id, row);
    }
    return row.acc;
  }

  /** Rows sorted by their key parts in order (a missing route last), so answers are stable. */
  list(): (K & GoldenSignals)[] {
    return [...this.rows.values()]
      .sort((a, b) => compareParts(Object.values(a.key), Object.values(b.key)))
      .map(({ key, acc }) => ({ ...key, ...acc.signals() }));
  }
}

/** The Services (`<namespace>/<name>`) whose endpoint sets hold a proxy's instance now. */
export type SelectingServices = (proxyId: string) => readonly string[] | undefined;

/**
 * Keeps, per proxy, the snapshots received within the last `windowMs`. A Service's numbers come
 * from the inbound edges of the proxies it selects (what they served: `api` and `api-v1` both
 * count an instance labelled `app=api,version=v1`; an instance in no endpoint set counts for its
 * own service name), an edge's and a route's from the outbound edges of the callers' proxies
 * (what they asked for, failed connections included), so no request counts twice in one list.
 *
 * Rates: each proxy's counts are divided by the time its retained snapshots cover (the sum of
 * their `windowMs`), which is exact while it reports; once a proxy falls silent the silence counts
 * as covered time without requests, so its rate decays instead of freezing at its last value.
 *
 * Bounded: at most `maxProxies` proxies (by identity: namespace, service, id) and
 * SNAPSHOTS_PER_PROXY snapshots each; a new proxy past the bound is refused until one leaves the
 * window, and what is dropped is counted in `weft_control_plane_dropped_total{weft_table="snapshots"}`.
 */
export class StatsWindow {
  /** `<namespace>/<service>/<proxyId>` → its snapshots, oldest first. */
  private readonly byProxy = new Map<string, Received[]>();

  constructor(
    readonly windowMs: number,
    private readonly maxProxies: number,
  ) {}

  add(snapshot: MetricsSnapshot, now: number): void {
    const key = `${snapshot.namespace}/${snapshot.service}/${snapshot.proxyId}`;
    const oldest = now - this.windowMs;
    const known = this.byProxy.get(key);
    if (!known && this.byProxy.size >= this.maxProxies) {
      this.prune(now);
      if (this.byProxy.size >= this.maxProxies) return countDropped('snapshots', 'refused');
    }
    const kept = (known ?? []).filter((r) => r.at > oldest);
    kept.push({ at: now, snapshot });
    if (kept.length > SNAPSHOTS_PER_PROXY) {
      kept.splice(0, kept.length - SNAPSHOTS_PER_PROXY);
      countDropped('snapshots', 'evicted');
    }
    this.byProxy.set(key, kept);
  }

  stats(now: number, selecting: SelectingServices = () => undefined): MeshStats {
    this.prune(now);
    const services = new Table<{ service: string }>();
    const edges = new Table<{ source: string; destination: string }>();
    const routes = new Table<{ route: string | null; destination: string }>();
    for (const received of this.byProxy.values()) {
      const seconds = coveredMs(received, now) / 1000;
      const selected = selecting(received[0].snapshot.proxyId);
      for (const { snapshot } of received) {
        for (const edge of snapshot.edges) {
          if (edge.direction === 'inbound') {
            const keys = selected?.length ? selected : [edge.destination];
            for (const service of keys) services.at({ service }).add(edge, seconds);
            continue;
          }
          edges.at({ source: edge.source, destination: edge.destination }).add(edge, seconds);
          routes
            .at({ route: edge.route ?? null, destination: edge.destination })
            .add(edge, seconds);
        }
      }
    }
    return {
      windowMs: this.windowMs,
      services: services.list(),
      edges: edges.list(),
      routes: routes.list(),
    };
  }

  /** Drops what left the window, and proxies with nothing left in it. */
  private prune(now: number): void {
    const oldest = now - this.windowMs;
    for (const [key, received] of this.byProxy) {
      const keep = received.filter((r) => r.at > oldest);
      if (keep.length === 0) this.byProxy.delete(key);
      else if (keep.length !== received.length) this.byProxy.set(key, keep);
    }
  }
}

function compareParts(a: readonly unknown[], b: readonly unknown[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (a[i] === null) return 1;
    if (b[i] === null) return -1;
    return String(a[i]) < String(b[i]) ? -1 : 1;
  }
  return 0;
}

/** Time one proxy's retained snapshots cover, plus any silence since its last one was due. */
function coveredMs(received: readonly Received[], now: number): number {
  const reported = received.reduce((sum, r) => sum + r.snapshot.windowMs, 0);
  const last = received[received.length - 1];
  return reported + Math.max(0, now - last.at - last.snapshot.windowMs);
}
