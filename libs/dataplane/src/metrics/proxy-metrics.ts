// The proxy's OpenTelemetry series, built at scrape time from the counters the request path keeps.
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type DataPoint,
  type Histogram,
  type HistogramMetricData,
  type MetricData,
  type MetricProducer,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import { parseServiceKey, SNAPSHOT_LATENCY_BOUNDS_MS } from '@app/protocol';
import type { AuthzDecisions } from '../authorization/authz-decisions.js';
import type { ClusterRegistry } from '../upstream/cluster-registry.js';
import {
  KNOWN_METHODS,
  methodIndex,
  type TrafficCell,
  type TrafficStats,
} from './traffic-stats.js';

/** The snapshot buckets in seconds: sub-millisecond at the low end, for hops that cost µs. */
const BOUNDS_S = SNAPSHOT_LATENCY_BOUNDS_MS.map((ms) => ms / 1000);

/** Counts by reason, for events too rare to need more (retries, overflows). */
export class ReasonCounter {
  private readonly counts = new Map<string, number>();

  inc({ reason }: { reason: string }, by = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + by);
  }

  entries(): IterableIterator<[string, number]> {
    return this.counts.entries();
  }
}

/** What a listener tells the metrics about its load. */
export interface ListenerLoad {
  readonly name: string;
  readonly scheme: 'http' | 'https';
  /** Requests in progress by method, indexed as `KNOWN_METHODS`. */
  readonly activeByMethod: ArrayLike<number>;
  /** Client connections open. */
  readonly connections: number;
  /** Connections refused or closed by a limit, by limit. */
  readonly limited: ReasonCounter;
}

/** What the metrics say of the overload manager. */
export interface OverloadState {
  readonly overloaded: boolean;
  readonly shedRequests: number;
}

/** GET always has a series; another method once a scrape saw it in progress (it then stays). */
const GET = methodIndex('GET');

/**
 * Request counts and durations per (direction, source, destination, route, method, status,
 * protocol), the way OpenTelemetry's HTTP semantic conventions name them:
 * `http.server.request.duration` for what the mesh sent to the local app (inbound),
 * `http.client.request.duration` for what was sent into the mesh (outbound); their `_count` is the
 * request count by status code. `http.route` is the matched HTTPRoute rule
 * (`HTTPRoute/<ns>/<name>#<rule>`, `default/<ns>/<service>`): Gateway API rules match by prefix,
 * exact path or regex, several per rule, so there is no path template, and the rule id is as
 * low-cardinality as the config.
 */
export class ProxyMetrics implements MetricProducer {
  /** Requests re-sent (`status_<code>`, `connect_failure`, `stale_connection`). */
  readonly upstreamRetries = new ReasonCounter();
  /** Requests refused, or retries not made, because a circuit breaker or retry budget was full. */
  readonly upstreamOverflows = new ReasonCounter();
  private readonly listeners: ListenerLoad[] = [];
  /** Per listener, the method indexes that have an active-requests series. */
  private readonly activeSeries = new Map<ListenerLoad, Set<number>>();
  private readonly startTime: HrTime = hrTime();

  constructor(
    private readonly stats: TrafficStats,
    private readonly clusters: ClusterRegistry,
    /** Inbound AuthorizationPolicy decisions; a proxy without inbound workloads has none. */
    private readonly authz?: AuthzDecisions,
    private readonly overload?: OverloadState,
  ) {}

  addListener(listener: ListenerLoad): void {
    this.listeners.push(listener);
    this.activeSeries.set(listener, new Set([GET]));
  }

