// ProxyMetrics: the traffic cells as OpenTelemetry HTTP series, rendered the way /metrics serves them.
import { describe, expect, it } from '@jest/globals';
import { ProcessMetrics } from '@app/runtime';
import { ClusterRegistry } from '../upstream/cluster-registry.js';
import { endpoint } from '../upstream/endpoint.js';
import type { CompiledRoute } from '../routing/route-table.js';
import { ProxyMetrics, ReasonCounter } from './proxy-metrics.js';
import { KNOWN_METHODS, methodIndex, protocolIndex, TrafficStats } from './traffic-stats.js';

const route: CompiledRoute = {
  name: 'HTTPRoute/shop/api#0',
  backends: [],
  totalWeight: 0,
  mirrors: [],
  timeoutMs: 0,
};

async function rendered(): Promise<{ text: string; metrics: ProxyMetrics; stats: TrafficStats }> {
  const stats = new TrafficStats('shop/web');
  const clusters = new ClusterRegistry();
  const api = clusters.get('shop/api');
  const metrics = new ProxyMetrics(stats, clusters, undefined, {
    overloaded: true,
    shedRequests: 4,
  });
  const out = stats.outbound(route, {
    name: api.key,
    cluster: api,
    port: 8080,
    cumulativeWeight: 1,
  });
  out.record('GET', 200, 0.3);
  out.record('GET', 200, 0.3, protocolIndex('1.1', false));
  out.record('GET', 503, 12);
  out.record('GET', 200, 1, protocolIndex('2.0', true));
  stats.inbound('shop/admin').record('BREW', 0, 4, protocolIndex('0.9', false));
  api.eject(endpoint('api-1', '127.0.0.1', 1), 1_000);
  metrics.upstreamRetries.inc({ reason: 'status_503' });
  const active = new Uint32Array(KNOWN_METHODS.length);
  active[methodIndex('POST')] = 2;
  const limited = new ReasonCounter();
  limited.inc({ reason: 'headers_timeout' }, 2);
  limited.inc({ reason: 'max_connections' });
  metrics.addListener({
    name: 'outbound',
    scheme: 'http',
    activeByMethod: active,
    connections: 3,
    limited,
  });
  const process = new ProcessMetrics();
  process.addProducer(metrics);
  return { text: await process.render(), metrics, stats };
}

/** The sample line of `series` whose labels include all of `labels`. */
function sample(text: string, series: string, labels: string[]): number | undefined {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${series}{`) && labels.every((label) => l.includes(label)));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('ProxyMetrics', () => {
  it('counts outbound requests as http.client.request.duration, by code, route and Service', async () => {
    const { text } = await rendered();
    const ok = [
      'http_request_method="GET"',
      'http_response_status_code="200"',
      'weft_response_status_class="2xx"',
      'http_route="HTTPRoute/shop/api#0"',
      'server_address="api.shop"',
      'server_port="8080"',
      'url_scheme="http"',
      'network_protocol_name="http"',
      'network_protocol_version="1.1"',
      'weft_destination="shop/api"',
    ];
    expect(sample(text, 'http_client_request_duration_count', ok)).toBe(2);
    expect(sample(text, 'http_client_request_duration_sum', ok)).toBeCloseTo(0.0006);
    // Sub-millisecond buckets: both 0.3 ms requests fall under 0.5 ms, none under 0.25 ms.
    expect(sample(text, 'http_client_request_duration_bucket', [...ok, 'le="0.00025"'])).toBe(0);
    expect(sample(text, 'http_client_request_duration_bucket', [...ok, 'le="0.0005"'])).toBe(2);
    expect(sample(text, 'http_client_request_duration_bucket', [...ok, 'le="+Inf"'])).toBe(2);
    expect(
      sample(text, 'http_client_request_duration_count', [
        'http_response_status_code="503"',
        'error_type="503"',
      ]),
    ).toBe(1);
    // HTTP/2 over TLS is a series of its own.
    const h2 = ['url_scheme="https"', 'network_protocol_version="2"'];
    expect(sample(text, 'http_client_request_duration_count', h2)).toBe(1);
  });

  it('splits outbound series by the destination endpoint’s cluster and zone', async () => {
    const stats = new TrafficStats('shop/web');
    const clusters = new ClusterRegistry();
    const api = clusters.get('shop/api');
    const metrics = new ProxyMetrics(stats, clusters);
    const edge = stats.outbound(route, {
      name: api.key,
      cluster: api,
      port: 0,
      cumulativeWeight: 1,
    });
    const east = endpoint('a', '127.0.0.1', 1, 'http', undefined, { cluster: 'east', zone: 'a' });
    const west = endpoint('w', '127.0.0.1', 2, 'http', undefined, { cluster: 'west' });
    // A retry moves the request's edge from the first endpoint's locality to the next one's.
    edge.toward(east).toward(west).record('GET', 200, 1);
    edge.toward(east).record('GET', 200, 1);
    edge.toward(east).record('GET', 200, 1);
    edge.toward(endpoint('x', '127.0.0.1', 3)).record('GET', 503, 1);
    const process = new ProcessMetrics();
    process.addProducer(metrics);
    const text = await process.render();
    const count = (labels: string[]) => sample(text, 'http_client_request_duration_count', labels);
    expect(count(['weft_destination_cluster="east"', 'weft_destination_zone="a"'])).toBe(2);
    expect(count(['weft_destination_cluster="west"'])).toBe(1);
    const unplaced = text
      .split('\n')
      .find((l) => l.startsWith('http_client_request_duration_count{') && l.includes('"503"'));
    expect(unplaced).not.toContain('weft_destination_cluster');
  });

  it('counts inbound requests as http.server.request.duration; no answer has no status code', async () => {
    const { text } = await rendered();
    const line = text.split('\n').find((l) => l.startsWith('http_server_request_duration_count{'));
    expect(line).toContain('http_request_method="_OTHER"');
    expect(line).toContain('error_type="response_incomplete"');
    expect(line).toContain('weft_source="shop/admin"');
    expect(line).not.toContain('http_response_status_code');
    // An HTTP version outside 1.0, 1.1 and 2 is not named.
    expect(line).toContain('network_protocol_name="http"');
    expect(line).not.toContain('network_protocol_version');
  });

  it('reports listener load, retries and ejections', async () => {
    const { text } = await rendered();
    const active = (method: string) =>
      sample(text, 'http_server_active_requests', [
        'weft_listener="outbound"',
        'url_scheme="http"',
        `http_request_method="${method}"`,
      ]);
    // GET always has a series; a method shows once seen in progress.
    expect(active('POST')).toBe(2);
    expect(active('GET')).toBe(0);
    expect(active('PUT')).toBeUndefined();
    expect(sample(text, 'weft_listener_active_connections', ['weft_listener="outbound"'])).toBe(3);
    const limited = (limit: string) =>
      sample(text, 'weft_listener_limited_connections_total', [
        'weft_listener="outbound"',
        `weft_limit="${limit}"`,
      ]);
    expect([limited('headers_timeout'), limited('max_connections')]).toEqual([2, 1]);
    expect(text).toMatch(/^weft_proxy_overloaded 1$/m);
    expect(text).toMatch(/^weft_proxy_overload_shed_requests_total 4$/m);
    expect(sample(text, 'weft_upstream_retries_total', ['weft_retry_reason="status_503"'])).toBe(1);
    expect(sample(text, 'weft_upstream_ejections_total', ['weft_destination="shop/api"'])).toBe(1);
    expect(text).toMatch(/^# TYPE http_client_request_duration histogram$/m);
  });
});
