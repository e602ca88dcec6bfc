// Bus transport: HTTP carried as NATS request/reply between two real sidecars, chosen per Service by
// TrafficPolicy or annotation: status, headers and bodies intact, big bodies, many requests at once,
// cancellation and crashes propagated, "no responders" answered at once, load shared, one trace.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { http } from '../support/admin-client.js';
import { EchoServer, type EchoReply } from '../support/echo-server.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { OtlpCollector } from '../support/otlp-collector.js';
import { sleep, waitFor } from '../support/wait-for.js';

const SERVER = 2;
const CLIENT = 3;
const EXCHANGES = 'weft_bus_exchanges_total';

const RESOURCES = `
apiVersion: v1
kind: Service
metadata: { name: b }
spec: { selector: { app: b } }
---
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: b-over-bus }
spec:
  targetRefs: [{ kind: Service, name: b }]
  transport: bus
---
apiVersion: v1
kind: Service
metadata:
  name: drip
  annotations: { weft.dev/transport: bus }
spec: { selector: { app: drip } }
---
apiVersion: v1
kind: Service
metadata:
  name: ghost
  annotations: { weft.dev/transport: bus }
spec: { selector: { app: ghost } }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: b-route }
spec:
  parentRefs: [{ group: "", kind: Service, name: b }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /v2 } }]
      filters:
        - type: RequestHeaderModifier
          requestHeaderModifier: { set: [{ name: x-routed, value: bus-rule }] }
        - type: URLRewrite
          urlRewrite: { path: { type: ReplacePrefixMatch, replacePrefixMatch: / } }
      backendRefs: [{ name: b, port: 80 }]
    - matches: [{ path: { type: PathPrefix, value: /mirrored } }]
      filters:
        - type: RequestMirror
          requestMirror: { backendRef: { name: drip, port: 80 } }
      backendRefs: [{ name: b, port: 80 }]
    - backendRefs: [{ name: b, port: 80 }]
`;

/**
 * An app that streams slowly: `/drip?chunks=N&ms=M` writes a chunk every M ms; `/hold` answers
 * nothing for a minute. It counts requests that ended before their answer did (aborted).
 */
