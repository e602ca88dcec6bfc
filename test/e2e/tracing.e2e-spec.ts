// Tracing and access logs: one trace of four spans for a request through two sidecars, W3C context
// kept or created, one client span per try when a route retries (OpenTelemetry's HTTP client spans:
// one per physical request), and the same trace id in the access log records on stdout and on the bus.
import type { AccessRecord } from '@app/dataplane';
import { http } from '../support/admin-client.js';
import { EchoServer, type EchoReply } from '../support/echo-server.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { OtlpCollector, type ReceivedSpan } from '../support/otlp-collector.js';
import { waitFor } from '../support/wait-for.js';

const SERVER = 2;
const CLIENT = 3;

/** Service `c` retries a 503 (its app answers 503 to every second `/flaky` request). */
const RETRYING_ROUTE = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: c-retries }
spec:
  parentRefs: [{ kind: Service, name: c }]
  rules:
    - backendRefs: [{ name: c }]
      retry: { codes: [503], attempts: 1, backoff: 5ms }
`;

describe('tracing through the mesh', () => {
  let mesh: Mesh;
  let collector: OtlpCollector;
  const apps: EchoServer[] = [];
  let a: Sidecar;

  beforeAll(async () => {
    collector = await new OtlpCollector().start();
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      WEFT_ACCESS_LOG: 'stdout',
    };
    const [appA, appB, appC] = await Promise.all([
      new EchoServer('a').start(),
      new EchoServer('b').start(),
      new EchoServer('c').start(),
    ]);
    apps.push(appA, appB, appC);
    [a] = await Promise.all([
      mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: appA.port, env: otel }),
      mesh.startSidecar({ service: 'b', instanceId: 'b1', appPort: appB.port, env: otel }),
      mesh.startSidecar({ service: 'c', instanceId: 'c1', appPort: appC.port, env: otel }),
    ]);
    await waitFor('b and c endpoints', async () =>
      (await mesh.endpointIds('b')).length === 1 && (await mesh.endpointIds('c')).length === 1
        ? true
        : undefined,
    );
    await mesh.converged(await mesh.applyOk(RETRYING_ROUTE), ['a1']);
  });

  afterAll(async () => {
    await Promise.all(apps.map((s) => s.stop()));
    await collector.stop();
    await mesh.stop();
  });

  /** Sends A → b and returns the traceparent the application received. */
  async function traced(headers: Record<string, string> = {}): Promise<string[]> {
    const res = await http(`${a.outbound}/traced`, { headers: { host: 'b', ...headers } });
    expect(res.status).toBe(200);
    const received = String((JSON.parse(res.body) as EchoReply).headers.traceparent);
    expect(received).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    return received.split('-');
  }

  async function fourSpans(traceId: string): Promise<ReceivedSpan[]> {
    return waitFor('four spans of the trace', () => {
      const spans = collector.trace(traceId);
      return spans.length >= 4 ? spans : undefined;
    });
  }

  it('creates a trace when the caller sent none: client → sidecar → sidecar → app', async () => {
    const [, traceId, appParent] = await traced();
    const spans = await fourSpans(traceId);
    expect(spans).toHaveLength(4);
    const find = (service: string, kind: number) =>
      spans.find((s) => s.service === service && s.kind === kind)!;
    const aServer = find('a.default', SERVER);
    const aClient = find('a.default', CLIENT);
    const bServer = find('b.default', SERVER);
    const bClient = find('b.default', CLIENT);
    expect(aServer.parentSpanId ?? '').toBe('');
    expect(aClient.parentSpanId).toBe(aServer.spanId);
    expect(bServer.parentSpanId).toBe(aClient.spanId);
    expect(bClient.parentSpanId).toBe(bServer.spanId);
    expect(appParent).toBe(bClient.spanId);
    expect(aServer.attributes['http.request.method']).toBe('GET');
    expect(aServer.attributes['http.response.status_code']).toBe(200);
    expect(bServer.attributes['weft.listener']).toBe('inbound');
    // The caller b's inbound verified over mTLS (Istio's source.principal); a's app has none.
    expect(bServer.attributes['weft.source.principal']).toBe(
      'spiffe://cluster.local/ns/default/sa/a',
    );
    expect(aServer.attributes['weft.source.principal']).toBeUndefined();
  });

  it('gives each try its own client span under the one server span, the retry numbered', async () => {
    // The app's first /flaky answer is 200, its second 503: the traced call's first try gets the 503.
    const warm = await http(`${a.outbound}/flaky?every=2`, { headers: { host: 'c' } });
    expect(warm.status).toBe(200);
    const res = await http(`${a.outbound}/flaky?every=2`, { headers: { host: 'c' } });
    expect(res.status).toBe(200);
    const [, traceId, appParent] = String(
      (JSON.parse(res.body) as EchoReply).headers.traceparent,
    ).split('-');
    // a: one server span and a client span per try; c: a server and a client span per try.
    const spans = await waitFor('seven spans of the trace', () => {
      const all = collector.trace(traceId);
      return all.length >= 7 ? all : undefined;
    });
    expect(spans).toHaveLength(7);
    const of = (service: string, kind: number) =>
      spans.filter((s) => s.service === service && s.kind === kind);
    const [aServer] = of('a.default', SERVER);
    const tries = of('a.default', CLIENT).sort(
      (x, y) =>
        Number(x.attributes['http.request.resend_count'] ?? 0) -
        Number(y.attributes['http.request.resend_count'] ?? 0),
    );
    expect(tries.map((t) => [t.parentSpanId, t.attributes['http.response.status_code']])).toEqual([
      [aServer.spanId, 503],
      [aServer.spanId, 200],
    ]);
    expect(tries.map((t) => t.attributes['http.request.resend_count'])).toEqual([undefined, 1]);
    // Each try reached c's sidecar as a request of its own, under that try's span.
    const cServers = of('c.default', SERVER);
    expect(cServers.map((s) => s.parentSpanId).sort()).toEqual(tries.map((t) => t.spanId).sort());
    const answered = cServers.find((s) => s.parentSpanId === tries[1].spanId)!;
    const appCall = of('c.default', CLIENT).find((s) => s.parentSpanId === answered.spanId)!;
    expect(appParent).toBe(appCall.spanId);
  });

  it("joins the caller's trace and keeps its tracestate", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    const res = await http(`${a.outbound}/joined`, {
      headers: {
        host: 'b',
        traceparent: `00-${traceId}-${parent}-01`,
        tracestate: 'congo=t61rcWkgMzE',
      },
    });
    const reply = JSON.parse(res.body) as EchoReply;
    expect(String(reply.headers.traceparent).split('-')[1]).toBe(traceId);
    expect(reply.headers.tracestate).toBe('congo=t61rcWkgMzE');
    const spans = await fourSpans(traceId);
    expect(spans.find((s) => s.service === 'a.default' && s.kind === SERVER)!.parentSpanId).toBe(
      parent,
    );
  });

  it("passes a sampled-out caller's trace on, flags 00, and records none of it", async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const parent = 'b7ad6b7169203331';
    const [, received, appParent, flags] = await traced({
      traceparent: `00-${traceId}-${parent}-00`,
    });
    expect([received, flags]).toEqual([traceId, '00']);
    expect(appParent).not.toBe(parent);
    // A sampled trace sent after it is exported; by then the sampled-out one would have been too.
    const [, sampled] = await traced();
    await fourSpans(sampled);
    expect(collector.trace(traceId)).toEqual([]);
  });

  it('writes an access log record per hop, on stdout and on the bus, with the trace id', async () => {
    const nc = await mesh.natsClient({ role: 'cli-read', name: 'observer' });
    const records: AccessRecord[] = [];
    const sub = nc.subscribe('weft.v1.telemetry.access.>', {
      callback: (_err, msg) => {
        records.push(msg.json<AccessRecord>());
      },
    });
    await nc.flush();
    try {
      const [, traceId] = await traced();
      const hops = await waitFor('both hops on the bus', () => {
        const mine = records.filter((r) => r.traceId === traceId);
        return mine.length >= 2 ? mine : undefined;
      });
      const outbound = hops.find((r) => r.listener === 'outbound')!;
      const inbound = hops.find((r) => r.listener === 'inbound')!;
      expect(outbound).toMatchObject({
        v: 1,
        method: 'GET',
        path: '/traced',
        host: 'b',
        status: 200,
        route: 'default/default/b',
        upstream: 'default/b',
        retries: 0,
      });
      expect(outbound.bytesOut).toBeGreaterThan(0);
      expect(outbound.bytesIn).toBe(0);
      // Time to the upstream's first byte, within the whole.
      expect(outbound.upstreamMs).toBeGreaterThan(0);
      expect(outbound.upstreamMs).toBeLessThanOrEqual(outbound.durationMs);
      expect(inbound).toMatchObject({ status: 200, upstream: 'local/inbound' });
      await waitFor('the access line on stdout', () =>
        a.proc.logs().some((l) => l.includes('"msg":"access"') && l.includes(traceId))
          ? true
          : undefined,
      );
    } finally {
      sub.unsubscribe();
      await nc.close();
    }
  });
});
