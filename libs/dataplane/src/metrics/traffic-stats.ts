// Per-proxy traffic counters fed once per finished request: cumulative cells per edge, method and status.
import { SNAPSHOT_LATENCY_BOUNDS_MS, type EdgeDirection } from '@app/protocol';
import type { CompiledRoute } from '../routing/route-table.js';
import type { Cluster } from '../upstream/cluster.js';

/** What an edge's far side is called when it is not known (matches `EdgeStats` on the wire). */
export const UNKNOWN_PEER = 'unknown';

/** The request methods counted by name (OpenTelemetry's known methods); others count as `_OTHER`. */
export const KNOWN_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  '_OTHER',
] as const;
const OTHER_METHOD = KNOWN_METHODS.length - 1;
const METHOD_INDEX = new Map<string, number>(KNOWN_METHODS.map((m, i) => [m, i]));
/** Room for every method index in a cell key (`status * METHOD_SLOTS + method`). */
const METHOD_SLOTS = 16;

const BUCKETS = SNAPSHOT_LATENCY_BOUNDS_MS.length + 1;

/** Distinct inbound callers tracked by name; past this, callers count as `unknown` (a header is untrusted). */
const MAX_INBOUND_SOURCES = 256;
const PEER = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function methodIndex(method: string | undefined): number {
  const index = method === undefined ? undefined : METHOD_INDEX.get(method);
  return index ?? OTHER_METHOD;
}

/** Index of the latency bucket `ms` falls in (upper bounds inclusive; the last one is the overflow). */
export function bucketIndex(ms: number): number {
  const bounds = SNAPSHOT_LATENCY_BOUNDS_MS;
  for (let i = 0; i < bounds.length; i++) if (ms <= bounds[i]) return i;
  return bounds.length;
}

/** `0` stands for a request that got no (complete) answer. Failures: no answer, or 5xx. */
export function isFailure(status: number): boolean {
  return status === 0 || status >= 500;
}

/** One (edge, method, status) series: a count, a duration sum and a latency histogram. */
export class TrafficCell {
  count = 0;
  sumMs = 0;
  readonly buckets = new Float64Array(BUCKETS);
  /** What the last snapshot window took (see `SnapshotWindow`). */
  readonly taken = new Float64Array(BUCKETS);

  constructor(
    readonly edge: TrafficEdge,
    readonly method: (typeof KNOWN_METHODS)[number],
    readonly status: number,
  ) {}

  record(ms: number): void {
    this.count++;
    this.sumMs += ms;
    this.buckets[bucketIndex(ms)]++;
  }
}

/** Traffic between two services through one listener, under one route. */
export class TrafficEdge {
  private readonly byKey = new Map<number, TrafficCell>();

  constructor(
    readonly direction: EdgeDirection,
    /** `<namespace>/<service>` or `unknown`. */
    readonly source: string,
    readonly destination: string,
    /** The compiled route's name (`HTTPRoute/<ns>/<name>#<rule>`, `default/<ns>/<svc>`), '' for none. */
    readonly route: string,
  ) {}

  /** `<ns>/<name>` of the HTTPRoute, for snapshots; undefined for default routes and no route. */
  get httpRoute(): string | undefined {
    return /^HTTPRoute\/([^/]+\/[^#]+)#/.exec(this.route)?.[1];
  }

  record(method: string | undefined, status: number, ms: number): void {
    const m = methodIndex(method);
    const key = status * METHOD_SLOTS + m;
    let cell = this.byKey.get(key);
    if (!cell) {
      cell = new TrafficCell(this, KNOWN_METHODS[m], status);
      this.byKey.set(key, cell);
    }
    cell.record(ms);
  }

  cells(): IterableIterator<TrafficCell> {
    return this.byKey.values();
  }
}

/**
 * Every edge this proxy has seen, kept for the life of the process (counters are cumulative).
 * The request path reaches its edge through maps cached per route and cluster object, so
 * recording builds no string and allocates nothing once an edge exists.
 */
export class TrafficStats {
  private readonly edges = new Map<string, TrafficEdge>();
  private readonly byRoute = new WeakMap<CompiledRoute, Map<Cluster | undefined, TrafficEdge>>();
  private readonly inboundBySource = new Map<string | undefined, TrafficEdge>();
  /** Outbound requests answered before a route matched (bad request, no route, redirect). */
  readonly unrouted: TrafficEdge;

  constructor(
    /** This proxy's `<namespace>/<service>`. */
    readonly self: string,
  ) {
    this.unrouted = this.edge('outbound', self, UNKNOWN_PEER, '');
  }

  /** The edge of an outbound request routed by `route` to `cluster` (undefined: unresolved backend). */
  outbound(route: CompiledRoute, cluster: Cluster | undefined): TrafficEdge {
    let byCluster = this.byRoute.get(route);
    if (!byCluster) {
      byCluster = new Map();
      this.byRoute.set(route, byCluster);
    }
    let edge = byCluster.get(cluster);
    if (!edge) {
      edge = this.edge('outbound', this.self, cluster?.key ?? UNKNOWN_PEER, route.name);
      byCluster.set(cluster, edge);
    }
    return edge;
  }

  /** The edge of an inbound request from `source` (the caller proxy's `x-weft-source`, if any). */
  inbound(source: string | undefined): TrafficEdge {
    let edge = this.inboundBySource.get(source);
    if (!edge) {
      const known =
        source !== undefined &&
        PEER.test(source) &&
        this.inboundBySource.size < MAX_INBOUND_SOURCES;
      edge = this.edge('inbound', known ? source : UNKNOWN_PEER, this.self, '');
      if (known || this.inboundBySource.size < MAX_INBOUND_SOURCES) {
        this.inboundBySource.set(source, edge);
      }
    }
    return edge;
  }

  all(): IterableIterator<TrafficEdge> {
    return this.edges.values();
  }

  /** Edges by value: a new route object for the same route name continues the same counters. */
  private edge(
    direction: EdgeDirection,
    source: string,
    destination: string,
    route: string,
  ): TrafficEdge {
    const key = `${direction}|${source}|${destination}|${route}`;
    let edge = this.edges.get(key);
    if (!edge) {
      edge = new TrafficEdge(direction, source, destination, route);
      this.edges.set(key, edge);
    }
    return edge;
  }
}
