// Per-proxy traffic counters fed once per finished request: cumulative cells per edge, method, status
// and protocol (scheme and HTTP version).
import { SNAPSHOT_LATENCY_BOUNDS_MS, type EdgeDirection } from '@app/protocol';
import type { CompiledRoute, WeightedBackend } from '../routing/route-table.js';
import type { Endpoint, EndpointLocality } from '../upstream/endpoint.js';

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
/** Room for every method index in a cell key (`(status * METHOD_SLOTS + method) * PROTOCOL_SLOTS + protocol`). */
const METHOD_SLOTS = 16;

/** `network.protocol.version` by protocol index (low two bits); undefined: not one of these. */
const PROTOCOL_VERSIONS = ['1.0', '1.1', '2', undefined] as const;
/** The protocol index's bit for TLS (`url.scheme` `https`). */
const TLS = 4;
const PROTOCOL_SLOTS = 8;

/**
 * A request's scheme and HTTP version as one small number, so counting it costs no string:
 * Node's `httpVersion` strings are compared, not parsed.
 */
export function protocolIndex(httpVersion: string, tls: boolean): number {
  const version =
    httpVersion === '1.1' ? 1 : httpVersion === '2.0' ? 2 : httpVersion === '1.0' ? 0 : 3;
  return tls ? version | TLS : version;
}

/** HTTP/1.1 in clear text: what a cell counts when the listener did not say. */
export const HTTP_1_1 = protocolIndex('1.1', false);

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
    /** See `protocolIndex`. */
    readonly protocol: number,
  ) {}

  get scheme(): 'http' | 'https' {
    return this.protocol & TLS ? 'https' : 'http';
  }

  /** `1.0`, `1.1`, `2`; undefined for anything else. */
  get protocolVersion(): string | undefined {
    return PROTOCOL_VERSIONS[this.protocol & 3];
  }

  record(ms: number): void {
    this.count++;
    this.sumMs += ms;
    this.buckets[bucketIndex(ms)]++;
  }
}

/** Destination localities one outbound edge tells apart; past it, the rest count on the edge itself. */
const MAX_LOCALITIES_PER_EDGE = 64;

/** Traffic between two services through one listener, under one route. */
export class TrafficEdge {
  private readonly byKey = new Map<number, TrafficCell>();
  /** By `EndpointLocality.key`: the same edge's requests that reached an endpoint there. */
  private towards: Map<string, TrafficEdge> | undefined;

  constructor(
    readonly direction: EdgeDirection,
    /** `<namespace>/<service>` or `unknown`. */
    readonly source: string,
    readonly destination: string,
    /** The compiled route's name (`HTTPRoute/<ns>/<name>#<rule>`, `default/<ns>/<svc>`), '' for none. */
    readonly route: string,
    /** Outbound: the port of the backendRef (0 when it names none). */
    readonly port = 0,
    /** Where the endpoints this edge counts for run; undefined: not known (no endpoint reached). */
    readonly locality?: EndpointLocality,
    /** The edge this one splits by locality. */
    private readonly base?: TrafficEdge,
  ) {}

  /**
   * This edge's requests sent to `endpoint`, kept apart by the endpoint's cluster, region and zone
   * (the edge itself for an endpoint without locality). A Map lookup once the locality was seen.
   */
  toward(endpoint: Endpoint): TrafficEdge {
    const base = this.base ?? this;
    const locality = endpoint.locality;
    if (locality === undefined) return base;
    const towards = (base.towards ??= new Map<string, TrafficEdge>());
    let edge = towards.get(locality.key);
    if (edge === undefined) {
      if (towards.size >= MAX_LOCALITIES_PER_EDGE) return base;
      const { direction, source, destination, route, port } = base;
      edge = new TrafficEdge(direction, source, destination, route, port, locality, base);
      towards.set(locality.key, edge);
    }
    return edge;
  }

  /** This edge and the edges it split off by locality. */
  *withLocalities(): IterableIterator<TrafficEdge> {
    yield this;
    if (this.towards) yield* this.towards.values();
  }

  /** `<ns>/<name>` of the HTTPRoute, for snapshots; undefined for default routes and no route. */
  get httpRoute(): string | undefined {
    return /^HTTPRoute\/([^/]+\/[^#]+)#/.exec(this.route)?.[1];
  }

  record(method: string | undefined, status: number, ms: number, protocol = HTTP_1_1): void {
    const m = methodIndex(method);
    const key = (status * METHOD_SLOTS + m) * PROTOCOL_SLOTS + protocol;
    let cell = this.byKey.get(key);
    if (!cell) {
      cell = new TrafficCell(this, KNOWN_METHODS[m], status, protocol);
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
  private readonly byRoute = new WeakMap<
    CompiledRoute,
    Map<WeightedBackend | undefined, TrafficEdge>
  >();
  /** By destination, then by caller as it named itself. */
  private readonly inboundByDestination = new Map<string, Map<string | undefined, TrafficEdge>>();
  /** Outbound requests answered before a route matched (bad request, no route, redirect). */
  readonly unrouted: TrafficEdge;

  constructor(
    /** This proxy's `<namespace>/<service>`. */
    readonly self: string,
  ) {
    this.unrouted = this.edge('outbound', self, UNKNOWN_PEER, '');
  }

  /**
   * The edge of an outbound request routed by `route` to `backend` (undefined: every weight 0; a
   * backend without cluster: it resolves to no Service).
   */
  outbound(route: CompiledRoute, backend: WeightedBackend | undefined): TrafficEdge {
    let byBackend = this.byRoute.get(route);
    if (!byBackend) {
      byBackend = new Map();
      this.byRoute.set(route, byBackend);
    }
    let edge = byBackend.get(backend);
    if (!edge) {
      const destination = backend?.cluster?.key ?? UNKNOWN_PEER;
      edge = this.edge('outbound', this.self, destination, route.name, backend?.port ?? 0);
      byBackend.set(backend, edge);
    }
    return edge;
  }

  /**
   * The edge of an inbound request from `source` (the caller proxy's `x-weft-caller`, if any) to
   * `destination` (a node proxy's workload; by default this proxy's own service).
   */
  inbound(source: string | undefined, destination = this.self): TrafficEdge {
    let bySource = this.inboundByDestination.get(destination);
    if (!bySource) {
      bySource = new Map();
      this.inboundByDestination.set(destination, bySource);
    }
    let edge = bySource.get(source);
    if (!edge) {
      const room = bySource.size < MAX_INBOUND_SOURCES;
      const known = source !== undefined && PEER.test(source) && room;
      edge = this.edge('inbound', known ? source : UNKNOWN_PEER, destination, '');
      if (room) bySource.set(source, edge);
    }
    return edge;
  }

  /** Every edge, those split off by destination locality included. */
  *all(): IterableIterator<TrafficEdge> {
    for (const edge of this.edges.values()) yield* edge.withLocalities();
  }

  /** Edges by value: a new route object for the same route name continues the same counters. */
  private edge(
    direction: EdgeDirection,
    source: string,
    destination: string,
    route: string,
    port = 0,
  ): TrafficEdge {
    const key = `${direction}|${source}|${destination}|${route}|${port}`;
    let edge = this.edges.get(key);
    if (!edge) {
      edge = new TrafficEdge(direction, source, destination, route, port);
      this.edges.set(key, edge);
    }
    return edge;
  }
}
