// TrafficPolicy balancing and resilience through real sidecars: consistent hash, peak EWMA,
// max-pending overflow, retry budget, per-try timeout retries, local rate limit.
import { http } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { sleep, waitFor } from '../support/wait-for.js';

const POLICIES = `
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: h-sticky }
spec:
  targetRefs: [{ kind: Service, name: h }]
  loadBalancer: { type: ConsistentHash, consistentHash: { header: X-User } }
---
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: e-latency }
spec:
  targetRefs: [{ kind: Service, name: e }]
  loadBalancer: { type: PeakEwma, peakEwma: { decayTime: 10s } }
---
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: p-limits }
spec:
  targetRefs: [{ kind: Service, name: p }]
  connectionPool: { maxConnections: 1, maxPendingRequests: 1 }
---
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: r-budget }
spec:
  targetRefs: [{ kind: Service, name: r }]
  retryBudget: { retryRatio: 0.25, minRetriesPerSecond: 0, ttl: 60s }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: r-retries }
spec:
  parentRefs: [{ kind: Service, name: r }]
  rules:
    - backendRefs: [{ name: r }]
      retry: { codes: [503], attempts: 3, backoff: 5ms }
---
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: l-rate }
spec:
  targetRefs: [{ kind: Service, name: l }]
  localRateLimit: { maxTokens: 5, tokensPerFill: 5, fillInterval: 2s }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: t-per-try }
spec:
  parentRefs: [{ kind: Service, name: t }]
  rules:
    - backendRefs: [{ name: t }]
      timeouts: { backendRequest: 300ms }
      retry: { codes: [504], attempts: 1, backoff: 5ms }
`;

/** Service of each instance, and the instances to start. */
const INSTANCES: [service: string, instance: string][] = [
  ['a', 'a1'],
  ['h', 'h1'],
  ['h', 'h2'],
  ['h', 'h3'],
  ['e', 'e1'],
  ['e', 'e2'],
  ['p', 'p1'],
  ['r', 'r1'],
  ['l', 'l1'],
  ['t', 't1'],
  ['t', 't2'],
];

