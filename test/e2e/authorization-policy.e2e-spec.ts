// AuthorizationPolicy with real processes in the default secure mesh: table tests over HTTP and
// over the bus transport (allowed 200; denied 403 with a JSON body naming the policy; the access
// log's reason), AUDIT lines, a caller that claims another identity in a header, a policy change
// applied live. The caller's identity is verified on both transports: over HTTP, the SPIFFE ID of
// the caller's mTLS client certificate; over the bus, the rpc subject's caller tokens.
import type { NatsConnection } from '@nats-io/transport-node';
import type { AccessRecord } from '@app/dataplane';
import { observeAccessRecords } from '../support/access-records.js';
import { agent, http, type HttpResult } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { metric } from '../support/metrics.js';
import { waitFor } from '../support/wait-for.js';
import { weft } from '../support/weft-cli.js';

const RESOURCES = `
apiVersion: v1
kind: Service
metadata: { name: api }
spec: { selector: { app: api } }
---
apiVersion: v1
kind: Service
metadata: { name: api-bus }
spec: { selector: { app: api-bus } }
---
apiVersion: weft.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: api-bus-over-bus }
spec:
  targetRefs: [{ kind: Service, name: api-bus }]
  transport: bus
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: deny-delete }
spec:
  selector: { matchLabels: { tier: backend } }
  action: DENY
  rules:
    - to: [{ operation: { methods: [DELETE] } }]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: deny-batch-admin }
spec:
  selector: { matchLabels: { tier: backend } }
  action: DENY
  rules:
    - from: [{ source: { principals: [cluster.local/ns/default/sa/batch] } }]
      to: [{ operation: { paths: [/admin/*] } }]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: deny-private-to-others }
spec:
  selector: { matchLabels: { tier: backend } }
  action: DENY
  rules:
    - from: [{ source: { notPrincipals: [cluster.local/ns/default/sa/web] } }]
      to: [{ operation: { paths: [/private/*] } }]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: allow-reads }
spec:
  selector: { matchLabels: { tier: backend } }
  action: ALLOW
  rules:
    - to: [{ operation: { methods: [GET], paths: [/public/*, /admin/*, /private/*] } }]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: allow-api-key }
spec:
  selector: { matchLabels: { tier: backend } }
  action: ALLOW
  rules:
    - when: [{ key: 'request.headers[x-api-key]', values: [k1] }]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: allow-own-namespace }
spec:
  selector: { matchLabels: { tier: backend } }
  action: ALLOW
  rules:
    - from: [{ source: { namespaces: [default] } }]
      to: [{ operation: { paths: [/ns-only] } }]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: audit-public }
spec:
  selector: { matchLabels: { tier: backend } }
  action: AUDIT
  rules:
    - to: [{ operation: { paths: [/public/*] } }]
`;

/** `denied by … (DENY, rule 0)`: the reason a policy's rule gives, in the body and the access log. */
const deniedBy = (policy: string) =>
  `denied by AuthorizationPolicy default/${policy} (DENY, rule 0)`;
