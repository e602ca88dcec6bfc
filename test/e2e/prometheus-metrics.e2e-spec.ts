// /metrics of every component passes the real `promtool check metrics`, and its series count what
// was sent: requests by route, Service and status (a 5xx and both kinds of 404 included), proxies.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { http } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { serviceRoute } from '../support/manifests.js';
import { freePort } from '../support/free-port.js';
import { Mesh, type Router, type Sidecar } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';

/** Debian's `prometheus` package; CI installs it (.ci/run). */
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));

const ROUTE = serviceRoute('api-route', 'api');

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = value;
    }
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of the one sample of `name` whose labels include `labels`; 0 when there is none. */
function value(samples: Sample[], name: string, labels: Record<string, string>): number {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match`);
  return found[0]?.value ?? 0;
}

describe('Prometheus metrics', () => {
  let mesh: Mesh;
  const apps: EchoServer[] = [];
  let web: Sidecar;
  let api: Sidecar;
  let router: Router;
  let routerUrl: string;

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    const [webApp, apiApp] = await Promise.all([
      new EchoServer('web').start(),
      new EchoServer('api').start(),
    ]);
    apps.push(webApp, apiApp);
    [web, api] = await Promise.all([
      mesh.startSidecar({ service: 'web', instanceId: 'web-1', appPort: webApp.port }),
      mesh.startSidecar({ service: 'api', instanceId: 'api-1', appPort: apiApp.port }),
    ]);
    await waitFor('api endpoints', async () =>
      (await mesh.endpointIds('api')).length === 1 ? true : undefined,
    );
    const listen = await freePort();
    router = await mesh.startRouter('r1', {
      WEFT_MODE: 'router',
      WEFT_LISTEN_PORT: String(listen),
    });
    routerUrl = `http://127.0.0.1:${listen}`;
    await mesh.converged(await mesh.applyOk(ROUTE), ['web-1', 'api-1', 'r1']);
  });

  afterAll(async () => {
    await Promise.all(apps.map((s) => s.stop()));
    await mesh.stop();
  });

  const call = async (path: string, host = 'api'): Promise<number> =>
    (await http(`${web.outbound}${path}`, { headers: { host } })).status;

  const scrape = async (adminPort: number): Promise<string> => {
    const res = await http(`http://127.0.0.1:${adminPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    return res.body;
  };

  /** The real `promtool check metrics` on each component's exposition: no finding at all. */
  const expectPromtoolPasses = async (components: Record<string, number>): Promise<void> => {
    for (const [component, port] of Object.entries(components)) {
      const text = await scrape(port);
      const check = spawnSync(PROMTOOL!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect({ component, status: check.status, output: check.stdout + check.stderr }).toEqual({
        component,
        status: 0,
        output: '',
      });
    }
  };

  it('passes promtool check metrics on every component, after traffic of every kind', async () => {
    expect(PROMTOOL).toBeDefined();
    for (let i = 0; i < 5; i++) expect(await call('/hello')).toBe(200);
    expect(await call('/status/500')).toBe(500);
    expect(await call('/status/404')).toBe(404);
    expect(await call('/', 'nowhere')).toBe(404);
    expect((await http(`${routerUrl}/hello`, { headers: { host: 'api' } })).status).toBe(200);
    const components = {
      'control-plane': mesh.controlPlane().adminPort,
      'sidecar web-1': web.adminPort,
      'sidecar api-1': api.adminPort,
      'router r1': router.adminPort,
    };
    await expectPromtoolPasses(components);
  });

  it('counts requests by route, destination and status code on both sidecars', async () => {
    const before = parse(await scrape(web.adminPort));
    const outbound = {
      http_route: 'HTTPRoute/default/api-route#0',
      weft_source: 'default/web',
      weft_destination: 'default/api',
      server_address: 'api.default',
      server_port: '80',
      http_request_method: 'GET',
      url_scheme: 'http',
      network_protocol_name: 'http',
      network_protocol_version: '1.1',
    };
    const count = (samples: Sample[], status: string): number =>
      value(samples, 'http_client_request_duration_count', {
        ...outbound,
        http_response_status_code: status,
      });
    for (let i = 0; i < 7; i++) await call('/hello');
    await call('/status/503');
    await call('/', 'nowhere');

    const after = parse(await scrape(web.adminPort));
    expect(count(after, '200') - count(before, '200')).toBe(7);
    expect(count(after, '503') - count(before, '503')).toBe(1);
    const failed = { ...outbound, http_response_status_code: '503', error_type: '503' };
    expect(value(after, 'http_client_request_duration_count', failed)).toBe(1);
    const unrouted = {
      weft_destination: 'unknown',
      http_response_status_code: '404',
      weft_response_status_class: '4xx',
    };
    const noRoute = (s: Sample[]): number =>
      value(s, 'http_client_request_duration_count', unrouted);
    expect(noRoute(after) - noRoute(before)).toBe(1);
    // Histogram consistency: +Inf bucket equals the count.
    expect(
      value(after, 'http_client_request_duration_bucket', {
        ...outbound,
        http_response_status_code: '200',
        le: '+Inf',
      }),
    ).toBe(count(after, '200'));

    // The callee saw the same requests, from web (every 200 of both tests: 5 + 7).
    const served = parse(await scrape(api.adminPort));
    const inbound = { weft_source: 'default/web', weft_destination: 'default/api' };
    expect(
      value(served, 'http_server_request_duration_count', {
        ...inbound,
        http_response_status_code: '200',
      }),
    ).toBe(12);
    expect(value(served, 'weft_nats_connected', {})).toBe(1);
    expect(value(served, 'weft_config_revision', {})).toBeGreaterThan(0);
  });

  it('counts proxies by ACK state and applies on the control plane', async () => {
    const samples = parse(await scrape(mesh.controlPlane().adminPort));
    expect(
      value(samples, 'weft_proxies', { weft_ack_status: 'ACK', weft_proxy_stale: 'false' }),
    ).toBe(3);
    expect(
      value(samples, 'weft_proxies', { weft_ack_status: 'NACK', weft_proxy_stale: 'false' }),
    ).toBe(0);
    expect(value(samples, 'weft_instances', {})).toBe(2);
    expect(
      samples
        .filter((s) => s.name === 'weft_config_applies_total' && s.labels.result === 'applied')
        .reduce((sum, s) => sum + s.value, 0),
    ).toBe(1);
    expect(value(samples, 'target_info', { service_name: 'weft-control-plane' })).toBe(1);
  });

  it("serves the Node runtime's series on every component", async () => {
    const components = {
      'control-plane': mesh.controlPlane().adminPort,
      'sidecar web-1': web.adminPort,
      'router r1': router.adminPort,
    };
    for (const [component, port] of Object.entries(components)) {
      // Event-loop delay is sampled every 10 ms and reset at each scrape; GC pauses come as they happen.
      const samples = await waitFor(`runtime series of ${component}`, async () => {
        const found = parse(await scrape(port));
        const names = new Set(found.map((s) => s.name));
        return names.has('nodejs_eventloop_lag_p99_seconds') &&
          names.has('nodejs_gc_duration_seconds_count')
          ? found
          : undefined;
      });
      for (const name of [
        'process_cpu_seconds_total',
        'process_start_time_seconds',
        'process_resident_memory_bytes',
        'process_open_fds',
        'nodejs_heap_size_total_bytes',
        'nodejs_heap_size_used_bytes',
        'nodejs_external_memory_bytes',
      ]) {
        expect({ component, name, value: value(samples, name, {}) > 0 }).toEqual({
          component,
          name,
          value: true,
        });
      }
      for (const name of ['mean', 'p50', 'p99', 'max']) {
        expect(value(samples, `nodejs_eventloop_lag_${name}_seconds`, {})).toBeGreaterThanOrEqual(
          0,
        );
      }
      expect(
        samples.some((s) => s.name === 'nodejs_gc_duration_seconds_count' && s.value > 0),
      ).toBe(true);
    }
  });

  it('passes promtool on an edge router and a node proxy too, their requests counted', async () => {
    // Runs last: the proxies and instances it adds would change the counts above.
    const gatewayPort = await freePort();
    const revision = await mesh.applyOk(`
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: edge }
spec:
  gatewayClassName: weft
  listeners: [{ name: http, port: ${gatewayPort}, protocol: HTTP }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: edge-api }
spec:
  parentRefs: [{ name: edge }]
  rules: [{ backendRefs: [{ name: api, port: 80 }] }]
`);
    const shopApp = await new EchoServer('shop').start();
    apps.push(shopApp);
    const [edge, node] = await Promise.all([
      mesh.startRouter('edge1', { WEFT_MODE: 'edge', WEFT_GATEWAY: 'edge' }),
      mesh.startSidecar({
        service: '',
        instanceId: 'node-1',
        appPort: 0,
        env: {
          WEFT_MODE: 'node',
          WEFT_APP_PORT: '',
          // As the chart fills it from the downward API.
          OTEL_RESOURCE_ATTRIBUTES:
            'k8s.pod.name=weft-node-proxy-x7k2p,k8s.namespace.name=weft-system,k8s.node.name=worker-1',
          WEFT_WORKLOADS: JSON.stringify([
            { service: 'shop', instanceId: 'shop-1', appPort: shopApp.port },
          ]),
        },
      }),
    ]);
    await mesh.converged(revision, ['edge1', 'node-1']);
    await waitFor('shop endpoints', async () =>
      (await mesh.endpointIds('shop')).length === 1 ? true : undefined,
    );
    const gateway = `http://127.0.0.1:${gatewayPort}`;
    await waitFor('the edge listener', async () =>
      (await http(`${gateway}/hello`).catch(() => ({ status: 0 }))).status === 200
        ? true
        : undefined,
    );
    expect(await call('/hello', 'shop')).toBe(200);
    expect((await http(`${node.outbound}/hello`, { headers: { host: 'api' } })).status).toBe(200);

    await expectPromtoolPasses({ edge: edge.adminPort, node: node.adminPort });
    const edgeSamples = parse(await scrape(edge.adminPort));
    const viaGateway = {
      http_route: 'HTTPRoute/default/edge-api#0',
      weft_destination: 'default/api',
      server_address: 'api.default',
      server_port: '80',
      url_scheme: 'http',
      network_protocol_version: '1.1',
      http_response_status_code: '200',
    };
    expect(value(edgeSamples, 'http_client_request_duration_count', viaGateway)).toBeGreaterThan(0);
    const nodeSamples = parse(await scrape(node.adminPort));
    expect(
      value(nodeSamples, 'target_info', {
        k8s_pod_name: 'weft-node-proxy-x7k2p',
        k8s_namespace_name: 'weft-system',
        k8s_node_name: 'worker-1',
        service_instance_id: 'node-1',
      }),
    ).toBe(1);
    const intoShop = {
      weft_source: 'default/web',
      weft_destination: 'default/shop',
      url_scheme: 'http',
      network_protocol_name: 'http',
      http_response_status_code: '200',
    };
    expect(value(nodeSamples, 'http_server_request_duration_count', intoShop)).toBe(1);
    const fromNode = { weft_destination: 'default/api', http_response_status_code: '200' };
    expect(value(nodeSamples, 'http_client_request_duration_count', fromNode)).toBe(1);
    expect(
      value(nodeSamples, 'http_server_active_requests', {
        http_request_method: 'GET',
        url_scheme: 'http',
        weft_listener: 'inbound-shop-1',
      }),
    ).toBe(0);
  });
});