  collect(): Promise<CollectionResult> {
    const now = hrTime();
    const server: DataPoint<Histogram>[] = [];
    const client: DataPoint<Histogram>[] = [];
    for (const edge of this.stats.all()) {
      for (const cell of edge.cells()) {
        const outbound = edge.direction === 'outbound';
        (outbound ? client : server).push(this.point(now, cellAttributes(cell, outbound), cell));
      }
    }
    const metrics: MetricData[] = [
      histogram(
        'http.server.request.duration',
        'Requests the mesh sent to the local app (inbound), from request start to response end',
        server,
      ),
      histogram(
        'http.client.request.duration',
        'Requests sent into the mesh (outbound), from request start to response end',
        client,
      ),
      this.sum(
        now,
        'http.server.active_requests',
        'Requests in progress at a listener',
        '{request}',
        { monotonic: false, points: this.activeRequests() },
      ),
      this.sum(
        now,
        'weft.listener.active_connections',
        'Client connections open at a listener',
        '{connection}',
        {
          monotonic: false,
          points: this.listeners.map((l) => [{ 'weft.listener': l.name }, l.connections]),
        },
      ),
      this.sum(
        now,
        'weft.listener.limited_connections',
        'Client connections a listener refused or closed because of a limit (max_connections, overload, headers_timeout)',
        '{connection}',
        {
          monotonic: true,
          points: this.listeners.flatMap((l) =>
            [...l.limited.entries()].map(([limit, n]): [Attributes, number] => [
              { 'weft.listener': l.name, 'weft.limit': limit },
              n,
            ]),
          ),
        },
      ),
      this.sum(
        now,
        'weft.proxy.overloaded',
        'Whether the overload manager refuses new connections or sheds new requests (1) or not (0)',
        '1',
        { monotonic: false, points: [[{}, this.overload?.overloaded ? 1 : 0]] },
      ),
      this.sum(
        now,
        'weft.proxy.overload_shed_requests',
        'Requests answered 503 overloaded because memory, heap or event-loop lag was past its threshold',
        '{request}',
        { monotonic: true, points: [[{}, this.overload?.shedRequests ?? 0]] },
      ),
      this.sum(now, 'weft.upstream.retries', 'Requests re-sent upstream, by reason', '{request}', {
        monotonic: true,
        points: [...this.upstreamRetries.entries()].map(([reason, n]) => [
          { 'weft.retry.reason': reason },
          n,
        ]),
      }),
      this.sum(
        now,
        'weft.upstream.overflows',
        'Requests refused, or retries not made, because a circuit breaker or retry budget was full',
        '{request}',
        {
          monotonic: true,
          points: [...this.upstreamOverflows.entries()].map(([reason, n]) => [
            { 'weft.overflow.reason': reason },
            n,
          ]),
        },
      ),
      this.sum(
        now,
        'weft.upstream.ejections',
        'Endpoints this proxy ejected (refused connections, outlier detection), per upstream Service',
        '{ejection}',
        {
          monotonic: true,
          points: [...this.clusters.keys()].map((key) => [
            { 'weft.destination': key },
            this.clusters.get(key).ejections,
          ]),
        },
      ),
      this.sum(
        now,
        'weft.authz.decisions',
        'Inbound requests decided by AuthorizationPolicies, by decision (allow, deny, audit) and deciding policy (none: no policy matched)',
        '{request}',
        {
          monotonic: true,
          points: [...(this.authz?.all() ?? [])].map((c) => [
            { decision: c.decision, policy: c.policy },
            c.count,
          ]),
        },
      ),
    ];
    return Promise.resolve({
      resourceMetrics: {
        resource: emptyResource(),
        scopeMetrics: [{ scope: { name: 'weft.dataplane' }, metrics }],
      },
      errors: [],
    });
  }

  /** By listener, method and scheme (semconv's required attributes). */
  private activeRequests(): [Attributes, number][] {
    const points: [Attributes, number][] = [];
    for (const listener of this.listeners) {
      const series = this.activeSeries.get(listener)!;
      const active = listener.activeByMethod;
      for (let m = 0; m < KNOWN_METHODS.length; m++) if (active[m] > 0) series.add(m);
      for (const m of series) {
        const attributes = {
          'http.request.method': KNOWN_METHODS[m],
          'url.scheme': listener.scheme,
          'weft.listener': listener.name,
        };
        points.push([attributes, active[m]]);
      }
    }
    return points;
  }

  private point(now: HrTime, attributes: Attributes, cell: TrafficCell): DataPoint<Histogram> {
    return {
      startTime: this.startTime,
      endTime: now,
      attributes,
      value: {
        buckets: { boundaries: BOUNDS_S, counts: Array.from(cell.buckets) },
        sum: cell.sumMs / 1000,
        count: cell.count,
      },
    };
  }

  private sum(
    now: HrTime,
    name: string,
    description: string,
    unit: string,
    data: { monotonic: boolean; points: [Attributes, number][] },
  ): SumMetricData {
    return {
      descriptor: { name, description, unit, valueType: ValueType.INT },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: data.monotonic,
      dataPoints: data.points.map(([attributes, value]) => ({
        startTime: this.startTime,
        endTime: now,
        attributes,
        value,
      })),
    };
  }
}

function histogram(
  name: string,
  description: string,
  dataPoints: DataPoint<Histogram>[],
): HistogramMetricData {
  return {
    descriptor: { name, description, unit: 's', valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints,
  };
}

/** Semantic-convention attributes of a cell, plus `weft.*` ones for the mesh's own terms. */
function cellAttributes(cell: TrafficCell, outbound: boolean): Attributes {
  const { edge, status } = cell;
  const attributes: Attributes = {
    'http.request.method': cell.method,
    'url.scheme': cell.scheme,
    'network.protocol.name': 'http',
    'weft.source': edge.source,
    'weft.destination': edge.destination,
  };
  const version = cell.protocolVersion;
  if (version !== undefined) attributes['network.protocol.version'] = version;
  if (status > 0) {
    attributes['http.response.status_code'] = status;
    attributes['weft.response.status_class'] = `${Math.floor(status / 100)}xx`;
  } else {
    attributes['weft.response.status_class'] = 'none';
  }
  // Semconv: 5xx on both sides (a proxy answers for the server), and no answer at all.
  if (status === 0) attributes['error.type'] = 'response_incomplete';
  else if (status >= 500) attributes['error.type'] = String(status);
  if (edge.route) attributes['http.route'] = edge.route;
  const locality = edge.locality;
  if (locality) {
    attributes['weft.destination.cluster'] = locality.cluster;
    if (locality.region !== undefined) attributes['weft.destination.region'] = locality.region;
    if (locality.zone !== undefined) attributes['weft.destination.zone'] = locality.zone;
  }
  const destination = outbound ? parseServiceKey(edge.destination) : undefined;
  if (destination) {
    attributes['server.address'] = `${destination.name}.${destination.namespace}`;
    if (edge.port > 0) attributes['server.port'] = edge.port;
  }
  return attributes;
}