const NO_ALLOW = /^no ALLOW rule matches \(AuthorizationPolicy .*default\/allow-reads/;

interface Row {
  readonly name: string;
  readonly caller: 'web' | 'batch' | 'ops';
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  /** 200, or the reason of the 403 (a policy's rule, or no ALLOW rule). */
  readonly expect: 200 | string | RegExp;
}

/** Rules on methods, paths and headers: the same verdict whoever calls. */
const OPERATION_ROWS: readonly Row[] = [
  { name: 'an allowed read', caller: 'web', path: '/public/a', expect: 200 },
  {
    name: 'a write no ALLOW rule allows (default deny)',
    caller: 'web',
    method: 'POST',
    path: '/public/a',
    expect: NO_ALLOW,
  },
  {
    name: 'a write with the API key header',
    caller: 'web',
    method: 'POST',
    path: '/public/a',
    headers: { 'x-api-key': 'k1' },
    expect: 200,
  },
  {
    name: 'a write with a wrong API key',
    caller: 'web',
    method: 'POST',
    path: '/public/a',
    headers: { 'x-api-key': 'k2' },
    expect: NO_ALLOW,
  },
  {
    name: 'DELETE with the API key: DENY before ALLOW',
    caller: 'web',
    method: 'DELETE',
    path: '/public/a',
    headers: { 'x-api-key': 'k1' },
    expect: deniedBy('deny-delete'),
  },
  {
    name: 'a path outside every ALLOW rule',
    caller: 'web',
    path: '/internal',
    expect: NO_ALLOW,
  },
  {
    name: 'a path that only normalizes into an allowed one (no dot-segment escape)',
    caller: 'web',
    path: '/public/../internal',
    expect: NO_ALLOW,
  },
];

/** Rules on the caller's identity: mTLS and the bus both carry it verified. */
const IDENTITY_ROWS: readonly Row[] = [
  { name: 'web reads /admin', caller: 'web', path: '/admin/x', expect: 200 },
  {
    name: 'batch reads /admin (principals)',
    caller: 'batch',
    path: '/admin/x',
    expect: deniedBy('deny-batch-admin'),
  },
  {
    name: 'batch claims to be web in headers',
    caller: 'batch',
    path: '/admin/x',
    headers: {
      'x-forwarded-client-cert': 'URI=spiffe://cluster.local/ns/default/sa/web',
      'x-weft-principal': 'spiffe://cluster.local/ns/default/sa/web',
    },
    expect: deniedBy('deny-batch-admin'),
  },
  { name: 'web reads /private', caller: 'web', path: '/private/x', expect: 200 },
  {
    name: 'batch reads /private (notPrincipals)',
    caller: 'batch',
    path: '/private/x',
    expect: deniedBy('deny-private-to-others'),
  },
  { name: 'a caller of namespace default', caller: 'batch', path: '/ns-only', expect: 200 },
  {
    name: 'a caller of namespace ops (namespaces)',
    caller: 'ops',
    path: '/ns-only',
    expect: NO_ALLOW,
  },
];

describe('AuthorizationPolicy', () => {
  let mesh: Mesh;
  let observer: NatsConnection;
  const records: AccessRecord[] = [];
  const apps: EchoServer[] = [];
  const callers = {} as Record<Row['caller'], Sidecar>;
  let api: Sidecar;
  let apiBus: Sidecar;

  /** `path` as `row.caller` sends it to `service` (the ops caller names it across namespaces). */
  const call = (service: string, row: Row, path = row.path): Promise<HttpResult> =>
    http(`${callers[row.caller].outbound}${path}`, {
      method: row.method ?? 'GET',
      headers: { host: row.caller === 'ops' ? `${service}.default` : service, ...row.headers },
    });

  /** The access log record of the destination's inbound side for a request with this path. */
  const inboundRecord = (path: string): Promise<AccessRecord> =>
    waitFor(`the inbound access log record of ${path}`, () =>
      records.find((r) => r.path === path && r.listener.startsWith('inbound')),
    );

  const expectVerdict = async (service: string, row: Row, path: string): Promise<void> => {
    const res = await call(service, row, path);
    if (row.expect === 200) {
      expect([res.status, res.headers['x-echo-name']]).toEqual([200, service]);
      return;
    }
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toBe('application/json');
    const body = JSON.parse(res.body) as { error: string; message: string };
    expect(body.error).toBe('rbac_denied');
    expect(body.message).toMatch(row.expect);
  };

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    observer = await observeAccessRecords(mesh, records);
    const [apiApp, apiBusApp, webApp, batchApp, opsApp] = await Promise.all(
      ['api', 'api-bus', 'web', 'batch', 'ops'].map((name) => new EchoServer(name).start()),
    );
    apps.push(apiApp, apiBusApp, webApp, batchApp, opsApp);
    [api, apiBus, callers.web, callers.batch, callers.ops] = await Promise.all([
      mesh.startSidecar({
        service: 'api',
        instanceId: 'api1',
        appPort: apiApp.port,
        labels: 'tier=backend',
      }),
      mesh.startSidecar({
        service: 'api-bus',
        instanceId: 'api-bus1',
        appPort: apiBusApp.port,
        labels: 'tier=backend',
      }),
      mesh.startSidecar({ service: 'web', instanceId: 'web1', appPort: webApp.port }),
      mesh.startSidecar({ service: 'batch', instanceId: 'batch1', appPort: batchApp.port }),
      mesh.startSidecar({
        service: 'ops',
        instanceId: 'ops1',
        appPort: opsApp.port,
        env: { WEFT_NAMESPACE: 'ops' },
      }),
    ]);
    const revision = await mesh.applyOk(RESOURCES);
    await mesh.converged(revision, ['api1', 'api-bus1', 'web1', 'batch1', 'ops1']);
    // Every caller reaches both destinations (the bus responder subscribes once its set lists it).
    for (const caller of ['web', 'batch', 'ops'] as const) {
      for (const service of ['api', 'api-bus']) {
        await waitFor(`${caller} reaches ${service}`, async () => {
          const res = await call(service, { name: '', caller, path: '/public/ready', expect: 200 });
          return res.status === 200 ? true : undefined;
        });
      }
    }
  });

  afterAll(async () => {
    await observer?.close();
    await agent.close();
    await Promise.all(apps.map((a) => a.stop()));
    await mesh?.stop();
  });

  describe.each([
    ['HTTP (mTLS)', 'api'],
    ['the bus', 'api-bus'],
  ])('over %s', (_transport, service) => {
    it.each([
      ...OPERATION_ROWS.map((r) => ['methods, paths, headers', r.name, r] as const),
      ...IDENTITY_ROWS.map((r) => ['the verified caller identity', r.name, r] as const),
    ])('%s: %s', async (_table, _name, row) => {
      await expectVerdict(service, row, row.path);
    });
  });

  it.each([
    ['HTTP', 'api'],
    ['the bus', 'api-bus'],
  ])(
    'over %s, the access log and the decision counters say why a request was denied, and which AUDIT rule it matched',
    async (_transport, service) => {
      const denied = `/public/logged-denied-${service}`;
      const audited = `/public/logged-audited-${service}`;
      const web = callers.web.outbound;
      const proxy = service === 'api' ? api : apiBus;
      const counted = (decision: string, policy: string) =>
        metric(proxy.adminPort, 'weft_authz_decisions_total', [
          `decision="${decision}"`,
          `policy="${policy}"`,
        ]);
      const deniedBefore = await counted('deny', 'default/deny-delete');
      const auditedBefore = await counted('audit', 'default/audit-public');
      expect(
        (await http(`${web}${denied}`, { method: 'DELETE', headers: { host: service } })).status,
      ).toBe(403);
      expect((await http(`${web}${audited}`, { headers: { host: service } })).status).toBe(200);
      const deniedRecord = await inboundRecord(denied);
      expect(deniedRecord).toMatchObject({ status: 403, authz: deniedBy('deny-delete') });
      const auditedRecord = await inboundRecord(audited);
      expect(auditedRecord).toMatchObject({
        status: 200,
        authz: 'allowed by AuthorizationPolicy default/allow-reads (ALLOW, rule 0)',
        audit: 'audited by AuthorizationPolicy default/audit-public (AUDIT, rule 0)',
      });
      expect(await counted('deny', 'default/deny-delete')).toBe(deniedBefore + 1);
      // Both paths are under /public/*: AUDIT marks the denied request too.
      expect(await counted('audit', 'default/audit-public')).toBe(auditedBefore + 2);
      await waitFor('the AUDIT line in the log', () =>
        proxy.proc
          .logs()
          .find((l) => l.includes('"msg":"authorization audit"') && l.includes(audited)),
      );
    },
  );

  it('applies a policy change live, over HTTP and the bus, and its removal', async () => {
    const path = '/public/live';
    const row: Row = { name: 'live', caller: 'batch', path, expect: 200 };
    for (const service of ['api', 'api-bus']) await expectVerdict(service, row, path);

    const denyLive = `
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: deny-live }
spec:
  selector: { matchLabels: { tier: backend } }
  action: DENY
  rules:
    - to: [{ operation: { paths: [/public/live] } }]
`;
    const added = await mesh.applyOk(denyLive);
    await mesh.converged(added, ['api1', 'api-bus1']);
    const denied: Row = { ...row, expect: deniedBy('deny-live') };
    for (const service of ['api', 'api-bus']) await expectVerdict(service, denied, path);

    const res = await http(
      `${mesh.controlPlane().url}/v1/resources/AuthorizationPolicy/default/deny-live`,
      { method: 'DELETE' },
    );
    expect(res.status).toBe(200);
    const removed = (JSON.parse(res.body) as { revision: number }).revision;
    await mesh.converged(removed, ['api1', 'api-bus1']);
    for (const service of ['api', 'api-bus']) await expectVerdict(service, row, path);
  });

  it('refuses at apply a rule that can never match, naming the field, and applies nothing', async () => {
    const before = await http(`${mesh.controlPlane().url}/v1/resources?kind=AuthorizationPolicy`);
    const res = await mesh.apply(`
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: never-matches }
spec:
  action: DENY
  rules:
    - to: [{ operation: { paths: [/api/x], notPaths: [/api/*] } }]
`);
    expect(res.status).toBe(422);
    expect(JSON.parse(res.body)).toEqual([
      {
        resource: 'AuthorizationPolicy/default/never-matches',
        path: 'spec.rules[0].to[0].operation.paths[0]',
        message: '"/api/x" is excluded by notPaths[0] "/api/*": it can never match',
      },
    ]);
    const after = await http(`${mesh.controlPlane().url}/v1/resources?kind=AuthorizationPolicy`);
    expect(after.body).toBe(before.body);
  });

  it('weft check reports a rule hidden by an earlier one, as a warning', async () => {
    const revision = await mesh.applyOk(`
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: allow-reads-again }
spec:
  selector: { matchLabels: { tier: backend } }
  rules:
    - to: [{ operation: { methods: [GET], paths: [/public/a] } }]
`);
    await mesh.converged(revision, ['api1', 'api-bus1']);
    const run = await weft(['check', '--nats', mesh.nats.url], {
      server: mesh.controlPlane().url,
      env: await mesh.cliEnv(),
    });
    expect(run.code).toBe(0);
    const out = run.stdout.split('\n');
    const warning = out.indexOf('‼ no AuthorizationPolicy rule hidden by an earlier one');
    expect(warning).toBeGreaterThan(0);
    expect(out[warning + 1]).toBe(
      '    AuthorizationPolicy/default/allow-reads-again spec.rules[0]: is hidden by AuthorizationPolicy default/allow-reads rule 0 (ALLOW), which matches every request it matches: it never allows a request itself',
    );
  });
});
