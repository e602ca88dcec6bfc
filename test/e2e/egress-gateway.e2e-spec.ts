// Egress through a router (Istio's egress gateway): an ExternalService with `egress.gatewayRef` is
// reached only through the routers of that Gateway, which enforce AuthorizationPolicy on the
// caller's identity and alone connect to the external server. Real processes, the default secure
// mesh (mTLS STRICT, generated NATS permissions), a local HTTP server standing in for the outside.
// The tests run in order; the last stops the egress router.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AccessRecord } from '@app/dataplane';
import { observeAccessRecords } from '../support/access-records.js';
import { http, type HttpResult } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { holdsConnectionFrom } from '../support/listening-sockets.js';
import { allowCallers } from '../support/manifests.js';
import { Mesh, type Router, type Sidecar } from '../support/mesh.js';
import { metric } from '../support/metrics.js';
import { rawGet } from '../support/raw-clients.js';
import { scratchDir } from '../support/scratch-dir.js';
import { makeCertificate } from '../support/test-certificates.js';
import { waitFor } from '../support/wait-for.js';

const HOST = 'payments.example.com';
const LEDGER = 'ledger.example.com';

/** The egress Gateway, and `payments` leaving through it; a TrafficPolicy asks for plain HTTP. */
const EGRESS = (port: number): string => `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: egress }
spec:
  gatewayClassName: weft
  listeners: [{ name: http, port: 8080, protocol: HTTP }]
---
apiVersion: weft.dev/v1alpha1
kind: ExternalService
metadata: { name: payments }
spec:
  hosts: [${HOST}]
  endpoints: [{ address: 127.0.0.1, port: ${port} }]
  egress: { gatewayRef: { name: egress } }
---
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: payments-direct }
spec:
  targetRefs: [{ kind: Service, name: payments }]
  transport: http
---
apiVersion: weft.dev/v1alpha1
kind: MeshConfig
metadata: { name: default, namespace: weft-system }
spec:
  outboundTrafficPolicy: { mode: REGISTRY_ONLY }
---
${allowCallers('allow-web', 'payments', ['web'])}`;

/** The reason of a proxy's own JSON answer (`{error, message}`). */
const errorOf = (body: string): string => (JSON.parse(body) as { error: string }).error;

const NO_ALLOW =
  'no ALLOW rule matches (AuthorizationPolicy default/allow-web applies to this workload)';

/**
 * The outside world: answers each request with the name of the mesh process that holds the TCP
 * connection it came on (read from /proc while the request is open), and whether it was TLS. With
 * `certificate`, it serves HTTPS only.
 */
class ExternalServer {
  private readonly server: Server;
  port = 0;
  /** Who connected, per request answered. */
  readonly peers: string[] = [];

  constructor(
    private readonly candidates: () => ReadonlyMap<string, number>,
    certificate?: { cert: Buffer; key: Buffer },
  ) {
    const handler = (req: IncomingMessage, res: ServerResponse): void => void this.handle(req, res);
    this.server = certificate ? createHttpsServer(certificate, handler) : createServer(handler);
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

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let peer = 'unknown';
    for (const [name, pid] of this.candidates()) {
      if (await holdsConnectionFrom(pid, req.socket.remotePort ?? 0)) peer = name;
    }
    this.peers.push(peer);
    res.writeHead(200, { 'content-type': 'application/json', 'x-peer': peer });
    const tls = (req.socket as TLSSocket).encrypted === true;
    res.end(JSON.stringify({ peer, path: req.url, tls }));
  }
}

