// Unmeshed pods from recorded EndpointSlices: ready IP endpoints of applied Services at the Service's target port, each address once, bounded.
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { recording } from '../../../../test/k8s/recorded-api-server.js';
import { unmeshedEndpointsOf } from './endpoint-slice-projection.js';
import { weftServiceOf, type WeftService } from './service-projection.js';

const slices = (
  JSON.parse(recording('endpointslices-list-4000.json')) as { items: V1EndpointSlice[] }
).items;
const services = (JSON.parse(recording('services-list-2000.json')) as { items: V1Service[] }).items
  .map(weftServiceOf)
  .filter((s): s is WeftService => s !== undefined);

describe('unmeshedEndpointsOf', () => {
  it("takes each applied Service's ready IP endpoints at the target port of its first port", () => {
    expect(unmeshedEndpointsOf(slices, services, 100)).toEqual(
      new Map([
        [
          'endpoints.billing.ledger',
          [
            {
              instanceId: 'ledger-6b8f9c7d5-q2w4e',
              address: '127.0.0.1',
              port: 8080,
              labels: {},
              namespace: 'billing',
              service: 'ledger',
              serviceAccount: 'default',
              plaintext: true,
              unmeshed: true,
            },
          ],
        ],
      ]),
    );
  });

  it('takes an address listed by two slices (while they are rotated) once', () => {
    const twice = [
      slices[0],
      { ...slices[0], metadata: { ...slices[0].metadata, name: 'ledger-copy' } },
    ];
    expect(unmeshedEndpointsOf(twice, services, 100).get('endpoints.billing.ledger')).toHaveLength(
      1,
    );
  });

  it('refuses more endpoints than the bound', () => {
    expect(() => unmeshedEndpointsOf(slices, services, 0)).toThrow(
      "the cluster's EndpointSlices list more than 0 endpoints: none applied",
    );
  });
});
