// Property spec: what validation accepts, the data plane applies and Node can send; nothing accepted then fails.
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseResource, type HTTPRoute, type Service } from '@app/protocol';
import { ClusterRegistry } from '../upstream/cluster-registry.js';
import { compileRouteTable } from './route-compiler.js';

const NS = 'shop';
const SERVICES = ['reviews', 'ratings'].map((name) => {
  const parsed = parseResource({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value as Service;
});

/** Strings from the characters that break things: regex syntax, CR/LF/NUL, spaces, non-Latin-1. */
const hostile = fc.string({
  unit: fc.constantFrom(...'/a.*+?()[]{}|\\^$-=:,; \t\r\n\0é日'.split('')),
  maxLength: 24,
});
const path = fc.oneof(
  hostile,
  hostile.map((s) => `/${s}`),
);
const pathMatch = fc.record(
  { type: fc.constantFrom('Exact', 'PathPrefix', 'RegularExpression'), value: path },
  { requiredKeys: [] },
);
const headerMatch = fc.record({
  name: fc.constantFrom('x-id', 'X-Env', 'bad name'),
  type: fc.constantFrom('Exact', 'RegularExpression'),
  value: hostile,
});
const header = fc.record({ name: fc.constantFrom('x-a', 'X-B', 'bad:name'), value: hostile });
const headerFilter = fc.record(
  { set: fc.array(header, { maxLength: 2 }), add: fc.array(header, { maxLength: 2 }) },
  { requiredKeys: [] },
);
const pathModifier = fc.oneof(
  fc.record({ type: fc.constant('ReplaceFullPath'), replaceFullPath: path }),
  fc.record({ type: fc.constant('ReplacePrefixMatch'), replacePrefixMatch: path }),
);
const filter = fc.oneof(
  headerFilter.map((f) => ({ type: 'RequestHeaderModifier', requestHeaderModifier: f })),
  headerFilter.map((f) => ({ type: 'ResponseHeaderModifier', responseHeaderModifier: f })),
  pathModifier.map((p) => ({ type: 'URLRewrite', urlRewrite: { path: p } })),
);
const rule = fc.record(
  {
    matches: fc.array(
      fc.record(
        { path: pathMatch, headers: fc.array(headerMatch, { maxLength: 2 }) },
        { requiredKeys: [] },
      ),
      { maxLength: 2 },
    ),
    filters: fc.array(filter, { maxLength: 2 }),
    backendRefs: fc.array(
      fc.record({ name: fc.constantFrom('reviews', 'ratings'), weight: fc.nat(3) }),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);
const routeDoc = fc.array(rule, { minLength: 1, maxLength: 3 }).map((rules) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'r', namespace: NS },
  spec: { parentRefs: [{ kind: 'Service', name: 'reviews' }], rules },
}));

/** Node refuses a request path with characters outside U+0021–U+00FF (ERR_UNESCAPED_CHARACTERS). */
const sendablePath = (p: string) => !/[^\u0021-\u00ff]/.test(p);

describe('HTTPRoute validation against the data plane (property)', () => {
  it('every route validation accepts compiles, and every header and path it writes can be sent', () => {
    let accepted = 0;
    fc.assert(
      fc.property(routeDoc, (doc) => {
        const parsed = parseResource(doc);
        if (!parsed.ok) return;
        accepted++;
        const route = parsed.value as HTTPRoute;
        const compiled = compileRouteTable(
          {
            revision: 1,
            services: SERVICES,
            routes: [route],
            externalServices: [],
            endpointSets: new Set(),
            localNamespace: NS,
            defaultTimeoutMs: 15_000,
          },
          new ClusterRegistry(),
        );
        expect(compiled.ok ? [] : compiled.errors).toEqual([]);
        for (const r of route.spec.rules) {
          for (const f of r.filters ?? []) {
            const mod = f.requestHeaderModifier ?? f.responseHeaderModifier;
            for (const h of [...(mod?.set ?? []), ...(mod?.add ?? [])]) {
              expect(() => validateHeaderName(h.name)).not.toThrow();
              expect(() => validateHeaderValue(h.name, h.value)).not.toThrow();
            }
            const p = f.urlRewrite?.path;
            const written = p?.replaceFullPath ?? p?.replacePrefixMatch;
            if (written !== undefined) expect(sendablePath(written)).toBe(true);
          }
        }
      }),
      { numRuns: 1000 },
    );
    // The generator must reach the interesting side: routes that pass validation.
    expect(accepted).toBeGreaterThan(100);
  });
});
