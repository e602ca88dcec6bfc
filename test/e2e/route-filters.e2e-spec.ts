// HTTPRoute matches, filters, retries and request timeouts through real sidecars.
import { http, json } from '../support/admin-client.js';
import { EchoServer, type EchoReply } from '../support/echo-server.js';
import { versionServices } from '../support/manifests.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';

const ROUTES = `${versionServices('b', ['v1', 'v2'])}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: b-filters }
spec:
  parentRefs: [{ kind: Service, name: b }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /headers } }]
      filters:
        - type: RequestHeaderModifier
          requestHeaderModifier:
            set: [{ name: X-Env, value: prod }]
            add: [{ name: X-Hop, value: weft }]
            remove: [X-Debug]
        - type: ResponseHeaderModifier
          responseHeaderModifier:
            set: [{ name: X-Served-By, value: weft }]
            remove: [X-Custom]
      backendRefs: [{ name: b-v1 }]
    - matches: [{ path: { type: PathPrefix, value: /per-backend } }]
      filters:
        - type: RequestHeaderModifier
          requestHeaderModifier: { set: [{ name: X-Rule, value: all }] }
      backendRefs:
        - name: b-v1
          filters:
            - type: RequestHeaderModifier
              requestHeaderModifier: { set: [{ name: X-Backend, value: v1 }] }
            - type: ResponseHeaderModifier
              responseHeaderModifier: { set: [{ name: X-Served-By, value: v1-only }] }
        - name: b-v2
    - matches: [{ path: { type: PathPrefix, value: /old } }]
      filters:
        - type: URLRewrite
          urlRewrite: { hostname: rewritten.example, path: { type: ReplacePrefixMatch, replacePrefixMatch: /new } }
      backendRefs: [{ name: b-v1 }]
    - matches: [{ path: { type: PathPrefix, value: /moved } }]
      filters:
        - type: RequestRedirect
          requestRedirect: { scheme: https, hostname: shop.example, statusCode: 301 }
    - matches: [{ path: { type: PathPrefix, value: /mirrored } }]
      filters:
        - type: RequestMirror
          requestMirror: { backendRef: { name: shadow } }
      backendRefs: [{ name: b-v1 }]
    - matches: [{ path: { type: PathPrefix, value: /flaky-retried } }]
      retry: { codes: [503], attempts: 2, backoff: 5ms }
      backendRefs: [{ name: b-v1 }]
    - matches: [{ path: { type: PathPrefix, value: /flaky-bare } }]
      backendRefs: [{ name: b-v1 }]
    - matches: [{ path: { type: Exact, value: /exact } }]
      backendRefs: [{ name: b-v2 }]
    - matches: [{ path: { type: RegularExpression, value: "/items/[0-9]+" } }]
      backendRefs: [{ name: b-v2 }]
    - matches:
        - path: { type: PathPrefix, value: /by-header }
          headers: [{ type: RegularExpression, name: X-Tenant, value: "acme-[a-z]+" }]
      backendRefs: [{ name: b-v2 }]
    - matches: [{ path: { type: PathPrefix, value: /by-method }, method: DELETE }]
      backendRefs: [{ name: b-v2 }]
    - matches: [{ path: { type: PathPrefix, value: /full } }]
      filters:
        - type: URLRewrite
          urlRewrite: { path: { type: ReplaceFullPath, replaceFullPath: /replaced } }
      backendRefs: [{ name: b-v1 }]
    - matches: [{ path: { type: PathPrefix, value: /stall-body } }]
      timeouts: { request: 2s }
      backendRefs: [{ name: b-v1 }]
    - matches: [{ queryParams: [{ name: version, value: "2" }] }]
      backendRefs: [{ name: b-v2 }]
    - backendRefs: [{ name: b-v1 }]
`;