class DripServer {
  private readonly server: Server;
  port = 0;
  aborted = 0;
  started = 0;

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((done) => {
      this.server.close(() => done());
      this.server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.started++;
    const url = new URL(req.url ?? '/', 'http://x');
    let timer: NodeJS.Timeout | undefined;
    res.once('close', () => {
      clearInterval(timer);
      if (!res.writableFinished) this.aborted++;
    });
    if (url.pathname === '/hold') {
      timer = setInterval(() => undefined, 60_000);
      return;
    }
    const chunks = Number(url.searchParams.get('chunks') ?? 10);
    const ms = Number(url.searchParams.get('ms') ?? 100);
    res.writeHead(200, { 'content-type': 'text/plain' });
    let sent = 0;
    timer = setInterval(() => {
      res.write(`chunk ${++sent}\n`);
      if (sent === chunks) {
        clearInterval(timer);
        res.end();
      }
    }, ms);
  }
}

/** A Prometheus sample from a component's admin port (the one with these labels), 0 when absent. */
async function metric(
  adminPort: number,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const { body } = await http(`http://127.0.0.1:${adminPort}/metrics`);
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = body
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && pairs.every((p) => l.includes(p)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('bus transport', () => {
  let mesh: Mesh;
  let collector: OtlpCollector;
  const echoes: EchoServer[] = [];
  const drip = new DripServer();
  let a: Sidecar;
  let dripSidecar: Sidecar;
  const client = new Agent({ connections: 1_100, keepAliveTimeout: 1_000 });

  beforeAll(async () => {
    collector = await new OtlpCollector().start();
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    const [appA, appB1, appB2] = await Promise.all([
      new EchoServer('a').start(),
      new EchoServer('b1').start(),
      new EchoServer('b2').start(),
      drip.start(),
    ]);
    echoes.push(appA, appB1, appB2);
    [a, , , dripSidecar] = await Promise.all([
      mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: appA.port, env: otel }),
      mesh.startSidecar({ service: 'b', instanceId: 'b1', appPort: appB1.port, env: otel }),
      mesh.startSidecar({ service: 'b', instanceId: 'b2', appPort: appB2.port, env: otel }),
      mesh.startSidecar({ service: 'drip', instanceId: 'drip1', appPort: drip.port }),
    ]);
    const revision = await mesh.applyOk(RESOURCES);
    await mesh.converged(revision, ['a1', 'b1', 'b2', 'drip1']);
    await waitFor('b and drip endpoints', async () =>
      (await mesh.endpointIds('b')).length === 2 && (await mesh.endpointIds('drip')).length === 1
        ? true
        : undefined,
    );
    // The responders subscribe once their endpoint sets list them; wait until b answers on the bus.
    await waitFor('b over the bus', async () => {
      const res = await http(`${a.outbound}/ready`, { headers: { host: 'b' } });
      if (res.status !== 200) throw new Error(`${res.status} ${res.body}`);
      return true;
    });
  });

  afterAll(async () => {
    await client.close();
    await Promise.all([...echoes.map((s) => s.stop()), drip.stop()]);
    await collector.stop();
    await mesh.stop();
  });

  it('carries a routed request over the bus: rule, filters, status, headers and body', async () => {
    const before = await metric(a.adminPort, EXCHANGES, { role: 'caller', outcome: 'ok' });
    const res = await http(`${a.outbound}/v2/items?q=1`, {
      method: 'PUT',
      headers: { host: 'b', 'x-custom-in': 'hello', 'content-type': 'text/plain' },
      body: 'payload',
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-echo-name']).toMatch(/^b[12]$/);
    expect(res.headers['x-custom']).toMatch(/^custom-b[12]$/);
    const reply = JSON.parse(res.body) as EchoReply;
    expect(reply).toMatchObject({ method: 'PUT', url: '/items?q=1', bytes: 7 });
    expect(reply.headers).toMatchObject({
      host: 'b',
      'x-custom-in': 'hello',
      'x-routed': 'bus-rule',
      'content-type': 'text/plain',
    });
    const status = await http(`${a.outbound}/status/418`, { headers: { host: 'b' } });
    expect(status.status).toBe(418);
    const after = await metric(a.adminPort, EXCHANGES, { role: 'caller', outcome: 'ok' });
    expect(after - before).toBe(2);
  });

  it('round-trips a 20 MB body intact, both directions', async () => {
    const body = randomBytes(20 * 1024 * 1024);
    const res = await request(`${a.outbound}/echo`, {
      dispatcher: client,
      method: 'POST',
      headers: { host: 'b', 'content-type': 'application/octet-stream' },
      body,
    });
    expect(res.statusCode).toBe(200);
    const back = Buffer.from(await res.body.arrayBuffer());
    expect(back.length).toBe(body.length);
    expect(sha256(back)).toBe(sha256(body));
  });

  it('completes 1,000 concurrent requests', async () => {
    const results = await Promise.all(
      Array.from({ length: 1_000 }, async (_, i) => {
        const res = await request(`${a.outbound}/n/${i}`, {
          dispatcher: client,
          headers: { host: 'b' },
        });
        const reply = (await res.body.json()) as EchoReply;
        return res.statusCode === 200 && reply.url === `/n/${i}`;
      }),
    );
    expect(results.filter(Boolean)).toHaveLength(1_000);
  });

  it('shares load between the instances of the queue group', async () => {
    const count = (name: string): number => echoes.find((e) => e.name === name)!.received.length;
    const [before1, before2] = [count('b1'), count('b2')];
    for (let i = 0; i < 200; i++) {
      const res = await http(`${a.outbound}/share`, { headers: { host: 'b' } });
      expect(res.status).toBe(200);
    }
    const [got1, got2] = [count('b1') - before1, count('b2') - before2];
    expect(got1 + got2).toBe(200);
    // NATS picks a queue member at random: each gets a fair share, far from all or nothing.
    expect(got1).toBeGreaterThan(40);
    expect(got2).toBeGreaterThan(40);
  });

  it('keeps one trace across the bus hop: client → sidecar → (bus) → sidecar → app', async () => {
    const res = await http(`${a.outbound}/traced`, { headers: { host: 'b' } });
    const received = String((JSON.parse(res.body) as EchoReply).headers.traceparent).split('-');
    const [, traceId, appParent] = received;
    const spans = await waitFor('four spans of the trace', () => {
      const found = collector.trace(traceId);
      return found.length >= 4 ? found : undefined;
    });
    const find = (service: string, kind: number) =>
      spans.find((s) => s.service === service && s.kind === kind)!;
    expect(find('a.default', CLIENT).parentSpanId).toBe(find('a.default', SERVER).spanId);
    expect(find('b.default', SERVER).parentSpanId).toBe(find('a.default', CLIENT).spanId);
    expect(find('b.default', CLIENT).parentSpanId).toBe(find('b.default', SERVER).spanId);
    expect(appParent).toBe(find('b.default', CLIENT).spanId);
    expect(find('a.default', CLIENT).attributes['weft.upstream']).toBe('default/b');
  });

  it('mirrors to a bus Service over the bus', async () => {
    const started = drip.started;
    const ok = { role: 'responder', outcome: 'ok' };
    const before = await metric(dripSidecar.adminPort, EXCHANGES, ok);
    const res = await http(`${a.outbound}/mirrored?chunks=1&ms=10`, { headers: { host: 'b' } });
    expect(res.status).toBe(200);
    expect(res.headers['x-echo-name']).toMatch(/^b[12]$/);
    await waitFor('the mirrored copy at the drip app', () =>
      drip.started > started ? true : undefined,
    );
    await waitFor('its bus exchange at the drip sidecar', async () =>
      (await metric(dripSidecar.adminPort, EXCHANGES, ok)) > before ? true : undefined,
    );
  });

  it('propagates client cancellation: the app sees the request aborted, the responder frees it', async () => {
    const abortedBefore = drip.aborted;
    const controller = new AbortController();
    const res = await request(`${a.outbound}/drip?chunks=600&ms=100`, {
      dispatcher: client,
      headers: { host: 'drip' },
      signal: controller.signal,
    });
    expect(res.statusCode).toBe(200);
    const body = res.body[Symbol.asyncIterator]();
    await body.next();
    const inflight = (): Promise<number> =>
      metric(dripSidecar.adminPort, 'weft_bus_inflight_exchanges', { role: 'responder' });
    expect(await inflight()).toBe(1);
    controller.abort();
    await waitFor('the app to see the request aborted', () =>
      drip.aborted > abortedBefore ? true : undefined,
    );
    await waitFor('the responder to free the exchange', async () =>
      (await inflight()) === 0 ? true : undefined,
    );
    const cancelled = { role: 'responder', outcome: 'cancelled' };
    expect(await metric(dripSidecar.adminPort, EXCHANGES, cancelled)).toBe(1);
  });

  it('answers 502 when the responder dies mid-exchange, cuts a streaming body, then 503: no responders', async () => {
    const started = drip.started;
    const pending = http(`${a.outbound}/hold`, { headers: { host: 'drip' } });
    const streaming = request(`${a.outbound}/drip?chunks=600&ms=100`, {
      dispatcher: client,
      headers: { host: 'drip' },
    });
    await waitFor('both requests at the app', () =>
      drip.started >= started + 2 ? true : undefined,
    );
    const stream = await streaming;
    expect(stream.statusCode).toBe(200);
    const streamed = stream.body.text();
    await sleep(300);
    dripSidecar.proc.signal('SIGKILL');

    // A ping (every 1 s) to the dead inbox bounces at once; silence would end it after 5 s. Either
    // way it ends (how soon is the bench's business); a hang would run into the test's timeout.
    const held = await pending;
    expect(held.status).toBe(502);
    expect(held.headers['x-weft-error']).toBe('upstream_reset');
    // Headers were out already: the client sees the body cut short, not a hang.
    await expect(streamed).rejects.toThrow();

    // NATS says no responders, with no timeout to wait for.
    const none = await http(`${a.outbound}/anything`, { headers: { host: 'drip' } });
    expect(none.status).toBe(503);
    expect(none.headers['x-weft-error']).toBe('no_responders');
  });

  it('answers 503 no_responders for a bus Service nobody serves', async () => {
    const res = await http(`${a.outbound}/`, { headers: { host: 'ghost' } });
    expect(res.status).toBe(503);
    expect(res.headers['x-weft-error']).toBe('no_responders');
  });
});