describe('egress through a router (ExternalService egress.gatewayRef)', () => {
  let mesh: Mesh;
  let observer: NatsConnection;
  let egress: Router;
  let web: Sidecar;
  let batch: Sidecar;
  let external: ExternalServer;
  const records: AccessRecord[] = [];
  const apps: EchoServer[] = [];
  const processes = new Map<string, number>();

  const call = (caller: Sidecar, path: string, host = HOST): Promise<HttpResult> =>
    http(`${caller.outbound}${path}`, { headers: { host } });

  const routerRecord = (path: string): Promise<AccessRecord> =>
    waitFor(`the egress router's access record of ${path}`, () =>
      records.find((r) => r.path === path && r.listener === 'bus:default/payments'),
    );

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    await mesh.leader();
    observer = await observeAccessRecords(mesh, records);
    external = await new ExternalServer(() => processes).start();
    const [webApp, batchApp] = await Promise.all(
      ['web', 'batch'].map((name) => new EchoServer(name).start()),
    );
    apps.push(webApp, batchApp);
    const revision = await mesh.applyOk(EGRESS(external.port));
    // The egress Gateway's router, and a router of no Gateway, which must not answer for payments.
    const [egressPort, plainPort] = [await freePort(), await freePort()];
    const [egressRouter, plain] = await Promise.all([
      mesh.startRouter('egress1', {
        WEFT_MODE: 'router',
        WEFT_GATEWAY: 'egress',
        WEFT_LISTEN_PORT: String(egressPort),
      }),
      mesh.startRouter('plain1', { WEFT_MODE: 'router', WEFT_LISTEN_PORT: String(plainPort) }),
    ]);
    egress = egressRouter;
    [web, batch] = await Promise.all([
      mesh.startSidecar({ service: 'web', instanceId: 'web1', appPort: webApp.port }),
      mesh.startSidecar({ service: 'batch', instanceId: 'batch1', appPort: batchApp.port }),
    ]);
    for (const [name, pid] of [
      ['egress1', egress.proc.pid],
      ['plain1', plain.proc.pid],
      ['web1', web.proc.pid],
      ['batch1', batch.proc.pid],
    ] as const)
      processes.set(name, pid);
    await mesh.converged(revision, ['egress1', 'plain1', 'web1', 'batch1']);
  });

  afterAll(async () => {
    await observer?.close();
    await mesh?.stop();
    await external?.stop();
    await Promise.all(apps.map((a) => a.stop()));
  });

  it('web reaches the external host through the egress router, which alone connects to it', async () => {
    const allowedBefore = await metric(egress.adminPort, 'weft_authz_decisions_total', [
      'decision="allow"',
      'policy="default/allow-web"',
    ]);
    const res = await waitFor('payments answers web through the egress router', async () => {
      const r = await call(web, '/charge');
      return r.status === 200 ? r : undefined;
    });
    expect(JSON.parse(res.body)).toEqual({ peer: 'egress1', path: '/charge', tls: false });
    expect(external.peers.every((p) => p === 'egress1')).toBe(true);

    // The router's access log and metrics: the verified caller, the external host and endpoint.
    expect(await routerRecord('/charge')).toMatchObject({
      status: 200,
      host: HOST,
      endpoint: `http://127.0.0.1:${external.port}`,
      sourcePrincipal: 'spiffe://cluster.local/ns/default/sa/web',
      authz: 'allowed by AuthorizationPolicy default/allow-web (ALLOW, rule 0)',
    });
    expect(
      await metric(egress.adminPort, 'weft_authz_decisions_total', [
        'decision="allow"',
        'policy="default/allow-web"',
      ]),
    ).toBeGreaterThan(allowedBefore);
    expect(
      await metric(egress.adminPort, 'http_server_request_duration_count', [
        'weft_source="default/web"',
        'weft_destination="default/payments"',
        'http_response_status_code="200"',
      ]),
    ).toBeGreaterThan(0);
  });

  it('batch gets 403 rbac_denied from the egress router, and nothing reaches the external host', async () => {
    const seen = external.peers.length;
    // As web's first call above, the first one may come before batch's sidecar follows the host.
    const res = await waitFor('batch is answered for payments', async () => {
      const r = await call(batch, '/refund');
      return r.status === 404 ? undefined : r;
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toEqual({ error: 'rbac_denied', message: NO_ALLOW });
    expect(await routerRecord('/refund')).toMatchObject({
      status: 403,
      host: HOST,
      authz: NO_ALLOW,
      sourcePrincipal: 'spiffe://cluster.local/ns/default/sa/batch',
    });
    expect(external.peers.length).toBe(seen);
  });

  it('no direct way around the router: by name, by address or by Upgrade', async () => {
    const seen = external.peers.length;
    // By its resource name (the TrafficPolicy asks for plain HTTP): still the router's decision.
    expect((await call(batch, '/by-name', 'payments')).status).toBe(403);
    // By the endpoint's address: REGISTRY_ONLY passes nothing through.
    const byAddress = await call(batch, '/by-address', `127.0.0.1:${external.port}`);
    expect([byAddress.status, errorOf(byAddress.body)]).toEqual([404, 'no_route']);
    // An Upgrade cannot cross the bus, and callers hold no endpoint of payments to dial.
    const upgrade = await rawGet(batch.outboundPort, '/ws', {
      host: HOST,
      connection: 'upgrade',
      upgrade: 'websocket',
    });
    expect([upgrade.status, errorOf(upgrade.body)]).toEqual([503, 'no_endpoints']);
    expect(external.peers.length).toBe(seen);
  });

  it('refuses an ExternalService naming a Gateway that does not exist, and deleting one in use', async () => {
    const missing = await mesh.apply(`
apiVersion: weft.dev/v1alpha1
kind: ExternalService
metadata: { name: billing }
spec:
  endpoints: [{ address: 127.0.0.1, port: ${external.port} }]
  egress: { gatewayRef: { name: exit, namespace: weft-system } }
`);
    expect(missing.status).toBe(422);
    expect(JSON.parse(missing.body)).toEqual([
      {
        resource: 'ExternalService/default/billing',
        path: 'spec.egress.gatewayRef',
        message:
          "no Gateway weft-system/exit: this service is reached only through that Gateway's routers (apply the Gateway first or in the same request; delete it only after this service)",
      },
    ]);
    const deleted = await http(`${mesh.controlPlane().url}/v1/resources/Gateway/default/egress`, {
      method: 'DELETE',
    });
    expect(deleted.status).toBe(422);
    expect(JSON.parse(deleted.body)).toMatchObject([
      { resource: 'ExternalService/default/payments', path: 'spec.egress.gatewayRef' },
    ]);
    const { items } = JSON.parse((await http(`${mesh.controlPlane().url}/v1/resources`)).body) as {
      items: { kind: string; metadata: { name: string } }[];
    };
    const names = items.map((r) => `${r.kind}/${r.metadata.name}`);
    expect(names).toContain('Gateway/egress');
    expect(names).not.toContain('ExternalService/billing');
  });

  it('the egress router originates TLS when the ExternalService says so', async () => {
    const certificate = await makeCertificate(await scratchDir('egress-tls-'), LEDGER);
    const ledger = await new ExternalServer(() => processes, {
      cert: await readFile(certificate.crt),
      key: await readFile(certificate.key),
    }).start();
    try {
      const revision = await mesh.applyOk(`
apiVersion: weft.dev/v1alpha1
kind: ExternalService
metadata: { name: ledger }
spec:
  hosts: [${LEDGER}]
  endpoints: [{ address: 127.0.0.1, port: ${ledger.port} }]
  tls: { mode: SIMPLE, caCertificates: ${certificate.crt} }
  egress: { gatewayRef: { name: egress } }
---
${allowCallers('allow-web-ledger', 'ledger', ['web'])}`);
      await mesh.converged(revision, ['egress1', 'plain1', 'web1', 'batch1']);
      const res = await waitFor('ledger answers web through the egress router', async () => {
        const r = await call(web, '/balance', LEDGER);
        return r.status === 200 ? r : undefined;
      });
      expect(JSON.parse(res.body)).toEqual({ peer: 'egress1', path: '/balance', tls: true });
      expect(ledger.peers.every((p) => p === 'egress1')).toBe(true);
    } finally {
      await ledger.stop();
    }
  });

  it('with the egress router gone, calls fail closed (503), though another router runs', async () => {
    const seen = external.peers.length;
    await egress.proc.stop();
    const res = await waitFor('no router answers for payments', async () => {
      const r = await call(web, '/after-stop');
      return r.status === 503 ? r : undefined;
    });
    expect(errorOf(res.body)).toBe('no_responders');
    expect(external.peers.length).toBe(seen);
  });
});
