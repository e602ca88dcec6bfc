// Bench process: route lookup cost with ROUTES HTTPRoutes on one Service, through the compiled
// table's own lookup (host → virtual host → match index), against a linear scan of the same path
// matchers in precedence order (how lookup worked before the index). Prints one JSON line.
import { parseResource, type HTTPRoute, type Service } from '@app/protocol';
import { compileRouteTable } from '@app/dataplane/routing/route-compiler.js';
import { compilePathMatcher, type PathMatcher } from '@app/dataplane/routing/path-matcher.js';
import { ClusterRegistry } from '@app/dataplane/upstream/cluster-registry.js';

const count = Number(process.env.ROUTES ?? '10');
const lookups = Number(process.env.LOOKUPS ?? '1000000');
/** The scan costs ~N per lookup: fewer of them keep its run to a few seconds. */
const scanLookups = Math.min(lookups, Math.ceil(5e7 / count));

function parsed<T>(raw: unknown): T {
  const result = parseResource(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value as T;
}

/** Route i: an Exact path for every third, else a PathPrefix; every fifth also matches a method. */
function pathOf(i: number): { type: 'Exact' | 'PathPrefix'; value: string } {
  return { type: i % 3 === 0 ? 'Exact' : 'PathPrefix', value: `/svc-${i}/items` };
}

const routes = Array.from({ length: count }, (_, i) =>
  parsed<HTTPRoute>({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: `r-${i}`, namespace: 'bench' },
    spec: {
      parentRefs: [{ kind: 'Service', name: 'api' }],
      rules: [
        {
          matches: [{ path: pathOf(i), ...(i % 5 === 0 && { method: 'GET' }) }],
          backendRefs: [{ name: 'api' }],
        },
      ],
    },
  }),
);
const service = parsed<Service>({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'api', namespace: 'bench' },
  spec: { selector: { app: 'api' } },
});

const compileStart = performance.now();
const result = compileRouteTable(
  {
    revision: 1,
    services: [service],
    routes,
    externalServices: [],
    endpointSets: new Set(),
    localNamespace: 'bench',
    defaultTimeoutMs: 15_000,
  },
  new ClusterRegistry(),
);
const compileMs = performance.now() - compileStart;
if (!result.ok) throw new Error(JSON.stringify(result.errors));
const table = result.value;

/** 1,000 request paths spread over every route (a third of them exact hits, the rest prefixes). */
const paths = Array.from({ length: 1_000 }, (_, k) => {
  const i = Math.floor((k * count) / 1_000);
  return i % 3 === 0 ? `/svc-${i}/items` : `/svc-${i}/items/${k}`;
});
const headers = {};

function indexed(n0: number): number {
  let found = 0;
  for (let n = 0; n < n0; n++) {
    const vhost = table.host('api')!;
    if (vhost.resolve(paths[n % 1_000], '', 'GET', headers)) found++;
  }
  return found;
}

// The scan the table did before: every matcher in precedence order until one matches.
const matchers: PathMatcher[] = routes
  .map((_, i) => compilePathMatcher(pathOf(i)))
  .sort((a, b) => Number(a.type !== 'Exact') - Number(b.type !== 'Exact') || b.length - a.length);
function scanned(n0: number): number {
  let found = 0;
  for (let n = 0; n < n0; n++) {
    const path = paths[n % 1_000];
    for (const m of matchers) {
      if (m.matches(path)) {
        found++;
        break;
      }
    }
  }
  return found;
}

/** ns per lookup, best of 3 runs after a warm-up (the least disturbed by other load). */
function measure(run: (n: number) => number, n: number): number {
  if (run(n) !== n) throw new Error('a lookup found no route');
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = process.hrtime.bigint();
    run(n);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / n);
  }
  return best;
}

const indexNs = measure(indexed, lookups);
const scanNs = measure(scanned, scanLookups);
console.log(JSON.stringify({ routes: count, compileMs, indexNs, scanNs, lookups }));
