// Unit spec for parseResource: valid Services and HTTPRoutes with defaults, and errors naming resource and field path.
import { describe, expect, it } from '@jest/globals';
import type { FieldError, Result } from '../field-error.js';
import { HTTPRoute } from './http-route.dto.js';
import { keyOf, parseResource, type Resource } from './resource.js';
import { Service } from './service.dto.js';
import { egressGatewayOf } from './external-service.dto.js';
import { outboundTrafficMode, type MeshConfig } from './mesh-config.dto.js';
import type { TrafficPolicy } from './traffic-policy.dto.js';

function service(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'reviews' },
    spec: { selector: { app: 'reviews' }, ports: [{ port: 9080 }] },
    ...overrides,
  };
}

function route(spec: Record<string, unknown>, name = 'reviews-split'): Record<string, unknown> {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'shop' },
    spec,
  };
}

function errorsOf(result: Result<Resource>): readonly FieldError[] {
  if (result.ok) throw new Error(`expected errors, parsed ${JSON.stringify(result.value)}`);
  return result.errors;
}

function valueOf(result: Result<Resource>): Resource {
  if (!result.ok) throw new Error(`expected a value, got ${JSON.stringify(result.errors)}`);
  return result.value;
}

describe('parseResource', () => {
  describe('Service', () => {
    it('parses a valid Service into the Service class with namespace defaulted', () => {
      const svc = valueOf(parseResource(service()));
      expect(svc).toBeInstanceOf(Service);
      expect(svc.metadata).toMatchObject({ name: 'reviews', namespace: 'default' });
      expect((svc as Service).spec.selector).toEqual({ app: 'reviews' });
      expect(keyOf(svc)).toBe('service.default.reviews');
    });

    it('accepts a Service without spec (no selector)', () => {
      const svc = valueOf(
        parseResource({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } }),
      );
      expect((svc as Service).spec.selector).toBeUndefined();
    });

    it('rejects a wrong apiVersion at path apiVersion', () => {
      const errors = errorsOf(parseResource(service({ apiVersion: 'apps/v1' })));
      expect(errors).toEqual([
        expect.objectContaining({ resource: 'Service/default/reviews', path: 'apiVersion' }),
      ]);
    });

    it('rejects a selector that is not a label map', () => {
      for (const selector of [{ app: 5 }, { 'bad key!': 'x' }, { app: 'has space' }, ['app']]) {
        const errors = errorsOf(parseResource(service({ spec: { selector } })));
        expect(errors).toEqual([
          expect.objectContaining({ resource: 'Service/default/reviews', path: 'spec.selector' }),
        ]);
      }
    });

    it('rejects a name that is not a DNS label', () => {
      const errors = errorsOf(parseResource(service({ metadata: { name: 'Reviews_1' } })));
      expect(errors.map((e) => e.path)).toEqual(['metadata.name']);
    });
  });

  describe('null fields (found by resource-apply.property.spec)', () => {
    it('reads a null field as unset (a null maxEjectionTime crashed the proxy that applied it)', () => {
      const parsed = valueOf(
        parseResource({
          apiVersion: 'weft.dev/v1alpha1',
          kind: 'TrafficPolicy',
          metadata: { name: 'p', namespace: 'shop', labels: null },
          spec: {
            targetRefs: [{ kind: 'Service', name: 'reviews' }],
            outlierDetection: { maxEjectionTime: null },
          },
        }),
      ) as TrafficPolicy;
      expect([parsed.spec.outlierDetection?.maxEjectionTime, parsed.metadata.labels]).toEqual([
        undefined,
        undefined,
      ]);
    });

    it('still refuses a null list item, and a null required field, at their paths', () => {
      const errors = errorsOf(
        parseResource({
          apiVersion: 'weft.dev/v1alpha1',
          kind: 'TrafficPolicy',
          metadata: { name: null },
          spec: { targetRefs: [null] },
        }),
      );
      expect(errors.map((e) => e.path)).toEqual(
        expect.arrayContaining(['metadata.name', 'spec.targetRefs[0]']),
      );
    });
  });

  describe('MeshConfig', () => {
    const meshConfig = (metadata: object, spec: object = {}) => ({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'MeshConfig',
      metadata,
      spec,
    });

    it('parses the root namespace default, ALLOW_ANY unless it says otherwise', () => {
      const root = { name: 'default', namespace: 'weft-system' };
      const set = { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } };
      const modes = [meshConfig(root), meshConfig(root, set)].map((raw) => {
        const parsed = valueOf(parseResource(raw)) as MeshConfig;
        return outboundTrafficMode([parsed]);
      });
      expect(modes).toEqual(['ALLOW_ANY', 'REGISTRY_ONLY']);
    });

    it('refuses another namespace or name, and an unknown mode, at their paths', () => {
      const misplaced = errorsOf(parseResource(meshConfig({ name: 'mesh', namespace: 'shop' })));
      expect(misplaced.map((e) => [e.resource, e.path])).toEqual([
        ['MeshConfig/shop/mesh', 'metadata.namespace'],
        ['MeshConfig/shop/mesh', 'metadata.name'],
      ]);
      const root = { name: 'default', namespace: 'weft-system' };
      const bad = meshConfig(root, { outboundTrafficPolicy: { mode: 'ALLOW_SOME' } });
      expect(errorsOf(parseResource(bad))).toEqual([
        {
          resource: 'MeshConfig/weft-system/default',
          path: 'spec.outboundTrafficPolicy.mode',
          message: 'must be one of ALLOW_ANY, REGISTRY_ONLY',
        },
      ]);
    });
  });

  describe('HTTPRoute', () => {
    const split = {
      parentRefs: [{ kind: 'Service', name: 'reviews' }],
      rules: [
        {
          matches: [{ path: { value: '/api' } }],
          backendRefs: [{ name: 'reviews-v1', weight: 80 }, { name: 'reviews-v2' }],
        },
      ],
    };

    it('parses a valid HTTPRoute and applies Gateway API defaults', () => {
      const parsed = valueOf(parseResource(route(split)));
      expect(parsed).toBeInstanceOf(HTTPRoute);
      const rule = (parsed as HTTPRoute).spec.rules[0];
      expect(rule.matches?.[0].path).toEqual({ type: 'PathPrefix', value: '/api' });
      expect(rule.backendRefs?.map((b) => [b.name, b.weight])).toEqual([
        ['reviews-v1', 80],
        ['reviews-v2', 1],
      ]);
      expect(keyOf(parsed)).toBe('httproute.shop.reviews-split');
    });

    it('defaults the namespace to "default"', () => {
      const raw = { ...route(split), metadata: { name: 'r' } };
      expect(valueOf(parseResource(raw)).metadata.namespace).toBe('default');
    });

    it('rejects a negative weight at its backendRef path', () => {
      const errors = errorsOf(
        parseResource(
          route({ ...split, rules: [{ backendRefs: [{ name: 'a' }, { name: 'b', weight: -1 }] }] }),
        ),
      );
      expect(errors).toEqual([
        expect.objectContaining({
          resource: 'HTTPRoute/shop/reviews-split',
          path: 'spec.rules[0].backendRefs[1].weight',
        }),
      ]);
    });

    it("rejects a Service parent's port or port name at its parentRef path", () => {
      const parents = [
        { kind: 'Service', name: 'reviews', port: 70_000 },
        { kind: 'Service', name: 'reviews', port: '80' },
        { kind: 'Service', name: 'reviews', sectionName: 'Admin Port' },
      ];
      const errors = errorsOf(parseResource(route({ ...split, parentRefs: parents })));
      expect(new Set(errors.map((e) => `${e.resource} ${e.path}`))).toEqual(
        new Set([
          'HTTPRoute/shop/reviews-split spec.parentRefs[0].port',
          'HTTPRoute/shop/reviews-split spec.parentRefs[1].port',
          'HTTPRoute/shop/reviews-split spec.parentRefs[2].sectionName',
        ]),
      );
    });

    it('reports a missing backend name once, as "is required"', () => {
      const errors = errorsOf(
        parseResource(route({ ...split, rules: [{ backendRefs: [{ weight: 1 }] }] })),
      );
      expect(errors).toEqual([
        {
          resource: 'HTTPRoute/shop/reviews-split',
          path: 'spec.rules[0].backendRefs[0].name',
          message: 'is required',
        },
      ]);
    });

    it('rejects a path value that does not start with "/"', () => {
      const errors = errorsOf(
        parseResource(
          route({ ...split, rules: [{ matches: [{ path: { type: 'Exact', value: 'api' } }] }] }),
        ),
      );
      expect(errors).toEqual([
        {
          resource: 'HTTPRoute/shop/reviews-split',
          path: 'spec.rules[0].matches[0].path.value',
          message: 'must start with "/"',
        },
      ]);
    });

    it('rejects a Service apiVersion on an HTTPRoute', () => {
      const errors = errorsOf(parseResource({ ...route(split), apiVersion: 'v1' }));
      expect(errors.map((e) => e.path)).toEqual(['apiVersion']);
    });

    it('reports every bad field, not only the first', () => {
      const errors = errorsOf(
        parseResource(
          route({
            parentRefs: [{ kind: 'Service', name: 'reviews' }],
            rules: [
              { matches: [{ method: 'FETCH' }] },
              { backendRefs: [{ name: 'b', weight: 2_000_000 }] },
            ],
          }),
        ),
      );
      expect(errors.map((e) => e.path)).toEqual([
        'spec.rules[0].matches[0].method',
        'spec.rules[1].backendRefs[0].weight',
      ]);
    });
  });

  describe('kind dispatch', () => {
    it('rejects an unknown kind at path kind, naming Kind/namespace/name', () => {
      const errors = errorsOf(
        parseResource({ apiVersion: 'v1', kind: 'Foo', metadata: { name: 'x' } }),
      );
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ resource: 'Foo/default/x', path: 'kind' });
      expect(errors[0].message).toContain('Service, HTTPRoute');
    });

    it('rejects a missing kind and non-object input without throwing', () => {
      expect(errorsOf(parseResource({ metadata: { name: 'x' } }))[0]).toMatchObject({
        resource: '<no kind>/default/x',
        path: 'kind',
      });
      for (const raw of [null, undefined, 42, 'Service', []]) {
        expect(errorsOf(parseResource(raw))[0].path).toBe('kind');
      }
    });

    it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])(
      'rejects kind %j, an Object.prototype member, as unknown instead of throwing',
      (kind) => {
        const errors = errorsOf(parseResource({ apiVersion: 'v1', kind, metadata: { name: 'x' } }));
        expect(errors).toEqual([expect.objectContaining({ path: 'kind' })]);
      },
    );
  });

  describe('HTTPRoute filters', () => {
    const rule = (filters: unknown[], matches: unknown[] = []) =>
      route({
        parentRefs: [{ kind: 'Service', name: 'reviews' }],
        rules: [{ matches, filters, backendRefs: [{ name: 'reviews' }] }],
      });

    it('parses each filter kind', () => {
      const r = valueOf(
        parseResource(
          rule([
            {
              type: 'RequestHeaderModifier',
              requestHeaderModifier: { set: [{ name: 'x-a', value: '1' }], remove: ['x-b'] },
            },
            {
              type: 'ResponseHeaderModifier',
              responseHeaderModifier: { add: [{ name: 'x-c', value: '2' }] },
            },
            {
              type: 'URLRewrite',
              urlRewrite: {
                hostname: 'r.shop',
                path: { type: 'ReplaceFullPath', replaceFullPath: '/v2' },
              },
            },
            {
              type: 'RequestMirror',
              requestMirror: { backendRef: { name: 'shadow' }, percent: 10 },
            },
          ]),
        ),
      ) as HTTPRoute;
      expect(r.spec.rules[0].filters?.map((f) => f.type)).toEqual([
        'RequestHeaderModifier',
        'ResponseHeaderModifier',
        'URLRewrite',
        'RequestMirror',
      ]);
    });

    it('takes a RequestMirror fraction; refuses one above the whole, a zero denominator, and percent with it', () => {
      const mirror = (requestMirror: object) => rule([{ type: 'RequestMirror', requestMirror }]);
      const shadow = { name: 'shadow' };
      expect(
        valueOf(
          parseResource(mirror({ backendRef: shadow, fraction: { numerator: 1, denominator: 3 } })),
        ),
      ).toBeDefined();
      const at = 'spec.rules[0].filters[0].requestMirror.fraction';
      expect(
        errorsOf(parseResource(mirror({ backendRef: shadow, fraction: { numerator: 101 } }))),
      ).toEqual([
        expect.objectContaining({
          path: `${at}.numerator`,
          message: expect.stringMatching(/denominator/),
        }),
      ]);
      expect(
        errorsOf(
          parseResource(mirror({ backendRef: shadow, fraction: { numerator: 0, denominator: 0 } })),
        ),
      ).toEqual([expect.objectContaining({ path: `${at}.denominator` })]);
      expect(
        errorsOf(
          parseResource(mirror({ backendRef: shadow, percent: 5, fraction: { numerator: 1 } })),
        ),
      ).toEqual([
        expect.objectContaining({ path: at, message: expect.stringMatching(/alternatives/) }),
      ]);
    });

    it('takes header modifiers on a backendRef, and refuses the filters that stand on a rule', () => {
      const withBackendFilters = (filters: unknown[]) =>
        route({
          parentRefs: [{ kind: 'Service', name: 'reviews' }],
          rules: [{ backendRefs: [{ name: 'reviews', filters }] }],
        });
      const set = { set: [{ name: 'x-v', value: '1' }] };
      const ok = valueOf(
        parseResource(
          withBackendFilters([
            { type: 'RequestHeaderModifier', requestHeaderModifier: set },
            { type: 'ResponseHeaderModifier', responseHeaderModifier: set },
          ]),
        ),
      ) as HTTPRoute;
      expect(ok.spec.rules[0].backendRefs?.[0].filters).toHaveLength(2);
      const rewrite = { type: 'URLRewrite', urlRewrite: { hostname: 'r.shop' } };
      expect(errorsOf(parseResource(withBackendFilters([rewrite])))).toEqual([
        expect.objectContaining({
          path: 'spec.rules[0].backendRefs[0].filters[0].type',
          message: expect.stringMatching(
            /RequestHeaderModifier, ResponseHeaderModifier on a backendRef/,
          ),
        }),
      ]);
      const bad = {
        type: 'RequestHeaderModifier',
        requestHeaderModifier: { set: [{ name: 'x', value: 'a\r\nb' }] },
      };
      expect(errorsOf(parseResource(withBackendFilters([bad])))[0].path).toMatch(
        /^spec\.rules\[0\]\.backendRefs\[0\]\.filters\[0\]\.requestHeaderModifier/,
      );
    });

    it('needs the field its type names', () => {
      expect(errorsOf(parseResource(rule([{ type: 'URLRewrite' }])))).toEqual([
        expect.objectContaining({
          path: 'spec.rules[0].filters[0].urlRewrite',
          message: 'is required',
        }),
      ]);
    });

    it('refuses ReplacePrefixMatch on a rule with a non-prefix match, and redirect with rewrite', () => {
      const prefixRewrite = {
        type: 'URLRewrite',
        urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } },
      };
      expect(
        errorsOf(parseResource(rule([prefixRewrite], [{ path: { type: 'Exact', value: '/a' } }]))),
      ).toEqual([
        expect.objectContaining({
          path: 'spec.rules[0].filters',
          message: expect.stringContaining('ReplacePrefixMatch needs every match'),
        }),
      ]);
      const both = [
        prefixRewrite,
        { type: 'RequestRedirect', requestRedirect: { scheme: 'https' } },
      ];
      expect(errorsOf(parseResource(rule(both)))[0].message).toContain(
        'both RequestRedirect and URLRewrite',
      );
    });
  });

  describe('hostile values (refused at apply, with the field path)', () => {
    const parent = { parentRefs: [{ kind: 'Service', name: 'reviews' }] };
    const pathsOf = (rules: unknown[]) =>
      errorsOf(parseResource(route({ ...parent, rules }))).map((e) => [e.path, e.message]);

    it.each([
      ['a lookahead', '/a(?=b)', /RE2 regular expression.*Perl syntax/],
      ['a backreference', '/(a)\\1', /RE2 regular expression.*escape/],
      [
        'a nested repeat past RE2 limits',
        '/((a{100}){100}){100}',
        /RE2 regular expression.*repeat/,
      ],
    ])('a RegularExpression path with %s', (_what, value, message) => {
      expect(pathsOf([{ matches: [{ path: { type: 'RegularExpression', value } }] }])).toEqual([
        ['spec.rules[0].matches[0].path.value', expect.stringMatching(message)],
      ]);
    });

    it('a RegularExpression header match RE2 does not run', () => {
      const headers = [{ name: 'x-id', type: 'RegularExpression', value: '(?<!a)b' }];
      expect(pathsOf([{ matches: [{ headers }] }])).toEqual([
        ['spec.rules[0].matches[0].headers[0].value', expect.stringMatching(/RE2/)],
      ]);
    });

    it.each(['a\r\nX-Injected: 1', 'a\nb', 'a\u0000b', '\u65e5\u672c'])(
      'a header value holding CR, LF, NUL or what Latin-1 lacks: %j',
      (value) => {
        const filters = [
          {
            type: 'RequestHeaderModifier',
            requestHeaderModifier: { set: [{ name: 'x-a', value }] },
          },
          {
            type: 'ResponseHeaderModifier',
            responseHeaderModifier: { add: [{ name: 'x-b', value }] },
          },
        ];
        expect(pathsOf([{ filters }]).map(([path]) => path)).toEqual([
          'spec.rules[0].filters[0].requestHeaderModifier.set[0].value',
          'spec.rules[0].filters[1].responseHeaderModifier.add[0].value',
        ]);
      },
    );

    it('a rewrite path that would break the request line', () => {
      const urlRewrite = { path: { type: 'ReplaceFullPath', replaceFullPath: '/a b\r\nX: 1' } };
      expect(pathsOf([{ filters: [{ type: 'URLRewrite', urlRewrite }] }])).toEqual([
        [
          'spec.rules[0].filters[0].urlRewrite.path.replaceFullPath',
          expect.stringMatching(/printable ASCII/),
        ],
      ]);
    });

    it('keeps tabs and Latin-1 text in header values', () => {
      const set = [{ name: 'x-a', value: 'a\tb caf\u00e9' }];
      const filters = [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set } }];
      expect(parseResource(route({ ...parent, rules: [{ filters }] })).ok).toBe(true);
    });
  });

  describe('ExternalService tls', () => {
    const external = (tls: Record<string, unknown>): Record<string, unknown> => ({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'ExternalService',
      metadata: { name: 'payments' },
      spec: {
        hosts: ['payments.example.com'],
        endpoints: [{ address: '10.0.0.1', port: 443 }],
        tls,
      },
    });
    const paths = (tls: Record<string, unknown>): string[] =>
      errorsOf(parseResource(external(tls))).map((e) => `${e.path}: ${e.message}`);

    it('takes SIMPLE with a CA file and SNI, and MUTUAL with a client certificate and key', () => {
      expect(
        valueOf(
          parseResource(
            external({ mode: 'SIMPLE', sni: 'pay.example.com', caCertificates: '/etc/ca.pem' }),
          ),
        ).kind,
      ).toBe('ExternalService');
      expect(
        valueOf(
          parseResource(
            external({ mode: 'MUTUAL', clientCertificate: '/c.pem', privateKey: '/k.pem' }),
          ),
        ).kind,
      ).toBe('ExternalService');
    });

    it('names the field of each mistake', () => {
      expect(paths({ mode: 'STRICT' })).toEqual(['spec.tls.mode: must be SIMPLE or MUTUAL']);
      expect(paths({ mode: 'MUTUAL', privateKey: '/k.pem' })).toEqual([
        'spec.tls.clientCertificate: is required',
      ]);
      expect(paths({ mode: 'SIMPLE', clientCertificate: '/c.pem' })).toEqual([
        'spec.tls.clientCertificate: is only used with mode MUTUAL',
      ]);
      expect(paths({ mode: 'SIMPLE', caCertificates: 'ca.pem', sni: 'Not A Name' })).toEqual([
        'spec.tls.sni: must be a lower-case DNS name',
        'spec.tls.caCertificates: must be an absolute file path',
      ]);
    });
  });

  describe('ExternalService egress', () => {
    const external = (egress: unknown): Record<string, unknown> => ({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'ExternalService',
      metadata: { name: 'payments', namespace: 'shop' },
      spec: { endpoints: [{ address: '10.0.0.1', port: 443 }], egress },
    });

    it('names its Gateway, in its own namespace unless it says another', () => {
      const own = valueOf(parseResource(external({ gatewayRef: { name: 'egress' } })));
      const other = valueOf(
        parseResource(external({ gatewayRef: { name: 'egress', namespace: 'weft-system' } })),
      );
      expect(own.kind === 'ExternalService' && egressGatewayOf(own)).toBe('shop/egress');
      expect(other.kind === 'ExternalService' && egressGatewayOf(other)).toBe('weft-system/egress');
    });

    it('names the field of each mistake', () => {
      const paths = (egress: unknown): string[] =>
        errorsOf(parseResource(external(egress))).map((e) => e.path);
      expect(paths({})).toEqual(['spec.egress.gatewayRef']);
      expect(paths({ gatewayRef: { name: 'Egress' } })).toEqual(['spec.egress.gatewayRef.name']);
      expect(paths({ gatewayRef: { name: 'egress', namespace: 'a/b' } })).toEqual([
        'spec.egress.gatewayRef.namespace',
      ]);
    });
  });

  describe('ServiceExport', () => {
    const raw = (spec?: unknown) => ({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'ServiceExport',
      metadata: { name: 'api', namespace: 'shop' },
      ...(spec === undefined ? {} : { spec }),
    });

    it('names the Service it exports; spec is empty or absent', () => {
      for (const r of [raw(), raw({})]) {
        const parsed = valueOf(parseResource(r));
        expect(parsed.kind).toBe('ServiceExport');
        expect(parsed.metadata).toMatchObject({ name: 'api', namespace: 'shop' });
      }
    });

    it('refuses a field in spec rather than dropping it unseen', () => {
      const errors = errorsOf(parseResource(raw({ clusters: ['east'] })));
      expect(errors).toEqual([
        {
          resource: 'ServiceExport/shop/api',
          path: 'spec',
          message: 'must be empty: a ServiceExport has nothing to set',
        },
      ]);
    });
  });
  describe('WorkloadGroup', () => {
    const raw = (spec: unknown) => ({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'WorkloadGroup',
      metadata: { name: 'kiosk', namespace: 'shop' },
      spec,
    });

    it('registers a service, with optional service account, sites, labels and locality', () => {
      const spec = {
        service: 'kiosk',
        serviceAccount: 'kiosk-sa',
        sites: ['edge-1', 'edge-2'],
        labels: { version: 'v1' },
        locality: { region: 'eu-west', zone: 'edge-1' },
      };
      expect(valueOf(parseResource(raw(spec)))).toMatchObject({ kind: 'WorkloadGroup', spec });
      expect(valueOf(parseResource(raw({ service: 'kiosk' }))).kind).toBe('WorkloadGroup');
    });

    it('names the field and the reason of each error', () => {
      const errors = errorsOf(
        parseResource(
          raw({
            sites: ['edge-1', 'Edge_2', 'edge-1'],
            labels: { app: 'other' },
            locality: { zone: 'Zone A' },
          }),
        ),
      );
      const byPath = Object.fromEntries(errors.map((e) => [e.path, e.message]));
      expect(errors.every((e) => e.resource === 'WorkloadGroup/shop/kiosk')).toBe(true);
      expect(byPath).toMatchObject({
        'spec.service': 'is required',
        'spec.labels': 'must not set app: it is always the service',
        'spec.locality.zone': expect.stringMatching(/^must be a lower-case DNS label/),
      });
      expect(byPath['spec.sites']).toMatch(/DNS label|must not repeat/);
    });

    it('refuses a spec that is missing', () => {
      const errors = errorsOf(parseResource(raw(undefined)));
      expect(errors).toEqual([
        { resource: 'WorkloadGroup/shop/kiosk', path: 'spec', message: expect.any(String) },
      ]);
    });
  });
});
