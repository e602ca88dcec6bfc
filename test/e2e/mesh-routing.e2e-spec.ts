// Full mesh, routing: A's sidecar → B's sidecar → B, traffic splits, validation, local replies, garbage.
import { createHash, randomBytes } from 'node:crypto';
import { request as rawRequest } from 'node:http';
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { RESOURCE_KINDS } from '@app/protocol';
import { http, json } from '../support/admin-client.js';
import type { AppProcess } from '../support/app-process.js';
import { EchoServer, type EchoReply } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { peerAuthentication, versionServices } from '../support/manifests.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';

const SPLIT = (v1: number, v2: number): string => `${versionServices('b', ['v1', 'v2'])}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: b-split }
spec:
  parentRefs: [{ group: "", kind: Service, name: b, port: 80 }]
  rules:
    - backendRefs:
        - { name: b-v1, port: 80, weight: ${v1} }
        - { name: b-v2, port: 80, weight: ${v2} }
`;

interface MicroReply {
  type: string;
  name: string;
  id: string;
  metadata: Record<string, string>;
}
interface MicroInfo extends MicroReply {
  endpoints: { name: string; subject: string; queue_group: string }[];
}
interface MicroStats extends MicroReply {
  started: string;
  endpoints: { name: string; num_requests: number }[];
}

