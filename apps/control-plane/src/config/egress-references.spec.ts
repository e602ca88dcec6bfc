// Unit spec for unresolvedEgressGateways: a change that leaves an ExternalService's egress Gateway
// missing is named (resource, field path, reason); one that was missing before blocks nothing.
import { describe, expect, it } from '@jest/globals';
import { parseResource, type Resource } from '@app/protocol';
import { setAsideUnresolvedEgress, unresolvedEgressGateways } from './egress-references.js';

function resource(raw: object): Resource {
  const parsed = parseResource(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}

const external = (name: string, gatewayRef?: object): Resource =>
  resource({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'ExternalService',
    metadata: { name, namespace: 'shop' },
    spec: {
      endpoints: [{ address: '10.0.0.1', port: 443 }],
      ...(gatewayRef && { egress: { gatewayRef } }),
    },
  });

const gateway = (name: string, namespace: string): Resource =>
  resource({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace },
    spec: {
      gatewayClassName: 'weft',
      listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }],
    },
  });

describe('unresolvedEgressGateways', () => {
  const payments = external('payments', { name: 'egress', namespace: 'weft-system' });

  it('names an ExternalService whose Gateway does not exist, with the field and why', () => {
    expect(unresolvedEgressGateways([], [payments, external('plain')])).toEqual([
      {
        resource: 'ExternalService/shop/payments',
        path: 'spec.egress.gatewayRef',
        message: expect.stringContaining('no Gateway weft-system/egress') as unknown,
      },
    ]);
  });

  it('takes the Gateway from the same change, and only one of that namespace and name', () => {
    expect(unresolvedEgressGateways([], [payments, gateway('egress', 'weft-system')])).toEqual([]);
    expect(
      unresolvedEgressGateways([], [payments, gateway('egress', 'shop')]).map((e) => e.resource),
    ).toEqual(['ExternalService/shop/payments']);
    // Without a namespace, the Gateway is the ExternalService's neighbour.
    expect(
      unresolvedEgressGateways(
        [],
        [external('own', { name: 'egress' }), gateway('egress', 'shop')],
      ),
    ).toEqual([]);
  });

  it('refuses deleting a Gateway an ExternalService still leaves through', () => {
    const before = [payments, gateway('egress', 'weft-system')];
    expect(unresolvedEgressGateways(before, [payments]).map((e) => e.resource)).toEqual([
      'ExternalService/shop/payments',
    ]);
  });

  it('lets other changes through when a reference was already unresolved', () => {
    expect(unresolvedEgressGateways([payments], [payments, external('plain')])).toEqual([]);
  });
});

describe('setAsideUnresolvedEgress', () => {
  it('keeps what resolves and sets aside each ExternalService whose Gateway is missing, with why', () => {
    const dangling = external('payments', { name: 'egress' });
    const resolved = external('ledger', { name: 'exit' });
    const items = [dangling, resolved, gateway('exit', 'shop'), external('plain')];
    const { kept, setAside } = setAsideUnresolvedEgress(items, (r) => r);
    expect(kept).toEqual([resolved, items[2], items[3]]);
    expect(setAside).toEqual([
      [
        dangling,
        expect.objectContaining({
          resource: 'ExternalService/shop/payments',
          path: 'spec.egress.gatewayRef',
        }),
      ],
    ]);
  });
});