describe('TrafficPolicy balancing and resilience', () => {
  let mesh: Mesh;
  const apps = new Map<string, EchoServer>();
  const sidecars = new Map<string, Sidecar>();

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    for (const [, id] of INSTANCES) apps.set(id, await new EchoServer(id).start());
    // A few at a time: eleven Node processes starting at once can starve each other on 2 cores.
    for (let i = 0; i < INSTANCES.length; i += 3) {
      const batch = INSTANCES.slice(i, i + 3).map(([service, instanceId]) =>
        mesh.startSidecar({ service, instanceId, appPort: apps.get(instanceId)!.port }),
      );
      for (const s of await Promise.all(batch)) sidecars.set(s.instanceId, s);
    }
    await waitFor('endpoints', async () =>
      (await mesh.endpointIds('h')).length === 3 &&
      (await mesh.endpointIds('e')).length === 2 &&
      (await mesh.endpointIds('t')).length === 2
        ? true
        : undefined,
    );
    await mesh.converged(await mesh.applyOk(POLICIES), ['a1']);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...apps.values()].map((s) => s.stop()));
    await mesh.stop();
  });

  const call = (host: string, path: string, headers: Record<string, string> = {}) =>
    http(`${sidecars.get('a1')!.outbound}${path}`, { headers: { host, ...headers } });

  /** The caller proxy's count of requests refused or not retried for `reason` (/metrics). */
  async function overflows(reason: string): Promise<number> {
    const res = await http(`http://127.0.0.1:${sidecars.get('a1')!.adminPort}/metrics`);
    const line = res.body
      .split('\n')
      .find(
        (l) =>
          l.startsWith('weft_upstream_overflows_total{') &&
          l.includes(`weft_overflow_reason="${reason}"`),
      );
    return line ? Number(line.split(' ').pop()) : 0;
  }

  /** Which instance answers each of `keys` (as X-User). */
  async function owners(keys: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const key of keys) {
      const res = await call('h', '/who', { 'x-user': key });
      expect(res.status).toBe(200);
      out.push(String(res.headers['x-echo-name']));
    }
    return out;
  }

  it('consistent hash pins a header value to one instance, and moves only the keys of one that leaves', async () => {
    const pinned = await owners(Array.from({ length: 200 }, () => 'alice'));
    expect(new Set(pinned).size).toBe(1);

    const keys = Array.from({ length: 60 }, (_, i) => `user-${i}`);
    const before = await owners(keys);
    expect(new Set(before)).toEqual(new Set(['h1', 'h2', 'h3']));
    await sidecars.get('h3')!.proc.stop();
    const after = await waitFor('h3 to leave the ring', async () => {
      const now = await owners(keys);
      return now.includes('h3') ? undefined : now;
    });
    keys.forEach((_, i) => {
      if (before[i] !== 'h3') expect(after[i]).toBe(before[i]);
    });
    expect(after.filter((o, i) => o !== before[i]).length).toBe(
      before.filter((o) => o === 'h3').length,
    );
  });

  it('peak EWMA sends nearly everything to the fast instance when the other is slow', async () => {
    const answered: string[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await call('e', '/slow-on/e2?ms=150');
      expect(res.status).toBe(200);
      answered.push(String(res.headers['x-echo-name']));
    }
    // Round robin would give each 30.
    expect(answered.filter((n) => n === 'e1').length).toBeGreaterThanOrEqual(54);
  });

  it('answers 503 x-weft-overflow: pending past maxPendingRequests, while the others succeed', async () => {
    // One request holds the only connection (p1 has it); of two more, one waits for the connection
    // and the other, whichever comes second, finds the queue full.
    const running = call('p', '/slow?ms=3000');
    await waitFor('p1 to hold the only connection', () =>
      apps.get('p1')!.received.some((r) => r.url === '/slow?ms=3000') ? true : undefined,
    );
    const [first, second] = await Promise.all([call('p', '/slow?ms=10'), call('p', '/now')]);
    const refused = [first, second].filter((r) => r.status !== 200);
    expect(refused).toHaveLength(1);
    expect(refused[0].status).toBe(503);
    expect(refused[0].headers['x-weft-overflow']).toBe('pending');
    expect(refused[0].headers['x-weft-error']).toBe('upstream_overflow');
    expect((await call('e', '/other-service')).status).toBe(200);
    expect((await running).status).toBe(200);
    expect((await call('p', '/after')).status).toBe(200);
    expect(await overflows('pending')).toBe(1);
  });

  it('the retry budget caps retries against an always-failing upstream', async () => {
    const seenBefore = apps.get('r1')!.received.length;
    const refusals: unknown[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await call('r', '/status/503');
      expect(res.status).toBe(503);
      if (res.headers['x-weft-overflow']) refusals.push(res.headers['x-weft-overflow']);
    }
    const attempts = apps.get('r1')!.received.length - seenBefore;
    // 3 retries each would be 160 attempts; a 25% budget allows 10 retries for 40 requests.
    expect(attempts).toBeGreaterThan(40);
    expect(attempts).toBeLessThanOrEqual(50);
    expect(refusals.length).toBeGreaterThanOrEqual(30);
    expect(new Set(refusals)).toEqual(new Set(['retry_budget']));
    expect(await overflows('retry_budget')).toBe(refusals.length);
  });

  it('retries a try that timed out (per-try timeout, 504 listed) on the other instance', async () => {
    for (let i = 0; i < 6; i++) {
      // t1 would answer 200 itself after 2 s: t2's answer means its try was cut at 300ms.
      const res = await call('t', '/slow-on/t1?ms=2000');
      expect(res.status).toBe(200);
      expect(res.headers['x-echo-name']).toBe('t2');
    }
    expect(apps.get('t1')!.received.length).toBeGreaterThan(0); // t1 was tried, and timed out
  });

  it('rejects invalid balancer and limit settings with their field paths', async () => {
    const res = await mesh.apply(`
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: bad-limits }
spec:
  targetRefs: [{ kind: Service, name: h }]
  loadBalancer: { type: ConsistentHash, consistentHash: { header: x-user, cookie: session } }
  connectionPool: { maxConnections: 0 }
  retryBudget: { ttl: 2m }
  localRateLimit: { maxTokens: 5, fillInterval: 10ms }
`);
    expect(res.status).toBe(422);
    const resource = 'TrafficPolicy/default/bad-limits';
    expect(JSON.parse(res.body)).toEqual([
      {
        resource,
        path: 'spec.loadBalancer.consistentHash',
        message: 'must set exactly one of header, cookie',
      },
      { resource, path: 'spec.connectionPool.maxConnections', message: 'must not be less than 1' },
      {
        resource,
        path: 'spec.retryBudget.ttl',
        message: 'must be a duration from 1000ms to 60000ms, such as 10s',
      },
      {
        resource,
        path: 'spec.localRateLimit.fillInterval',
        message: 'must be a duration from 50ms to 86400000ms, such as 1s',
      },
    ]);
  });

  it('rate limits with 429 once the bucket is empty, and serves again after the refill', async () => {
    for (let i = 0; i < 5; i++) expect((await call('l', '/limited')).status).toBe(200);
    const limited = await call('l', '/limited');
    expect(limited.status).toBe(429);
    expect(limited.headers['x-weft-error']).toBe('rate_limited');
    expect(limited.headers['x-ratelimit-limit']).toBe('5');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect(apps.get('l1')!.received.filter((r) => r.url === '/limited')).toHaveLength(5);
    await sleep(retryAfter * 1_000 + 100);
    expect((await call('l', '/limited')).status).toBe(200);
  });
});
