// Unit spec for the Gateway resource: a valid Gateway, each listener rule with its field path, and
// how routes attach (sectionName, namespaces, hostname intersection).
import { describe, expect, it } from '@jest/globals';
import type { Result } from '../field-error.js';
import { attachRoute, hostnameCovers, intersectHostnames } from './gateway-attachment.js';
import type { Gateway } from './gateway.dto.js';
import type { HTTPRoute } from './http-route.dto.js';
import { parseResource, type Resource } from './resource.js';

const https = {
  name: 'https',
  port: 8443,
  protocol: 'HTTPS',
  hostname: '*.example.com',
  tls: { certificateRefs: [{ name: 'wildcard-tls' }] },
};
const http = { name: 'http', port: 8080, protocol: 'HTTP' };

const gatewayRaw = (listeners: object[], name = 'edge') => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name },
  spec: { gatewayClassName: 'weft', listeners },
});

function valueOf<T extends Resource>(result: Result<Resource>): T {
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value as T;
}

function errorsOf(listeners: object[]): string[] {
  const result = parseResource(gatewayRaw(listeners));
  if (result.ok) throw new Error('expected errors');
  return result.errors.map((e) => `${e.path}: ${e.message}`);
}

const route = (spec: object, namespace = 'default'): HTTPRoute =>
  valueOf<HTTPRoute>(
    parseResource({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'r', namespace },
      spec: { rules: [{}], ...spec },
    }),
  );

describe('Gateway', () => {
  it('parses HTTP and HTTPS listeners, TLS certificates as Secret references', () => {
    const gw = valueOf<Gateway>(parseResource(gatewayRaw([http, https])));
    expect(gw.metadata.namespace).toBe('default');
    expect(gw.spec.listeners.map((l) => `${l.name} ${l.protocol} ${l.port}`)).toEqual([
      'http HTTP 8080',
      'https HTTPS 8443',
    ]);
    expect(gw.spec.listeners[1].tls?.certificateRefs[0].name).toBe('wildcard-tls');
  });

  it.each([
    [[{ ...https, tls: undefined }], 'spec.listeners[0].tls: is required'],
    [[{ ...http, tls: https.tls }], 'spec.listeners[0].tls: must not be set for protocol HTTP'],
    [
      [{ ...https, tls: { certificateRefs: [] } }],
      'spec.listeners[0].tls.certificateRefs: must name at least one certificate',
    ],
    [
      [{ ...https, tls: { mode: 'Passthrough', certificateRefs: [{ name: 'x' }] } }],
      'spec.listeners[0].tls.mode: must be Terminate (Passthrough needs protocol TLS, which Weft does not serve)',
    ],
    [
      [{ ...https, tls: { certificateRefs: [{ kind: 'ConfigMap', name: 'x' }] } }],
      'spec.listeners[0].tls.certificateRefs[0].kind: must be Secret (a folder with tls.crt and tls.key)',
    ],
    [[{ ...http, protocol: 'TCP' }], 'spec.listeners[0].protocol: must be HTTP or HTTPS'],
    [[{ ...http, port: 0 }], 'spec.listeners[0].port: must not be less than 1'],
    [
      [{ ...http, hostname: '10.0.0.1:80' }],
      'spec.listeners[0].hostname: must be a lower-case DNS name, optionally starting with "*." (no IPs)',
    ],
    [[http, { ...https, name: 'http' }], 'spec.listeners: [1].name "http" is taken by [0]'],
    [
      [http, { ...https, port: 8080 }],
      'spec.listeners: [1] (HTTPS) and [0] (HTTP) share port 8080; listeners on one port must have one protocol',
    ],
    [
      [http, { ...http, name: 'again' }],
      'spec.listeners: [1] repeats the port, protocol and hostname of [0]',
    ],
    [
      [{ ...http, allowedRoutes: { namespaces: { from: 'Selector' } } }],
      'spec.listeners[0].allowedRoutes.namespaces.from: must be All or Same (Selector needs Namespace objects, which Weft has none of)',
    ],
    [[], 'spec.listeners: must list at least one listener'],
  ])('rejects %j with its field path', (listeners, error) => {
    expect(errorsOf(listeners)).toContain(error);
  });

  it('needs a gatewayClassName', () => {
    const raw = gatewayRaw([http]);
    const result = parseResource({ ...raw, spec: { listeners: raw.spec.listeners } });
    expect(result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'spec.gatewayClassName: is required',
    ]);
  });
});

describe('hostname intersection', () => {
  it.each([
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'a.b.example.com', true],
    ['*.example.com', '*.b.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.b.example.com', '*.example.com', false],
    ['a.example.com', 'a.example.com', true],
  ])('%s covers %s: %s', (pattern, name, covers) => {
    expect(hostnameCovers(pattern, name)).toBe(covers);
  });

  it.each([
    [undefined, [], []],
    ['shop.test', [], ['shop.test']],
    [undefined, ['a.test', 'b.test'], ['a.test', 'b.test']],
    ['*.example.com', ['a.example.com', 'other.net'], ['a.example.com']],
    ['a.example.com', ['*.example.com'], ['a.example.com']],
    ['*.example.com', ['*.example.com', '*.a.example.com'], ['*.example.com', '*.a.example.com']],
    ['*.example.com', ['example.com'], undefined],
  ])('listener %s and route %j give %j', (listener, routeHosts, expected) => {
    expect(intersectHostnames(listener, routeHosts)).toEqual(expected);
  });
});

describe('attachRoute', () => {
  const gw = valueOf<Gateway>(
    parseResource(gatewayRaw([http, https, { ...https, name: 'shop', hostname: 'shop.test' }])),
  );

  it('attaches to every listener whose hostname intersects, with the effective hostnames', () => {
    const attached = attachRoute(route({ hostnames: ['a.example.com'] }), { name: 'edge' }, gw);
    expect(attached.ok && attached.listeners.map((a) => [a.listener.name, a.hostnames])).toEqual([
      ['http', ['a.example.com']],
      ['https', ['a.example.com']],
    ]);
  });

  it('attaches to the named section only', () => {
    const attached = attachRoute(route({}), { name: 'edge', sectionName: 'shop' }, gw);
    expect(attached.ok && attached.listeners.map((a) => [a.listener.name, a.hostnames])).toEqual([
      ['shop', ['shop.test']],
    ]);
  });

  it('filters by port', () => {
    const attached = attachRoute(route({}), { name: 'edge', port: 8080 }, gw);
    expect(attached.ok && attached.listeners.map((a) => a.listener.name)).toEqual(['http']);
  });

  it('refuses routes from another namespace by default', () => {
    expect(attachRoute(route({}, 'other'), { name: 'edge', namespace: 'default' }, gw)).toEqual({
      ok: false,
      reason: 'NotAllowedByListeners',
      message:
        'Gateway default/edge: listeners http, https, shop admit no routes from namespace other',
    });
  });
});
