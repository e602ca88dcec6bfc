// Unit spec for planConfig's egress gateways: an ExternalService with `egress` is reached over the
// bus by every proxy but its Gateway's routers, which alone hold (and answer for) its endpoints.
import { describe, expect, it } from '@jest/globals';
import { keyOf, parseResource, type Resource } from '@app/protocol';
import { ClusterRegistry } from '../upstream/cluster-registry.js';
import { planConfig, type ConfigPlan } from './config-plan.js';
import { MeshState } from './mesh-state.js';

const NS = 'shop';

function resource(raw: object): Resource {
  const parsed = parseResource(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}

const external = (name: string, spec: object = {}): Resource =>
  resource({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'ExternalService',
    metadata: { name, namespace: NS },
    spec: { endpoints: [{ address: '127.0.0.1', port: 9100 }], ...spec },
  });

/** `payments` leaves through the routers of Gateway weft-system/egress, over TLS they originate. */
const payments = external('payments', {
  egress: { gatewayRef: { name: 'egress', namespace: 'weft-system' } },
  tls: { mode: 'SIMPLE', insecureSkipVerify: true },
});

/** A TrafficPolicy asking for plain HTTP to `payments`: it cannot open a way around the gateway. */
const direct = resource({
  apiVersion: 'weft.dev/v1alpha1',
  kind: 'TrafficPolicy',
  metadata: { name: 'direct', namespace: NS },
  spec: { targetRefs: [{ kind: 'Service', name: 'payments' }], transport: 'http' },
});

function plan(resources: Resource[], egressGateway?: string): ConfigPlan {
  const state = new MeshState();
  state.revision = 1;
  for (const r of resources) state.resources.set(keyOf(r), r);
  const planned = planConfig(state, new ClusterRegistry(), {
    localNamespace: NS,
    defaultTimeoutMs: 15_000,
    egressGateway,
  });
  if (!planned.ok) throw new Error(JSON.stringify(planned.errors));
  return planned.value;
}

const endpointsOf = (p: ConfigPlan, key: string): string[] | undefined =>
  p.clusters.find((c) => c.cluster.key === key)?.endpoints.map((e) => e.origin);

describe('planConfig with egress gateways', () => {
  const resources = [payments, direct, external('weather')];

  it('a caller reaches the ExternalService only over the bus, with no endpoint to dial', () => {
    const caller = plan(resources);
    expect([...caller.bus.keys()]).toEqual(['shop/payments']);
    expect(endpointsOf(caller, 'shop/payments')).toEqual([]);
    expect([...caller.statics]).toEqual(['shop/weather']);
    // One without egress is dialled directly, as before.
    expect(endpointsOf(caller, 'shop/weather')).toEqual(['http://127.0.0.1:9100']);
  });

  it("the Gateway's routers hold its endpoints (TLS originated) and answer the bus for it", () => {
    const gateway = plan(resources, 'weft-system/egress');
    expect(endpointsOf(gateway, 'shop/payments')).toEqual(['https://127.0.0.1:9100']);
    expect([...gateway.statics].sort()).toEqual(['shop/payments', 'shop/weather']);
    // Its own HTTP port goes over the bus too, so the gateway's authorization sees every call.
    expect([...gateway.bus.keys()]).toEqual(['shop/payments']);
  });

  it('routers of another Gateway are callers like any proxy', () => {
    const other = plan(resources, 'shop/egress');
    expect(endpointsOf(other, 'shop/payments')).toEqual([]);
    expect([...other.statics]).toEqual(['shop/weather']);
  });

  it('only the proxies that dial it read its TLS files', () => {
    const unreadable = external('payments', {
      egress: { gatewayRef: { name: 'egress' } },
      tls: { mode: 'SIMPLE', caCertificates: '/nonexistent/weft-spec/ca.pem' },
    });
    const state = new MeshState();
    state.resources.set(keyOf(unreadable), unreadable);
    const options = { localNamespace: NS, defaultTimeoutMs: 15_000 };
    expect(planConfig(state, new ClusterRegistry(), options).ok).toBe(true);
    const atGateway = planConfig(state, new ClusterRegistry(), {
      ...options,
      egressGateway: 'shop/egress',
    });
    expect(!atGateway.ok && atGateway.errors.map((e) => e.path)).toEqual([
      'spec.tls.caCertificates',
    ]);
  });
});
