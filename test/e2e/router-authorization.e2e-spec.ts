// AuthorizationPolicy in a router mesh (Istio ambient's waypoint): `api` has no sidecar, a router
// answers its bus calls and forwards them to its instances, and enforces the policies that select
// it (`app: api`) on the caller the bus subject names. Real processes, the default secure mesh.
// The two tests run in order: the first shows the Service open, the second applies the policy.
import type { NatsConnection } from '@nats-io/transport-node';
import type { AccessRecord } from '@app/dataplane';
import { observeAccessRecords } from '../support/access-records.js';
import { http, type HttpResult } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { allowCallers } from '../support/manifests.js';
import { Mesh, type Router, type Sidecar } from '../support/mesh.js';
import { metric } from '../support/metrics.js';
import { waitFor } from '../support/wait-for.js';

/** `api`: two static endpoints with no sidecar, reached over the bus (so through the router). */
const API = (port: number): string => `
apiVersion: weft.dev/v1alpha1
kind: ExternalService
metadata: { name: api }
spec:
  endpoints: [{ address: 127.0.0.1, port: ${port} }]
---
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: api-over-bus }
spec:
  targetRefs: [{ kind: Service, name: api }]
  transport: bus
`;

/** Only `web` may call `api`. */
const ALLOW_WEB = allowCallers('allow-web', 'api', ['web']);

const NO_ALLOW =
  'no ALLOW rule matches (AuthorizationPolicy default/allow-web applies to this workload)';

describe('AuthorizationPolicy enforced by a router for a Service it fronts', () => {
  let mesh: Mesh;
  let observer: NatsConnection;
  let router: Router;
  let routerPort: number;
  let web: Sidecar;
  let batch: Sidecar;
  const records: AccessRecord[] = [];
  const apps: EchoServer[] = [];

  const call = (caller: Sidecar, path: string): Promise<HttpResult> =>
    http(`${caller.outbound}${path}`, { headers: { host: 'api' } });

  const expectDenied = (res: HttpResult): void => {
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({ error: 'rbac_denied', message: NO_ALLOW });
  };

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    await mesh.leader();
    observer = await observeAccessRecords(mesh, records);
    const [api, webApp, batchApp] = await Promise.all(
      ['api', 'web', 'batch'].map((name) => new EchoServer(name).start()),
    );
    apps.push(api, webApp, batchApp);
    const revision = await mesh.applyOk(API(api.port));
    routerPort = await freePort();
    router = await mesh.startRouter('r1', {
      WEFT_MODE: 'router',
      WEFT_LISTEN_PORT: String(routerPort),
    });
    [web, batch] = await Promise.all([
      mesh.startSidecar({ service: 'web', instanceId: 'web1', appPort: webApp.port }),
      mesh.startSidecar({ service: 'batch', instanceId: 'batch1', appPort: batchApp.port }),
    ]);
    await mesh.converged(revision, ['r1', 'web1', 'batch1']);
  });

  afterAll(async () => {
    await observer?.close();
    await mesh?.stop();
    await Promise.all(apps.map((a) => a.stop()));
  });

  it('with no policy, every caller reaches api through the router', async () => {
    for (const caller of [web, batch]) {
      const res = await waitFor('api answers over the bus', async () => {
        const r = await call(caller, '/open');
        return r.status === 200 ? r : undefined;
      });
      expect(res.headers['x-echo-name']).toBe('api');
    }
  });

  it('an ALLOW policy selecting app: api lets web in and denies batch with 403 naming it', async () => {
    const revision = await mesh.applyOk(ALLOW_WEB);
    await mesh.converged(revision, ['r1', 'web1', 'batch1']);
    const counted = (decision: string, policy: string) =>
      metric(router.adminPort, 'weft_authz_decisions_total', [
        `decision="${decision}"`,
        `policy="${policy}"`,
      ]);
    const [allowedBefore, deniedBefore] = [
      await counted('allow', 'default/allow-web'),
      await counted('deny', 'none'),
    ];

    const allowed = await call(web, '/from-web');
    expect([allowed.status, allowed.headers['x-echo-name']]).toEqual([200, 'api']);
    expectDenied(await call(batch, '/from-batch'));

    // The router decided, counted, and logged why (with the verified caller from the bus subject).
    expect(await counted('allow', 'default/allow-web')).toBe(allowedBefore + 1);
    expect(await counted('deny', 'none')).toBe(deniedBefore + 1);
    const denied = await waitFor('the router access log record of /from-batch', () =>
      records.find((r) => r.path === '/from-batch' && r.listener === 'bus:default/api'),
    );
    expect(denied).toMatchObject({
      status: 403,
      authz: NO_ALLOW,
      sourcePrincipal: 'spiffe://cluster.local/ns/default/sa/batch',
    });
    const passed = await waitFor('the router access log record of /from-web', () =>
      records.find((r) => r.path === '/from-web' && r.listener === 'bus:default/api'),
    );
    expect(passed).toMatchObject({
      status: 200,
      authz: 'allowed by AuthorizationPolicy default/allow-web (ALLOW, rule 0)',
    });

    // An app calling the router's plain HTTP port has no verified identity: the bus call that
    // reaches api is the router's own, and the router is not web.
    expectDenied(await http(`http://127.0.0.1:${routerPort}/plain`, { headers: { host: 'api' } }));
  });
});
