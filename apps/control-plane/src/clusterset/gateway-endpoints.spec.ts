import type { EndpointEntry } from '@app/protocol';
import { gatewayEndpoints } from './gateway-endpoints.js';
import type { ServiceImport } from './service-imports.js';

const entry = (instanceId: string, extra: Partial<EndpointEntry> = {}): EndpointEntry => ({
  instanceId,
  address: '10.0.0.2',
  port: 15006,
  labels: { app: 'api' },
  namespace: 'shop',
  service: 'api',
  serviceAccount: 'api-sa',
  cluster: 'west',
  zone: 'w1',
  ...extra,
});

const imported = (
  cluster: string,
  endpoints: EndpointEntry[],
  gateway?: ServiceImport['gateway'],
): ServiceImport => ({
  cluster,
  namespace: 'shop',
  service: 'api',
  endpoints,
  ...(gateway && { gateway }),
  heardAt: 0,
});

describe('gatewayEndpoints', () => {
  it('puts each exported instance at its cluster’s gateway, with the SNI naming it and its own identity', () => {
    const byKey = gatewayEndpoints([
      imported('west', [entry('api-w1')], { address: '192.0.2.1', port: 15443 }),
      imported('north', [entry('api-n1', { cluster: 'north' })], {
        address: '192.0.2.9',
        port: 443,
      }),
    ]);
    expect(byKey.get('endpoints.shop.api')).toEqual([
      {
        ...entry('api-w1'),
        address: '192.0.2.1',
        port: 15443,
        sni: 'api-w1.api.shop.west.eastwest.weft',
      },
      {
        ...entry('api-n1', { cluster: 'north' }),
        address: '192.0.2.9',
        port: 443,
        sni: 'api-n1.api.shop.north.eastwest.weft',
      },
    ]);
  });

  it('offers nothing from a cluster without a gateway, nor instances that cannot end mTLS', () => {
    const byKey = gatewayEndpoints([
      imported('east', [entry('api-e1')]),
      imported(
        'west',
        [
          entry('plain', { plaintext: true }),
          entry('pod', { unmeshed: true }),
          entry('relayed', { sni: 'relayed.api.shop.south.eastwest.weft' }),
        ],
        { address: '192.0.2.1', port: 15443 },
      ),
    ]);
    expect(byKey.get('endpoints.shop.api')).toEqual([]);
  });
});