describe('full mesh: routing through sidecars', () => {
  let mesh: Mesh;
  const apps: EchoServer[] = [];
  let a: Sidecar;
  let sidecars: Sidecar[];

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    const [appA, appB1, appB2] = await Promise.all(
      ['a', 'b1', 'b2'].map((n) => new EchoServer(n).start()),
    );
    apps.push(appA, appB1, appB2);
    sidecars = await Promise.all([
      mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: appA.port }),
      mesh.startSidecar({
        service: 'b',
        instanceId: 'b1',
        appPort: appB1.port,
        labels: 'version=v1',
      }),
      mesh.startSidecar({
        service: 'b',
        instanceId: 'b2',
        appPort: appB2.port,
        labels: 'version=v2',
      }),
    ]);
    a = sidecars[0];
    await waitFor('both b instances in endpoints', async () =>
      (await mesh.endpointIds('b')).join() === 'b1,b2' ? true : undefined,
    );
  });

  afterAll(async () => {
    await Promise.all(apps.map((s) => s.stop()));
    await mesh.stop();
  });

  const viaA = (path: string, headers: Record<string, string> = {}) =>
    http(`${a.outbound}${path}`, { headers: { host: 'b', ...headers } });

  it('carries a request from A to B through both sidecars: status, body and custom header intact', async () => {
    const res = await viaA('/status/418?x=1', { 'x-request-id': 'r-1' });
    expect(res.status).toBe(418);
    expect(res.headers['x-custom']).toMatch(/^custom-b[12]$/);
    const body = JSON.parse(res.body) as EchoReply;
    expect(body.url).toBe('/status/418?x=1');
    expect(body.headers['x-request-id']).toBe('r-1');
    expect(body.headers.host).toBe('b');
    // Two proxy hops, each appends the peer it saw.
    expect(String(body.headers['x-forwarded-for']).split(',')).toHaveLength(2);
    expect(body.headers['x-forwarded-proto']).toBe('http');
  });

  it('round-robins across B instances', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 6; i++) names.add(String((await viaA('/')).headers['x-echo-name']));
    expect([...names].sort()).toEqual(['b1', 'b2']);
  });

  it('streams a 5 MB POST body both ways unchanged, never holding it whole', async () => {
    const payload = randomBytes(5 * 1024 * 1024);
    const half = payload.length / 2;
    // The second half goes out only once echoed bytes are back: a hop that held the request body
    // until its end would never answer, and the request would time out.
    const echoed = await new Promise<{ status: number; bytes: number; sha256: string }>(
      (resolve, reject) => {
        const req = rawRequest({
          host: '127.0.0.1',
          port: a.outboundPort,
          method: 'POST',
          path: '/echo',
          headers: {
            host: 'b',
            'content-type': 'application/octet-stream',
            'content-length': payload.length,
          },
        });
        const stuck = setTimeout(
          () => req.destroy(new Error('no echoed bytes while the request body was half sent')),
          10_000,
        );
        req.on('error', reject);
        req.on('response', (res) => {
          const hash = createHash('sha256');
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            if (bytes === 0) {
              clearTimeout(stuck);
              req.end(payload.subarray(half));
            }
            hash.update(chunk);
            bytes += chunk.length;
          });
          res.on('error', reject);
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, bytes, sha256: hash.digest('hex') }),
          );
        });
        req.write(payload.subarray(0, half));
      },
    );
    expect(echoed.status).toBe(200);
    expect(echoed.bytes).toBe(payload.length);
    expect(echoed.sha256).toBe(createHash('sha256').update(payload).digest('hex'));
  });

  it('routes HTTP_PROXY-style absolute URLs', async () => {
    // Absolute-form request line, as a client with HTTP_PROXY set sends it.
    const absolute = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = rawRequest(
        {
          host: '127.0.0.1',
          port: a.outboundPort,
          path: 'http://b.default/abs?q=1',
          headers: { host: 'b.default' },
        },
        (r) => {
          let body = '';
          r.on('data', (c: Buffer) => (body += c.toString()));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(absolute.status).toBe(200);
    expect((JSON.parse(absolute.body) as EchoReply).url).toBe('/abs?q=1');
    // Every Kubernetes-style name of the Service resolves too.
    const fqdn = await http(`${a.outbound}/`, {
      headers: { host: 'b.default.svc.cluster.local:80' },
    });
    expect(fqdn.status).toBe(200);
  });

  it('answers 404 with a clear body when no route matches', async () => {
    const res = await http(`${a.outbound}/`, { headers: { host: 'nowhere' } });
    expect(res.status).toBe(404);
    expect(res.headers['x-weft-error']).toBe('no_route');
    expect(JSON.parse(res.body)).toEqual({
      error: 'no_route',
      message: 'no route for host "nowhere"',
    });
  });

  it('splits 80/20 between b-v1 and b-v2, and a new weight is ACKed by every sidecar', async () => {
    const revision = await mesh.applyOk(SPLIT(80, 20));
    await mesh.converged(revision, ['a1', 'b1', 'b2']);
    expectShares(await countBy(1000), { b1: 0.8, b2: 0.2 });

    const next = await mesh.applyOk(SPLIT(20, 80));
    expect(next).toBe(revision + 1);
    const rows = await mesh.converged(next, ['a1', 'b1', 'b2']);
    expect(rows.map((r) => r.error)).toEqual([null, null, null]);
    expectShares(await countBy(1000), { b1: 0.2, b2: 0.8 });
  });

  it('rejects an invalid batch with 422 and field paths, applies none of it, keeps routing', async () => {
    const before = await json<{ revision: number; items: unknown[] }>(
      `${mesh.controlPlane().url}/v1/resources`,
    );
    const res = await mesh.apply(`
apiVersion: v1
kind: Service
metadata: { name: fresh-service }
spec: { selector: { app: fresh } }
---
apiVersion: v1
kind: Widget
metadata: { name: w }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: b-split }
spec:
  parentRefs: [{ kind: Service, name: b }]
  rules:
    - backendRefs:
        - { name: b-v1, weight: -5 }
        - { weight: 10 }
`);
    expect(res.status).toBe(422);
    const errors = JSON.parse(res.body) as { resource: string; path: string; message: string }[];
    expect(errors).toEqual(
      expect.arrayContaining([
        {
          resource: 'Widget/default/w',
          path: 'kind',
          message: `unknown kind "Widget"; expected one of ${RESOURCE_KINDS.join(', ')}`,
        },
        {
          resource: 'HTTPRoute/default/b-split',
          path: 'spec.rules[0].backendRefs[0].weight',
          message: 'must not be less than 0',
        },
        {
          resource: 'HTTPRoute/default/b-split',
          path: 'spec.rules[0].backendRefs[1].name',
          message: 'is required',
        },
      ]),
    );
    const after = await json<{ revision: number; items: { metadata: { name: string } }[] }>(
      `${mesh.controlPlane().url}/v1/resources`,
    );
    expect(after.revision).toBe(before.revision);
    expect(after.items.map((r) => r.metadata.name)).not.toContain('fresh-service');
    expect(after.items).toHaveLength(before.items.length);
    // The previous split (20/80) still routes.
    const counts = await countBy(200);
    expect(counts.b2).toBeGreaterThan(counts.b1);
  });

  it('answers 503 when the route has no endpoints, 502 when the app refuses, 504 on timeout', async () => {
    const revision = await mesh.applyOk(`
apiVersion: v1
kind: Service
metadata: { name: nobody }
spec: { selector: { app: nobody } }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: b-slow }
spec:
  parentRefs: [{ kind: Service, name: b }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /slow } }]
      backendRefs: [{ name: b-v1 }]
      timeouts: { request: 300ms }
---
${
  // The orphan's inbound is called below without a mesh certificate: it takes plaintext too.
  peerAuthentication('orphan', 'PERMISSIVE')
}`);
    await mesh.converged(revision, ['a1', 'b1', 'b2']);
    const empty = await http(`${a.outbound}/`, { headers: { host: 'nobody' } });
    expect(empty.status).toBe(503);
    expect(empty.headers['x-weft-error']).toBe('no_endpoints');

    const slow = await viaA('/slow?ms=1500');
    expect(slow.status).toBe(504);
    expect(slow.headers['x-weft-error']).toBe('upstream_timeout');
    const fast = await viaA('/slow?ms=10');
    expect(fast.status).toBe(200);

    // B's sidecar in front of an app that is not listening: the inbound hop fails to connect.
    const deadApp = new EchoServer('dead');
    await deadApp.start();
    const port = deadApp.port;
    await deadApp.stop();
    // Its app probe keeps it out of endpoints (never ready), but its inbound listener is up.
    const orphan = await mesh.startSidecar(
      { service: 'orphan', instanceId: 'orphan1', appPort: port },
      false,
    );
    await waitFor('the orphan sidecar to serve', async () =>
      (await http(`http://127.0.0.1:${orphan.adminPort}/healthz`)).status === 200
        ? true
        : undefined,
    );
    // Its config applied: before that its AuthorizationPolicies are unknown, and its inbound
    // listener refuses every request (503 not_ready) whatever the app does.
    await mesh.converged(revision, ['orphan1']);
    const readyz = await http(`http://127.0.0.1:${orphan.adminPort}/readyz`);
    expect(readyz.status).toBe(503);
    expect(JSON.parse(readyz.body)).toMatchObject({ ready: false, conditions: { app: false } });
    const refused = await http(`http://127.0.0.1:${orphan.inboundPort}/`, {
      headers: { host: 'orphan' },
    });
    expect(refused.status).toBe(502);
    expect(refused.headers['x-weft-error']).toBe('upstream_connect_failure');
    await orphan.proc.stop();
  });

  it('counts and logs garbage on config and health subjects; no process exits; routing goes on', async () => {
    // Garbage from inside the trust boundary: a client with the control plane's rights.
    const nc: NatsConnection = await mesh.natsClient();
    const publish = (subject: string, body: unknown): void =>
      nc.publish(
        subject,
        new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)),
      );
    try {
      const kv = await new Kvm(nc).open('weft-config');
      // The config subjects every sidecar follows: the snapshot marker, and b's destination (a1
      // calls b; b1 and b2 answer for it).
      publish('weft.v1.config.snapshot', '{not json');
      publish('weft.v1.config.dst.default.b', { v: 99 });
      nc.publish('weft.v1.health.default.b.b.zz', new TextEncoder().encode('garbage'));
      nc.publish(
        'weft.v1.health.default.b.b.zz',
        new TextEncoder().encode(JSON.stringify({ v: 99 })),
      );
      nc.publish('weft.v1.proxy.default.b.zz.ack', new Uint8Array([0xff, 0xfe, 0x00]));
      nc.publish(
        'weft.v1.health.default.b.b.zz',
        new TextEncoder().encode(JSON.stringify({ id: 1, pattern: 'x', data: 2 })),
      );
      await nc.flush();

      const invalidCount = async (port: number, source: string): Promise<number> => {
        const text = (await http(`http://127.0.0.1:${port}/metrics`)).body;
        const line = text
          .split('\n')
          .find((l) => l.startsWith(`weft_invalid_messages_total{source="${source}"}`));
        return line ? Number(line.split(' ')[1]) : 0;
      };
      await waitFor('control plane to count garbage', async () =>
        (await invalidCount(mesh.controlPlane().adminPort, 'health')) >= 3 &&
        (await invalidCount(mesh.controlPlane().adminPort, 'ack')) >= 1
          ? true
          : undefined,
      );
      for (const s of sidecars) {
        await waitFor(`${s.instanceId} to count garbage`, async () =>
          (await invalidCount(s.adminPort, 'config')) >= 2 ? true : undefined,
        );
      }
      // Each rejection is logged with its source, where it came from and why.
      const logged = (proc: AppProcess, source: string, where: string): boolean =>
        proc
          .logs()
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { msg?: string; source?: string; where?: string })
          .some(
            (l) => l.msg === 'rejected invalid input' && l.source === source && l.where === where,
          );
      const cp = mesh.controlPlane().proc;
      expect(logged(cp, 'health', 'weft.v1.health.default.b.b.zz')).toBe(true);
      expect(logged(cp, 'ack', 'weft.v1.proxy.default.b.zz.ack')).toBe(true);
      for (const s of sidecars) {
        expect(logged(s.proc, 'config', 'weft.v1.config.snapshot')).toBe(true);
        expect(logged(s.proc, 'config', 'weft.v1.config.dst.default.b')).toBe(true);
      }
      expect(
        mesh.processes.filter((p) => p.name !== 'sidecar-orphan1').every((p) => p.running),
      ).toBe(true);
      expect((await viaA('/')).status).toBe(200);

      // A well-formed announcement of a bundle holding a resource b's followers cannot use blocks
      // every later revision (NACKed with the reason) until b's bundle is written again, as Envoy
      // rejects an update holding a resource it cannot use; the old config serves meanwhile.
      publish('weft.v1.config.dst.default.b', {
        v: 1,
        key: 'dst.default.b',
        seq: (await kv.get('dst.default.b'))!.revision,
        op: 'PUT',
        value: {
          v: 1,
          namespace: 'default',
          service: 'b',
          resources: [
            { key: 'httproute.default.junk', source: 'api', resource: { kind: 'HTTPRoute' } },
          ],
        },
      });
      await nc.flush();
      const unrelated = await mesh.applyOk(
        'apiVersion: v1\nkind: Service\nmetadata: { name: unrelated }\nspec: { selector: { app: unrelated } }\n',
      );
      const nacks = await mesh.reported('NACK', unrelated, ['a1', 'b1', 'b2']);
      for (const row of nacks) expect(row.error).toContain('dst.default.b');
      expectShares(await countBy(200), { b1: 0.2, b2: 0.8 });
      // The new split rewrites b's bundle: applied, and ACKed by all.
      const revision = await mesh.applyOk(SPLIT(50, 50));
      await mesh.converged(revision, ['a1', 'b1', 'b2']);
      expectShares(await countBy(400), { b1: 0.5, b2: 0.5 });
    } finally {
      await nc.close();
    }
  });

  it('is listed by NATS services discovery ($SRV.PING|INFO|STATS), bus endpoints counted', async () => {
    // Runs last: b moves to the bus, and a router answers for `ext`, a Service without instances.
    const router = await mesh.startRouter('r1', {
      WEFT_MODE: 'router',
      WEFT_LISTEN_PORT: String(await freePort()),
    });
    const revision = await mesh.applyOk(`
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: b-over-bus }
spec:
  # b's route splits over b-v1 and b-v2 once the split test ran.
  targetRefs: [{ kind: Service, name: b }, { kind: Service, name: b-v1 }, { kind: Service, name: b-v2 }]
  transport: bus
---
apiVersion: weft.dev/v1alpha1
kind: ExternalService
metadata: { name: ext }
spec:
  endpoints: [{ address: 127.0.0.1, port: ${apps[0].port} }]
---
apiVersion: v1
kind: Service
metadata:
  name: ext
  annotations: { weft.dev/transport: bus }
`);
    await mesh.converged(revision, ['a1', 'b1', 'b2', 'r1']);
    for (const host of ['b', 'ext']) {
      await waitFor(`${host} over the bus`, async () =>
        (await http(`${a.outbound}/`, { headers: { host } })).status === 200 ? true : undefined,
      );
    }

    const nc = await mesh.natsClient();
    try {
      /** Every answer to `$SRV.<verb>`, by `<name>/<metadata.instance>`. */
      const ask = async <T extends MicroReply>(verb: string): Promise<Map<string, T>> => {
        const found = new Map<string, T>();
        for await (const msg of await nc.requestMany(`$SRV.${verb}`, '', { maxWait: 1_000 })) {
          const reply = msg.json<T>();
          expect(reply.type).toBe(`io.nats.micro.v1.${verb.toLowerCase()}_response`);
          found.set(`${reply.name}/${reply.metadata.instance}`, reply);
        }
        return found;
      };
      const ping = await ask<MicroReply>('PING');
      // The control plane's instance id is `<hostname>-<pid>`.
      const cpKey = [...ping.keys()].find((k) => k.startsWith('weft-control-plane/')) ?? 'none';
      expect([...ping.keys()].sort()).toEqual([
        cpKey,
        'weft-router/r1',
        'weft-sidecar/a1',
        'weft-sidecar/b1',
        'weft-sidecar/b2',
      ]);
      expect(ping.get('weft-sidecar/b1')!.metadata).toEqual({
        instance: 'b1',
        mode: 'sidecar',
        namespace: 'default',
        service: 'b',
        admin_url: `http://127.0.0.1:${sidecars[1].adminPort}`,
      });
      expect(ping.get('weft-router/r1')!.metadata).toMatchObject({
        mode: 'router',
        admin_url: `http://127.0.0.1:${router.adminPort}`,
      });
      expect(ping.get(cpKey)!.metadata).toEqual({
        instance: cpKey.split('/')[1],
        mode: 'control-plane',
        admin_url: mesh.controlPlane().url,
      });

      const info = await ask<MicroInfo>('INFO');
      // b1 is also an endpoint of b-v1 (version=v1) once the split test applied it.
      expect(info.get('weft-sidecar/b1')!.endpoints).toContainEqual({
        name: 'default_b',
        subject: 'weft.v1.rpc.default.b.*.*',
        queue_group: 'weft.rpc.default.b',
        metadata: { instance: 'b1' },
      });
      expect(info.get('weft-router/r1')!.endpoints).toEqual([
        {
          name: 'default_ext',
          subject: 'weft.v1.rpc.default.ext.*.*',
          queue_group: 'weft-router',
        },
      ]);
      expect(info.get(cpKey)!.endpoints).toEqual([]);

      const stats = await ask<MicroStats>('STATS');
      const served = (key: string): number =>
        stats.get(key)!.endpoints.reduce((sum, e) => sum + e.num_requests, 0);
      expect(served('weft-sidecar/b1') + served('weft-sidecar/b2')).toBeGreaterThanOrEqual(1);
      expect(served('weft-router/r1')).toBeGreaterThanOrEqual(1);
      expect(served('weft-sidecar/a1')).toBe(0);
      expect(stats.get(cpKey)!.started).toEqual(expect.any(String));
    } finally {
      await nc.close();
    }
  });

  /**
   * Each share within ±5 percentage points of what the weights ask for; below 1,000 requests,
   * where ±5 points is a coin toss, within four standard deviations of the binomial.
   */
  function expectShares(counts: Record<string, number>, shares: Record<string, number>): void {
    const total = Object.values(counts).reduce((x, y) => x + y, 0);
    for (const [name, share] of Object.entries(shares)) {
      const actual = counts[name] / total;
      const tolerance =
        total >= 1_000 ? 0.05 : Math.max(0.05, 4 * Math.sqrt((share * (1 - share)) / total));
      if (Math.abs(actual - share) > tolerance)
        throw new Error(
          `${name}: ${actual} of traffic, expected ${share}±${tolerance.toFixed(3)} (${JSON.stringify(counts)})`,
        );
    }
  }

  /** Sends `n` requests A → b and counts which instance answered. */
  async function countBy(n: number): Promise<Record<string, number>> {
    const counts: Record<string, number> = { b1: 0, b2: 0 };
    for (let i = 0; i < n; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, () => viaA('/')));
      for (const r of batch) {
        expect(r.status).toBe(200);
        const name = String(r.headers['x-echo-name']);
        counts[name] = (counts[name] ?? 0) + 1;
      }
    }
    return counts;
  }
});
