// Unit spec for the Gateway status evaluator: conditions, supported kinds, and the routes counted as attached to each listener.
import { describe, expect, it } from '@jest/globals';
import { parseResource, type Resource } from '@app/protocol';
import { evaluateGateways, type GatewayVerdict } from './gateway-status.js';

function resource(raw: object): Resource {
  const parsed = parseResource(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}

const http = { name: 'web', port: 80, protocol: 'HTTP' };
const admin = { name: 'admin', port: 8080, protocol: 'HTTP', hostname: 'admin.shop.test' };
const edge = (listeners: object[]): Resource =>
  resource({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'edge', namespace: 'infra' },
    spec: { gatewayClassName: 'weft', listeners },
  });

const route = (name: string, namespace: string, spec: object): Resource =>
  resource({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace },
    spec: { rules: [{ backendRefs: [{ name: 'b' }] }], ...spec },
  });

const toEdge = (extra: object = {}) => ({ name: 'edge', namespace: 'infra', ...extra });

function verdictOf(resources: readonly Resource[]): GatewayVerdict {
  const verdict = evaluateGateways(resources).get('gateway.infra.edge');
  if (!verdict) throw new Error('no verdict for infra/edge');
  return verdict;
}

const attached = (v: GatewayVerdict): Record<string, number> =>
  Object.fromEntries(v.listeners.map((l) => [l.name, l.attachedRoutes]));

describe('evaluateGateways', () => {
  it('accepts and programs a Gateway in force, each listener taking HTTPRoutes without conflict', () => {
    const verdict = verdictOf([edge([http, admin])]);
    expect(verdict.conditions.map((c) => `${c.type}=${c.status} ${c.reason}`)).toEqual([
      'Accepted=True Accepted',
      'Programmed=True Programmed',
    ]);
    expect(verdict.listeners.map((l) => l.name)).toEqual(['web', 'admin']);
    for (const listener of verdict.listeners) {
      expect(listener.supportedKinds).toEqual([
        { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' },
      ]);
      expect(listener.conditions.map((c) => `${c.type}=${c.status} ${c.reason}`)).toEqual([
        'Accepted=True Accepted',
        'Programmed=True Programmed',
        'ResolvedRefs=True ResolvedRefs',
        'Conflicted=False NoConflicts',
      ]);
    }
    expect(attached(verdict)).toEqual({ web: 0, admin: 0 });
  });

  it('counts a route on every listener its parentRef selects, once however many refs select it', () => {
    const everywhere = route('all', 'infra', { parentRefs: [toEdge()] });
    const twice = route('twice', 'infra', {
      parentRefs: [toEdge({ sectionName: 'web' }), toEdge({ port: 80 })],
    });
    const adminOnly = route('admin', 'infra', {
      hostnames: ['admin.shop.test'],
      parentRefs: [toEdge()],
    });
    expect(attached(verdictOf([edge([http, admin]), everywhere, twice, adminOnly]))).toEqual({
      web: 3,
      admin: 2,
    });
  });

  it('does not count routes the listeners refuse: other namespaces, hostnames, listener names', () => {
    const elsewhere = route('elsewhere', 'shop', { parentRefs: [toEdge()] });
    const wrongHost = route('host', 'infra', {
      hostnames: ['other.test'],
      parentRefs: [toEdge({ sectionName: 'admin' })],
    });
    const noSuchListener = route('ghost', 'infra', { parentRefs: [toEdge({ sectionName: 'x' })] });
    const otherGateway = route('other', 'infra', { parentRefs: [{ name: 'public' }] });
    const resources = [edge([http, admin]), elsewhere, wrongHost, noSuchListener, otherGateway];
    expect(attached(verdictOf(resources))).toEqual({ web: 0, admin: 0 });
    // A listener admitting every namespace takes the route from shop.
    const open = { ...http, allowedRoutes: { namespaces: { from: 'All' } } };
    expect(attached(verdictOf([edge([open]), elsewhere]))).toEqual({ web: 1 });
  });

  it('says where an HTTPS listener’s certificates are loaded from', () => {
    const https = {
      name: 'secure',
      port: 443,
      protocol: 'HTTPS',
      tls: { certificateRefs: [{ name: 'shop-tls' }] },
    };
    const [listener] = verdictOf([edge([https])]).listeners;
    expect(listener.conditions.find((c) => c.type === 'ResolvedRefs')?.message).toMatch(
      /certificateRefs/,
    );
  });
});