describe('HTTPRoute matches, filters and retries', () => {
  let mesh: Mesh;
  const apps = new Map<string, EchoServer>();
  let a: Sidecar;

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    for (const name of ['a', 'b1', 'b2', 'shadow'])
      apps.set(name, await new EchoServer(name).start());
    [a] = await Promise.all([
      mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: apps.get('a')!.port }),
      mesh.startSidecar({
        service: 'b',
        instanceId: 'b1',
        appPort: apps.get('b1')!.port,
        labels: 'version=v1',
      }),
      mesh.startSidecar({
        service: 'b',
        instanceId: 'b2',
        appPort: apps.get('b2')!.port,
        labels: 'version=v2',
      }),
      mesh.startSidecar({
        service: 'shadow',
        instanceId: 'shadow1',
        appPort: apps.get('shadow')!.port,
      }),
    ]);
    await waitFor('endpoints', async () =>
      (await mesh.endpointIds('b')).length === 2 && (await mesh.endpointIds('shadow')).length === 1
        ? true
        : undefined,
    );
    const revision = await mesh.applyOk(ROUTES);
    await mesh.converged(revision, ['a1']);
  });

  afterAll(async () => {
    await Promise.all([...apps.values()].map((s) => s.stop()));
    await mesh.stop();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    http(`${a.outbound}${path}`, { headers: { host: 'b', ...headers } });

  it("applies a backendRef's filters only to requests sent to that backend, after the rule's", async () => {
    const replies = await Promise.all(Array.from({ length: 40 }, () => get('/per-backend')));
    const by = (name: string) => replies.filter((r) => r.headers['x-echo-name'] === name);
    // Both backends were picked (weights 1:1; 40 tries all on one: 2^-39).
    expect([by('b1').length > 0, by('b2').length > 0]).toEqual([true, true]);
    for (const r of by('b1')) {
      const seen = JSON.parse(r.body) as EchoReply;
      expect([seen.headers['x-rule'], seen.headers['x-backend'], r.headers['x-served-by']]).toEqual(
        ['all', 'v1', 'v1-only'],
      );
    }
    for (const r of by('b2')) {
      const seen = JSON.parse(r.body) as EchoReply;
      expect([seen.headers['x-rule'], seen.headers['x-backend'], r.headers['x-served-by']]).toEqual(
        ['all', undefined, undefined],
      );
    }
  });

  it('routes by query parameter', async () => {
    expect((await get('/any?version=2')).headers['x-echo-name']).toBe('b2');
    expect((await get('/any?version=3')).headers['x-echo-name']).toBe('b1');
    expect((await get('/any')).headers['x-echo-name']).toBe('b1');
  });

  const servedBy = async (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    (await http(`${a.outbound}${path}`, { method, headers: { host: 'b', ...headers } })).headers[
      'x-echo-name'
    ];

  it('matches an Exact path whole, the query aside', async () => {
    expect(await servedBy('/exact')).toBe('b2');
    expect(await servedBy('/exact?x=1')).toBe('b2');
    expect(await servedBy('/exact/more')).toBe('b1');
    expect(await servedBy('/exactly')).toBe('b1');
  });

  it('matches a RegularExpression path against the whole path', async () => {
    expect(await servedBy('/items/42')).toBe('b2');
    expect(await servedBy('/items/abc')).toBe('b1');
    expect(await servedBy('/items/42/reviews')).toBe('b1');
  });

  it('matches a header by RegularExpression, its name in any case', async () => {
    expect(await servedBy('/by-header', { 'x-tenant': 'acme-corp' })).toBe('b2');
    expect(await servedBy('/by-header', { 'X-TENANT': 'acme-corp' })).toBe('b2');
    expect(await servedBy('/by-header', { 'x-tenant': 'acme-42' })).toBe('b1');
    expect(await servedBy('/by-header')).toBe('b1');
  });

  it('matches the method', async () => {
    expect(await servedBy('/by-method', {}, 'DELETE')).toBe('b2');
    expect(await servedBy('/by-method', {}, 'GET')).toBe('b1');
  });

  it('modifies request and response headers', async () => {
    const res = await get('/headers', { 'x-env': 'dev', 'x-debug': '1', 'x-hop': 'client' });
    expect(res.status).toBe(200);
    const seen = (JSON.parse(res.body) as EchoReply).headers;
    expect(seen['x-env']).toBe('prod');
    expect(seen['x-debug']).toBeUndefined();
    expect(seen['x-hop']).toBe('client, weft');
    expect(res.headers['x-served-by']).toBe('weft');
    expect(res.headers['x-custom']).toBeUndefined();
    expect(res.headers['x-echo-name']).toBe('b1');
  });

  it('rewrites the path prefix and the host', async () => {
    const seen = JSON.parse((await get('/old/item?q=1')).body) as EchoReply;
    expect(seen.url).toBe('/new/item?q=1');
    expect(seen.headers.host).toBe('rewritten.example');
  });

  it('replaces the full path, keeping the query', async () => {
    const seen = JSON.parse((await get('/full/a/b?q=1')).body) as EchoReply;
    expect([seen.name, seen.url]).toEqual(['b1', '/replaced?q=1']);
  });

  it('cuts a response whose body stalls past timeouts.request, and lets one within it through', async () => {
    // The body's rest would come after 30 s: only the route's 2 s timeout can end it sooner, and
    // the client sees the cut (no timer of its own fires before 5 min).
    await expect(get('/stall-body?ms=30000')).rejects.toThrow();
    const within = await get('/stall-body?ms=100');
    expect([within.status, within.body]).toEqual([200, 'first,rest']);
  });

  it('redirects without touching any backend', async () => {
    const before = apps.get('b1')!.received.length + apps.get('b2')!.received.length;
    const res = await get('/moved/here?x=1');
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('https://shop.example/moved/here?x=1');
    expect(apps.get('b1')!.received.length + apps.get('b2')!.received.length).toBe(before);
  });

  it('mirrors requests to another service, answering from the main backend', async () => {
    const shadow = apps.get('shadow')!;
    for (let i = 0; i < 5; i++) {
      const res = await get(`/mirrored/${i}`);
      expect(res.headers['x-echo-name']).toBe('b1');
    }
    await waitFor('five mirrored requests', () =>
      shadow.received.filter((r) => r.url.startsWith('/mirrored/')).length === 5 ? true : undefined,
    );
    expect(shadow.received.map((r) => r.url).sort()).toEqual(
      [0, 1, 2, 3, 4].map((i) => `/mirrored/${i}`),
    );
  });

  it('mirrors a request body whole, the main backend answering as without a mirror', async () => {
    const shadow = apps.get('shadow')!;
    const body = Buffer.alloc(200_000, 'm');
    const res = await http(`${a.outbound}/mirrored/body`, {
      method: 'POST',
      headers: { host: 'b', 'content-type': 'application/octet-stream' },
      body,
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ name: 'b1', bytes: body.length });
    const copy = await waitFor('the mirrored POST', () =>
      shadow.received.find((r) => r.url === '/mirrored/body'),
    );
    expect({ method: copy.method, bytes: copy.bytes }).toEqual({
      method: 'POST',
      bytes: body.length,
    });
  });

  it('retries an upstream failing 1 in 3 requests: zero client errors with retry, a third without', async () => {
    const statuses = async (path: string, method = 'GET'): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < 60; i++) {
        out.push((await http(`${a.outbound}${path}`, { method, headers: { host: 'b' } })).status);
      }
      return out;
    };
    expect((await statuses('/flaky-retried')).filter((s) => s !== 200)).toEqual([]);
    expect((await statuses('/flaky-bare')).filter((s) => s === 503)).toHaveLength(20);
    // POST is not idempotent: never retried, whatever the route says.
    expect((await statuses('/flaky-retried', 'POST')).filter((s) => s === 503)).toHaveLength(20);
    const metrics = (await http(`http://127.0.0.1:${a.adminPort}/metrics`)).body;
    expect(metrics).toMatch(/weft_upstream_retries_total\{weft_retry_reason="status_503"\} [1-9]/);
  });

  it('rejects an invalid filter at apply with its field path', async () => {
    const res = await mesh.apply(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: bad-filter }
spec:
  parentRefs: [{ kind: Service, name: b }]
  rules:
    - matches: [{ path: { type: Exact, value: /x } }]
      filters: [{ type: URLRewrite, urlRewrite: { path: { type: ReplacePrefixMatch, replacePrefixMatch: /y } } }]
      backendRefs: [{ name: b-v1 }]
`);
    expect(res.status).toBe(422);
    expect(JSON.parse(res.body)).toEqual([
      {
        resource: 'HTTPRoute/default/bad-filter',
        path: 'spec.rules[0].filters',
        message: 'ReplacePrefixMatch needs every match of the rule to be a PathPrefix match',
      },
    ]);
    const { items } = await json<{ items: { metadata: { name: string } }[] }>(
      `${mesh.controlPlane().url}/v1/resources`,
    );
    expect(items.map((r) => r.metadata.name)).not.toContain('bad-filter');
  });
});
