// GET /v1/stats, GET /v1/stream, `weft stat` and `weft top` against real sidecars and real traffic:
// the numbers are the requests that were sent (counts exact, the share of 5xx, latency quantiles).
import {
  SNAPSHOT_LATENCY_BOUNDS_MS,
  type MeshEvent,
  type MeshStats,
  type ProxyList,
  type ProxyStatus,
} from '@app/protocol';
import { http, json } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { SseClient } from '../support/sse-client.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { cells, lines, startWeft, weft } from '../support/weft-cli.js';

/** Sidecars publish snapshots this often; the control plane keeps a window far longer than the test. */
const SNAPSHOT_INTERVAL_MS = 300;
const WINDOW_MS = 120_000;

const ROUTE = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: api-route }
spec:
  parentRefs: [{ group: "", kind: Service, name: api }]
  rules:
    - backendRefs: [{ name: api, port: 80 }]
`;

/** What the test sends through web's sidecar to api: 200s, 503s (failures), 404s (not), slow 200s. */
const SENT = { ok: 40, failed: 10, notFound: 5, slow: 10 };
const SLOW_MS = 110;
const TOTAL = SENT.ok + SENT.failed + SENT.notFound + SENT.slow;
const SUCCESS = (TOTAL - SENT.failed) / TOTAL;

type Row = MeshStats['services'][number];

describe('mesh stats', () => {
  let mesh: Mesh;
  let server: string;
  const apps: EchoServer[] = [];
  let web: Sidecar;
  /** The longest any fast request took, and any request at all, as the client saw them (ms). */
  let slowestFast = 0;
  let slowest = 0;

  beforeAll(async () => {
    mesh = await Mesh.start();
    server = (await mesh.startControlPlane({ WEFT_STATS_WINDOW_MS: String(WINDOW_MS) })).url;
    const [webApp, apiApp] = await Promise.all([
      new EchoServer('web').start(),
      new EchoServer('api').start(),
    ]);
    apps.push(webApp, apiApp);
    const env = { WEFT_TELEMETRY_INTERVAL_MS: String(SNAPSHOT_INTERVAL_MS) };
    [web] = await Promise.all([
      mesh.startSidecar({ service: 'web', instanceId: 'web-1', appPort: webApp.port, env }),
      mesh.startSidecar({ service: 'api', instanceId: 'api-1', appPort: apiApp.port, env }),
    ]);
    await waitFor('api endpoints', async () =>
      (await mesh.endpointIds('api')).length === 1 ? true : undefined,
    );
    await mesh.converged(await mesh.applyOk(ROUTE), ['web-1', 'api-1']);

    /** Sends one request and returns how long the client waited for all of its answer. */
    const call = async (path: string, status: number): Promise<number> => {
      const sentAt = performance.now();
      const res = await http(`${web.outbound}${path}`, { headers: { host: 'api' } });
      expect(res.status).toBe(status);
      return performance.now() - sentAt;
    };
    const fast: number[] = [];
    for (let i = 0; i < SENT.ok; i++) fast.push(await call('/hello', 200));
    for (let i = 0; i < SENT.failed; i++) fast.push(await call('/status/503', 503));
    for (let i = 0; i < SENT.notFound; i++) fast.push(await call('/status/404', 404));
    const slow = await Promise.all(
      Array.from({ length: SENT.slow }, () => call(`/slow?ms=${SLOW_MS}`, 200)),
    );
    slowestFast = Math.max(...fast);
    slowest = Math.max(slowestFast, ...slow);
    await waitFor(
      'every request in GET /v1/stats',
      async () => {
        const stats = await json<MeshStats>(`${server}/v1/stats`);
        return service(stats, 'default/api')?.requests === TOTAL &&
          stats.edges.find((e) => e.destination === 'default/api')?.requests === TOTAL
          ? true
          : undefined;
      },
      15_000,
    );
    // A few more snapshots: nothing may be counted twice.
    await sleep(3 * SNAPSHOT_INTERVAL_MS);
  });

  afterAll(async () => {
    await Promise.all(apps.map((s) => s.stop()));
    await mesh.stop();
  });

  const service = (stats: MeshStats, name: string): Row | undefined =>
    stats.services.find((s) => s.service === name);

  it('counts every request per Service, per edge and per route, with its share of 5xx', async () => {
    const stats = await json<MeshStats>(`${server}/v1/stats`);
    expect(stats.windowMs).toBe(WINDOW_MS);
    const api = service(stats, 'default/api')!;
    expect(api).toMatchObject({ requests: TOTAL });
    expect(api.successRate).toBeCloseTo(SUCCESS, 10);
    // Nothing called web through its inbound listener.
    expect(service(stats, 'default/web')).toBeUndefined();

    expect(stats.edges).toEqual([
      expect.objectContaining({
        source: 'default/web',
        destination: 'default/api',
        requests: TOTAL,
      }),
    ]);
    expect(stats.edges[0].successRate).toBeCloseTo(SUCCESS, 10);
    expect(stats.routes).toEqual([
      expect.objectContaining({
        route: 'default/api-route',
        destination: 'default/api',
        requests: TOTAL,
      }),
    ]);

    // A rate is the count over the time its proxy's snapshots cover (stats-window.spec.ts checks
    // the sum on a fake clock): the edge and the route come from the same snapshots of web-1.
    expect(api.rps).toBeGreaterThan(0);
    expect(stats.edges[0].rps).toBeGreaterThan(0);
    expect(stats.routes[0].rps).toBe(stats.edges[0].rps);
  });

  it('takes latency quantiles from the merged buckets', async () => {
    const stats = await json<MeshStats>(`${server}/v1/stats`);
    // A proxy times a request within the client's wait for it, and a quantile lies within its
    // bucket. 55 of 65 requests are fast: p50 ranks at most as slow as the slowest of them. 10
    // waited SLOW_MS at the app: p95 ranks among them (nothing about how fast this machine is).
    for (const row of [service(stats, 'default/api')!, stats.edges[0]]) {
      expect(row.p50Ms).toBeLessThanOrEqual(bucketCeiling(slowestFast));
      expect(row.p95Ms).toBeGreaterThanOrEqual(bucketFloor(SLOW_MS));
      expect(row.p99Ms).toBeGreaterThanOrEqual(row.p95Ms!);
      expect(row.p99Ms).toBeLessThanOrEqual(bucketCeiling(slowest));
    }
  });

  it('weft stat prints the golden signals per Service and per edge', async () => {
    const run = await weft(['stat'], { server });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out[0]).toBe(`control plane ${server}, last ${WINDOW_MS / 1000}s`);
    expect(cells(out[1])).toEqual(['SERVICE', 'RPS', 'SUCCESS', 'P50', 'P95', 'P99', 'REQUESTS']);
    const api = cells(out.find((l) => l.startsWith('api.default'))!);
    expect(api[2]).toBe(`${(SUCCESS * 100).toFixed(2)}%`);
    expect(api[6]).toBe(String(TOTAL));
    const edge = cells(out.find((l) => l.startsWith('web.default'))!);
    expect(edge.slice(0, 2)).toEqual(['web.default', 'api.default']);
    expect(edge[7]).toBe(String(TOTAL));

    const asJson = await weft(['stat', '-o', 'json'], { server });
    expect(asJson.code).toBe(0);
    const stats = JSON.parse(asJson.stdout) as MeshStats;
    expect(service(stats, 'default/api')?.requests).toBe(TOTAL);
  });

  it('weft top --once prints the table per route and exits', async () => {
    const run = await weft(['top', '--once'], { server });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('\x1b');
    const out = lines(run.stdout);
    expect(out[0]).toMatch(
      new RegExp(`^weft top  ${server}  last ${WINDOW_MS / 1000}s  \\d\\d:\\d\\d:\\d\\d$`),
    );
    expect(cells(out[1])).toEqual([
      'ROUTE',
      'SERVICE',
      'RPS',
      'SUCCESS',
      'P50',
      'P95',
      'P99',
      'REQUESTS',
    ]);
    const row = cells(out[2]);
    expect(row.slice(0, 2)).toEqual(['default/api-route', 'api.default']);
    expect(row[3]).toBe(`${(SUCCESS * 100).toFixed(2)}%`);
    expect(row[7]).toBe(String(TOTAL));
  });

  it('weft top refreshes until interrupted, then exits cleanly', async () => {
    const run = startWeft(['top', '--interval', '0.3'], { server });
    const frameCount = (out: string) =>
      out.split('\n').filter((l) => l.startsWith('weft top  ')).length;
    // Piped output: frames follow one another; wait for a few, then Ctrl-C.
    await waitFor('three frames', () => (frameCount(run.output()) >= 3 ? true : undefined));
    run.child.kill('SIGINT');
    const done = await run.done;
    expect(done.code).toBe(0);
    expect(frameCount(done.stdout)).toBeGreaterThanOrEqual(3);
  });

  it('weft top in a terminal redraws in place, and Ctrl-C restores the cursor and exits 0', async () => {
    const run = startWeft(['top', '--interval', '0.3'], { server, terminal: true });
    const clear = '\x1b[H\x1b[2J';
    await waitFor('three frames on the terminal', () =>
      run.output().split(clear).length > 3 ? true : undefined,
    );
    run.child.stdin?.write('\x03');
    const done = await run.done;
    expect(done.code).toBe(0);
    const screens = done.stdout.split(clear);
    expect(screens.length).toBeGreaterThanOrEqual(4);
    expect(screens[0]).toBe('\x1b[?25l');
    expect(screens.at(-1)).toMatch(/^weft top {2}/);
    expect(screens.at(-1)).toContain('default/api-route');
    expect(done.stdout.trimEnd().endsWith('\x1b[?25h')).toBe(true);
  });

  it('streams stats, proxy status changes and config events, and lets go of a client', async () => {
    const stream = new SseClient();
    const opened = await stream.open(`${server}/v1/stream`);
    expect(opened.status).toBe(200);
    expect(opened.contentType).toContain('text/event-stream');
    const proxies = await stream.waitFor<ProxyList>('proxies');
    expect(proxies.items.map((p) => [p.id, p.status])).toEqual([
      ['api-1', 'ACK'],
      ['web-1', 'ACK'],
    ]);
    await stream.waitFor<MeshStats>('stats', (s) =>
      s.services.some((x) => x.service === 'default/api' && x.requests === TOTAL),
    );
    expect(await followers()).toBe(1);

    // An apply: the stream shows its event, then each proxy's ACK of the new revision.
    const revision = await mesh.applyOk(`apiVersion: v1
