// Property spec, every resource kind: validation never throws, and whatever it accepts a proxy
// applies (planned, committed, its policies compiled) without an error or a throw.
import { afterAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  effectiveMtlsMode,
  keyOf,
  outboundTrafficMode,
  parseResource,
  RESOURCE_KINDS,
  type Resource,
  type ResourceKind,
} from '@app/protocol';
import { InboundAuthorizations } from '../authorization/inbound-authorizations.js';
import { ServedServices } from '../bus/served-services.js';
import { PolicyHolder } from '../policy/mesh-policies.js';
import { RouteTableHolder } from '../routing/route-table-holder.js';
import { ClusterRegistry } from '../upstream/cluster-registry.js';
import { PoolRegistry } from '../upstream/pool-registry.js';
import { MeshState } from './mesh-state.js';
import { RouteConfigurator } from './route-configurator.js';

const NS = 'shop';
const WORKLOAD = { namespace: NS, labels: { app: 'reviews', version: 'v1' }, port: 9080 };

/** Characters that break parsers, regexes, headers and subjects. */
const hostile = fc.string({
  unit: fc.constantFrom(...'/a.*+?()[]{}|\\^$-=:,; \t\r\n\0é日>'.split('')),
  maxLength: 16,
});
/** Anything a YAML value can be. */
const junk = fc.oneof(
  hostile,
  fc.integer({ min: -2, max: 70_000 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.constant({}),
  fc.constant([]),
);
/** Mostly one of the plausible values, sometimes junk: enough of both to reach each side. */
const pick = (...values: unknown[]) =>
  fc.oneof({ arbitrary: fc.constantFrom(...values), weight: 40 }, { arbitrary: junk, weight: 1 });
/** Map keys: mostly plausible, sometimes hostile. */
const key = (...keys: string[]) =>
  fc.oneof({ arbitrary: fc.constantFrom(...keys), weight: 40 }, { arbitrary: hostile, weight: 1 });
const some = <T>(arb: fc.Arbitrary<T>, maxLength = 2) => fc.array(arb, { maxLength });
const optional = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T) =>
  fc.record(fields, { requiredKeys: [] });

const name = pick('reviews', 'ratings', 'edge', 'default');
const namespace = pick(NS, 'weft-system');
const port = pick(80, 9080, 8443);
const duration = pick('10s', '500ms', '1m30s', '0s');
const percent = pick(0, 25, 100);
const headerName = pick('x-id', 'X-Env', 'x-b');
const headerValue = fc.oneof(
  { arbitrary: pick('v1', 'a b', ''), weight: 9 },
  { arbitrary: hostile, weight: 1 },
);
const path = fc.oneof(
  { arbitrary: pick('/', '/api', '/v[0-9]+', '/(a+)+b'), weight: 9 },
  { arbitrary: hostile, weight: 1 },
);
const metadata = fc.record(
  {
    name,
    namespace,
    labels: fc.dictionary(key('app'), pick('reviews', 'v1')),
    annotations: fc.dictionary(key('weft.dev/transport', 'note'), pick('http', 'bus')),
  },
  { requiredKeys: ['name'] },
);
const doc = (
  apiVersion: string,
  kind: string,
  spec: fc.Arbitrary<unknown>,
  meta: fc.Arbitrary<unknown> = metadata,
) => fc.record({ apiVersion: pick(apiVersion), kind: fc.constant(kind), metadata: meta, spec });

const headerFilter = optional({
  set: some(optional({ name: headerName, value: headerValue })),
  add: some(optional({ name: headerName, value: headerValue })),
  remove: some(headerName),
});
const backendRef = optional({ name, namespace, port, weight: pick(0, 1, 80) });
const filter = fc.oneof(
  headerFilter.map((f) => ({ type: 'RequestHeaderModifier', requestHeaderModifier: f })),
  headerFilter.map((f) => ({ type: 'ResponseHeaderModifier', responseHeaderModifier: f })),
  optional({
    hostname: pick('rewritten.example'),
    path: optional({
      type: pick('ReplaceFullPath', 'ReplacePrefixMatch'),
      replaceFullPath: path,
      replacePrefixMatch: path,
    }),
  }).map((u) => ({ type: 'URLRewrite', urlRewrite: u })),
  optional({
    scheme: pick('http', 'https'),
    hostname: pick('shop.example'),
    port,
    statusCode: pick(301, 302, 303, 307, 308),
    path: optional({ type: pick('ReplaceFullPath'), replaceFullPath: path }),
  }).map((r) => ({ type: 'RequestRedirect', requestRedirect: r })),
  optional({
    backendRef,
    percent,
    fraction: optional({ numerator: pick(1, 0), denominator: pick(4, 100) }),
  }).map((m) => ({ type: 'RequestMirror', requestMirror: m })),
);
const httpRoute = doc(
  'gateway.networking.k8s.io/v1',
  'HTTPRoute',
  optional({
    parentRefs: some(
      optional({
        kind: pick('Service', 'Gateway'),
        group: pick('', 'gateway.networking.k8s.io'),
        name,
        namespace,
        port,
        sectionName: pick('http', 'admin', 'web'),
      }),
    ),
    hostnames: some(pick('shop.example', '*.example.com')),
    rules: some(
      optional({
        matches: some(
          optional({
            path: optional({ type: pick('Exact', 'PathPrefix', 'RegularExpression'), value: path }),
            headers: some(optional({ name: headerName, type: pick('Exact'), value: headerValue })),
            queryParams: some(optional({ name: pick('v'), value: pick('2') })),
            method: pick('GET', 'DELETE'),
          }),
        ),
        filters: some(filter),
        backendRefs: some(
          fc.tuple(backendRef, some(filter, 1)).map(([ref, filters]) => ({ ...ref, filters })),
        ),
        timeouts: optional({ request: duration, backendRequest: duration }),
        retry: optional({
          codes: some(pick(503, 404)),
          attempts: pick(1, 2),
          backoff: duration,
        }),
      }),
      3,
    ),
  }),
);

const service = doc(
  'v1',
  'Service',
  optional({
    selector: fc.dictionary(key('app', 'version'), pick('reviews', 'v1')),
    ports: some(
      optional({
        name: pick('http', 'admin'),
        port,
        protocol: pick('TCP'),
        appProtocol: pick('kubernetes.io/h2c', 'grpc', 'http'),
      }),
    ),
  }),
);

const trafficPolicy = doc(
  'weft.dev/v1alpha1',
  'TrafficPolicy',
  optional({
    targetRefs: fc.array(fc.record({ kind: pick('Service'), name }), {
      minLength: 1,
      maxLength: 2,
    }),
    transport: pick('http', 'bus'),
    loadBalancer: fc.oneof(
      fc.record({ type: pick('RoundRobin', 'LeastRequest') }),
      fc.record({ type: pick('PeakEwma'), peakEwma: optional({ decayTime: duration }) }),
      fc.record({
        type: pick('ConsistentHash'),
        consistentHash: fc.oneof(
          fc.record({ header: headerName }),
          fc.record({ cookie: pick('session') }),
        ),
      }),
    ),
    outlierDetection: optional({
      consecutive5xx: pick(0, 5),
      consecutiveGatewayErrors: pick(0, 3),
      baseEjectionTime: pick('30s', '1s'),
      interval: pick('10s', '500ms'),
      maxEjectionTime: pick('5m'),
      maxEjectionPercent: percent,
    }),
    faultInjection: optional({
      delay: fc.oneof(
        fc.record({ percent, fixedDelay: duration }),
        fc.record({ percentage: fc.record({ value: percent }), fixedDelay: duration }),
      ),
      abort: fc.record({ percentage: fc.record({ value: percent }), httpStatus: pick(503, 418) }),
    }),
    connectionPool: optional({
      maxConnections: pick(1, 4),
      maxPendingRequests: pick(1, 10),
      maxRequestsPerConnection: pick(1, 100),
      maxRetries: pick(0, 3),
    }),
    retryBudget: optional({
      retryRatio: pick(0.2, 1),
      minRetriesPerSecond: pick(0, 10),
      ttl: pick('10s', '1m'),
    }),
    grpcRetry: fc.record(
      {
        retryOn: fc.array(pick('unavailable', 'cancelled'), { minLength: 1, maxLength: 2 }),
        bufferBytes: pick(1024),
      },
      { requiredKeys: ['retryOn'] },
    ),
    retryNonIdempotent: pick(true, false),
    localRateLimit: fc.record(
      {
        maxTokens: pick(1, 100),
        tokensPerFill: pick(1, 5),
        fillInterval: pick('1s', '100ms'),
        per: pick('Route', 'Source'),
      },
      { requiredKeys: ['maxTokens', 'fillInterval'] },
    ),
  }),
);

const externalService = doc(
  'weft.dev/v1alpha1',
  'ExternalService',
  optional({
    hosts: some(pick('pay.example.com', '10.0.0.7')),
    endpoints: some(fc.record({ address: pick('127.0.0.1', '::1', 'pay.example.com'), port })),
    // No certificate files: a path that does not exist is the machine's, not the resource's, fault.
    tls: optional({
      mode: pick('SIMPLE', 'DISABLE'),
      sni: pick('pay.example.com'),
      insecureSkipVerify: pick(true),
    }),
  }),
);

const gateway = doc(
  'gateway.networking.k8s.io/v1',
  'Gateway',
  fc.record({
    gatewayClassName: pick('weft'),
    listeners: some(
      fc.record(
        {
          name: pick('web', 'http'),
          hostname: pick('shop.example', '*.example.com'),
          port,
          protocol: pick('HTTP'),
          allowedRoutes: optional({
            namespaces: optional({ from: pick('All', 'Same') }),
            kinds: some(optional({ kind: pick('HTTPRoute') })),
          }),
        },
        { requiredKeys: ['name', 'port', 'protocol'] },
      ),
      3,
    ),
  }),
);

const selector = optional({ matchLabels: fc.dictionary(key('app', 'version'), pick('reviews')) });
const peerAuthentication = doc(
  'weft.dev/v1alpha1',
  'PeerAuthentication',
  optional({
    selector,
    mtls: optional({ mode: pick('UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT') }),
  }),
);

const values = some(
  fc.oneof(
    { arbitrary: pick('*', 'GET', '/api/*', '*/admin', 'cluster.local/ns/shop/sa/x'), weight: 9 },
    { arbitrary: hostile, weight: 1 },
  ),
);
const authorizationPolicy = doc(
  'weft.dev/v1alpha1',
  'AuthorizationPolicy',
  optional({
    selector,
    action: pick('ALLOW', 'DENY', 'AUDIT'),
    rules: some(
      optional({
        from: some(
          fc.record({ source: optional({ principals: values, namespaces: some(namespace) }) }),
        ),
        to: some(
          fc.record({
            operation: optional({
              hosts: values,
              ports: some(pick(9080, '9080')),
              methods: some(pick('GET', 'POST')),
              paths: values,
              notPaths: values,
            }),
          }),
        ),
        when: some(
          optional({
            key: pick('source.principal', 'request.headers[x-id]', 'destination.port'),
            values,
            notValues: values,
          }),
        ),
      }),
    ),
  }),
);

/** The one MeshConfig is weft-system/default: mostly that, so both sides are reached. */
const meshConfig = doc(
  'weft.dev/v1alpha1',
  'MeshConfig',
  optional({ outboundTrafficPolicy: optional({ mode: pick('ALLOW_ANY', 'REGISTRY_ONLY') }) }),
  fc.record({ name: pick('default', 'default', 'mesh'), namespace: pick('weft-system', NS) }),
);

/** A ServiceExport has nothing to set: an empty spec, or one with a field it must refuse. */
const serviceExport = doc(
  'weft.dev/v1alpha1',
  'ServiceExport',
  fc.oneof(fc.constant({}), optional({ ports: some(port) }), pick('all', null)),
);

/** A WorkloadGroup: its identity, sites, labels (an `app` one it must refuse) and locality. */
const workloadGroup = doc(
  'weft.dev/v1alpha1',
  'WorkloadGroup',
  optional({
    service: name,
    serviceAccount: name,
    sites: some(pick('edge-1', 'edge-2', 'Edge_1')),
    labels: fc.dictionary(key('version', 'app', 'tier'), pick('v1', 'kiosk')),
    locality: optional({ region: pick('eu-west', 'EU'), zone: pick('edge-1') }),
  }),
);

const DOCUMENTS: Record<ResourceKind, fc.Arbitrary<unknown>> = {
  Service: service,
  HTTPRoute: httpRoute,
  TrafficPolicy: trafficPolicy,
  ExternalService: externalService,
  Gateway: gateway,
  PeerAuthentication: peerAuthentication,
  AuthorizationPolicy: authorizationPolicy,
  MeshConfig: meshConfig,
  ServiceExport: serviceExport,
  WorkloadGroup: workloadGroup,
};

/** Services the generated resources refer to, so that references resolve as often as not. */
const BASE = ['reviews', 'ratings'].map((n) => {
  const parsed = parseResource({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: n, namespace: NS },
    spec: { selector: { app: n }, ports: [{ name: 'http', port: 80 }] },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
});

const pools: PoolRegistry[] = [];

/**
 * A proxy's config parts, as an edge router of Gateway `edge` in `shop` (which compiles the
 * Gateway, and the mesh routes too) with one workload whose inbound side enforces the policies.
 */
function proxy() {
  const policies = new PolicyHolder();
  const authorization = new InboundAuthorizations();
  authorization.follow(policies);
  authorization.add(WORKLOAD);
  const pool = new PoolRegistry();
  pools.push(pool);
  const configurator = new RouteConfigurator(
    {
      routes: new RouteTableHolder(),
      clusters: new ClusterRegistry(),
      pools: pool,
      served: new ServedServices(),
      policies,
    },
    { localNamespace: NS, defaultTimeoutMs: 15_000, gatewayName: 'edge' },
  );
  return { configurator, policies };
}

/** Applies `resource` beside the base Services, as one snapshot; what the proxy reads of it too. */
function apply(resource: Resource): void {
  const { configurator, policies } = proxy();
  const state = new MeshState();
  state.revision = 1;
  for (const r of [...BASE, resource]) state.resources.set(keyOf(r), r);
  expect(configurator.applySnapshot(state)).toEqual({ ok: true });
  effectiveMtlsMode(policies.current.ofKind('PeerAuthentication'), WORKLOAD);
  outboundTrafficMode(policies.current.ofKind('MeshConfig'));
}

describe('every resource kind: validation against what a proxy applies (property)', () => {
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  it('has a generator for every kind', () => {
    expect(Object.keys(DOCUMENTS).sort()).toEqual([...RESOURCE_KINDS].sort());
  });

  it.each(RESOURCE_KINDS.map((k) => [k]))(
    '%s: never throws, and what it accepts applies',
    (kind) => {
      let accepted = 0;
      let refused = 0;
      fc.assert(
        fc.property(DOCUMENTS[kind], (raw) => {
          const parsed = parseResource(raw);
          if (!parsed.ok) {
            refused++;
            for (const e of parsed.errors) expect(e.resource).toMatch(new RegExp(`^${kind}/`));
            return;
          }
          accepted++;
          apply(parsed.value);
        }),
        { numRuns: 400 },
      );
      // The generators must reach both sides: what validation accepts, and what it refuses.
      expect([accepted > 20, refused > 20]).toEqual([true, true]);
    },
  );
});
