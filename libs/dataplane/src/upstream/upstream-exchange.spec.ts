// Unit spec for the exchange's retries against real local servers: route retry policy, retry budget
// and concurrent-retry limit refusals (x-weft-overflow), non-idempotent requests, per-try timeouts,
// connections dropped before an answer.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { request } from 'undici';
import { ProxyMetrics } from '../metrics/proxy-metrics.js';
import { TrafficStats } from '../metrics/traffic-stats.js';
import type { ExchangePolicy } from '../routing/route-table.js';
import { HopTracer } from '../telemetry/hop-tracer.js';
import { Cluster, type ClusterPolicy } from './cluster.js';
import { ClusterRegistry } from './cluster-registry.js';
import { endpoint } from './endpoint.js';
import { Forwarder } from './forwarder.js';
import { PoolRegistry } from './pool-registry.js';

/** An upstream that counts requests and answers `status` after `delayMs` (or drops `drops` first). */
class Upstream {
  readonly server: Server;
  hits = 0;
  status = 503;
  delayMs = 0;
  drops = 0;

  constructor() {
    this.server = createServer((req, res) => {
      this.hits++;
      if (this.drops > 0) {
        this.drops--;
        return req.socket.destroy();
      }
      req.resume();
      setTimeout(() => res.writeHead(this.status).end('upstream'), this.delayMs);
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    return (this.server.address() as AddressInfo).port;
  }
}

const RETRY_503: ExchangePolicy = {
  timeoutMs: 5_000,
  retry: { codes: new Set([503, 504]), attempts: 2, backoffMs: 1 },
};

describe('UpstreamExchange retries', () => {
  const pools = new PoolRegistry();
  const metrics = new ProxyMetrics(new TrafficStats('shop/caller'), new ClusterRegistry());
  const forwarder = new Forwarder(pools, metrics, new HopTracer(trace.getTracer('spec')));
  const a = new Upstream();
  const b = new Upstream();
  const cluster = new Cluster('shop/api');
  let policy: ExchangePolicy = RETRY_503;
  /** The cluster the proxy forwards to (a test may swap in another). */
  let target = cluster;
  let proxy: Server;
  let proxyUrl = '';

  beforeAll(async () => {
    cluster.setEndpoints([
      endpoint('a', '127.0.0.1', await a.start()),
      endpoint('b', '127.0.0.1', await b.start()),
    ]);
    proxy = createServer((req, res) => forwarder.forward(req, res, target, policy, req.url!));
    await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  afterEach(() => {
    a.hits = b.hits = 0;
    a.status = b.status = 503;
    a.delayMs = b.delayMs = 0;
    a.drops = 0;
    policy = RETRY_503;
    target = cluster;
  });

  afterAll(async () => {
    await pools.close();
    for (const s of [proxy, a.server, b.server]) {
      s.closeAllConnections();
      await new Promise((done) => s.close(done));
    }
  });

  function configure(extra: Partial<ClusterPolicy>): void {
    cluster.configure({ loadBalancer: { type: 'RoundRobin' }, ...extra });
  }

  async function send(method = 'GET'): Promise<{ status: number; overflow: unknown }> {
    const res = await request(proxyUrl, { method: method as 'GET' });
    await res.body.text();
    return { status: res.statusCode, overflow: res.headers['x-weft-overflow'] };
  }

  it('retries a listed status up to the attempts, then passes the last answer on', async () => {
    configure({});
    expect(await send()).toEqual({ status: 503, overflow: undefined });
    expect(a.hits + b.hits).toBe(3);
  });

  it('does not retry past the retry budget, and says so', async () => {
    configure({ retryBudget: { ratio: 0, minPerSecond: 0, ttlMs: 10_000 } });
    expect(await send()).toEqual({ status: 503, overflow: 'retry_budget' });
    expect(a.hits + b.hits).toBe(1);
  });

  it('does not retry past maxRetries, and says so', async () => {
    configure({ limits: { maxConnections: 10, maxRequestsPerConnection: 0, maxRetries: 0 } });
    expect(await send()).toEqual({ status: 503, overflow: 'retries' });
    expect(a.hits + b.hits).toBe(1);
  });

  it('says which limit kept a timed-out try from being retried', async () => {
    configure({ retryBudget: { ratio: 0, minPerSecond: 0, ttlMs: 10_000 } });
    a.delayMs = b.delayMs = 1_000;
    policy = { ...RETRY_503, timeoutMs: 100 };
    expect(await send()).toEqual({ status: 504, overflow: 'retry_budget' });
  });

  it('ends the first try and every retry within the route request timeout', async () => {
    configure({});
    a.delayMs = b.delayMs = 1_000;
    policy = {
      timeoutMs: 200,
      retry: { codes: new Set([504]), attempts: 5, backoffMs: 1, deadlineMs: 450 },
    };
    const started = Date.now();
    expect((await send()).status).toBe(504);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(440);
    expect(elapsed).toBeLessThan(800); // six tries of 200ms would take 1.2s
    expect(a.hits + b.hits).toBe(3);
  });

  it('retries a bodiless POST only when the policy allows non-idempotent retries', async () => {
    configure({});
    await send('POST');
    expect(a.hits + b.hits).toBe(1);
    configure({ retryNonIdempotent: true });
    await send('POST');
    expect(a.hits + b.hits).toBe(1 + 3);
  });

  it('retries a try that timed out on the other endpoint, on time', async () => {
    configure({});
    a.delayMs = 2_000;
    a.status = b.status = 200;
    policy = { ...RETRY_503, timeoutMs: 200 };
    const started = Date.now();
    const results = [await send(), await send()]; // round robin: one of them starts on a
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(b.hits).toBe(2);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('retries a try whose connection dropped before an answer like a 502, on the one endpoint there is', async () => {
    // As over the bus, where the rpc subject is the one endpoint and NATS picks another responder.
    const one = new Cluster('shop/one');
    one.setEndpoints([cluster.all[0]]);
    target = one;
    a.status = 200;
    a.drops = 1;
    policy = { timeoutMs: 5_000, retry: { codes: new Set([502]), attempts: 1, backoffMs: 1 } };
    expect((await send()).status).toBe(200);
    expect(a.hits).toBe(2);
    a.drops = 1;
    policy = RETRY_503;
    expect((await send()).status).toBe(502);
    expect(a.hits).toBe(3);
  });
});