kind: Service
metadata: { name: api-v1 }
spec: { selector: { app: api } }
`);
    const applied = await stream.waitFor<MeshEvent>(
      'event',
      (e) => e.name === 'config.applied' && e.data.revision === revision,
    );
    expect(applied.data).toMatchObject({
      results: [{ resource: 'Service/default/api-v1', action: 'created' }],
    });
    for (const id of ['api-1', 'web-1']) {
      await stream.waitFor<ProxyStatus>('proxy', (p) => p.id === id && p.revision === revision);
    }
    // Stats keep coming every few seconds.
    const ticks = stream.events.filter((e) => e.type === 'stats').length;
    await waitFor('another stats event', () =>
      stream.events.filter((e) => e.type === 'stats').length > ticks ? true : undefined,
    );

    await stream.close();
    await waitFor('the control plane to let go of the client', async () =>
      (await followers()) === 0 ? true : undefined,
    );
  });

  it('counts garbage and spoofed snapshots as invalid, never as traffic', async () => {
    // From inside the trust boundary (the control plane's rights): events too get through.
    const nc = await mesh.natsClient();
    const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
    const spoofed = {
      v: 1,
      proxyId: 'api-1',
      mode: 'sidecar',
      namespace: 'default',
      service: 'api',
      windowMs: 1_000,
      sentAt: Date.now(),
      edges: [
        {
          direction: 'inbound',
          source: 'unknown',
          destination: 'default/api',
          requests: 1_000,
          failures: 0,
          latencyBuckets: SNAPSHOT_LATENCY_BOUNDS_MS.map(() => 0).concat(1_000),
        },
      ],
    };
    nc.publish('weft.v1.telemetry.metrics.default.evil.evil', new Uint8Array([0xff, 0x00]));
    nc.publish('weft.v1.telemetry.metrics.default.evil.evil', bytes({ v: 1, proxyId: 'evil' }));
    nc.publish('weft.v1.telemetry.metrics.default.evil.evil', bytes(spoofed));
    nc.publish('weft.v1.events.bogus', bytes(['not', 'an', 'object']));
    await nc.flush();
    await nc.close();
    await waitFor('the control plane to count the garbage', async () =>
      (await invalid('metrics')) === 3 && (await invalid('event')) === 1 ? true : undefined,
    );
    const stats = await json<MeshStats>(`${server}/v1/stats`);
    expect(service(stats, 'default/api')?.requests).toBe(TOTAL);
    expect(mesh.controlPlane().proc.running).toBe(true);
  });

  async function invalid(source: string): Promise<number> {
    const res = await http(`${server}/metrics`);
    const prefix = `weft_invalid_messages_total{source="${source}"}`;
    const line = res.body.split('\n').find((l) => l.startsWith(prefix));
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  }

  /** `weft_stream_clients` on the control plane's /metrics. */
  async function followers(): Promise<number> {
    const res = await http(`${server}/metrics`);
    const line = res.body.split('\n').find((l) => l.startsWith('weft_stream_clients'));
    return Number(line?.split(' ').at(-1));
  }
});

/** The upper bound of the snapshot bucket `ms` falls in (its last bound, past the last bucket). */
function bucketCeiling(ms: number): number {
  return (
    SNAPSHOT_LATENCY_BOUNDS_MS.find((bound) => bound >= ms) ?? SNAPSHOT_LATENCY_BOUNDS_MS.at(-1)!
  );
}

/** The lower bound of the snapshot bucket `ms` falls in. */
function bucketFloor(ms: number): number {
  return [0, ...SNAPSHOT_LATENCY_BOUNDS_MS].findLast((bound) => bound < ms) ?? 0;
}
