// Unit spec for upstream protocol selection: a Service port's appProtocol marks the Service h2c.
import { describe, expect, it } from '@jest/globals';
import type { Service } from '@app/protocol';
import { h2cServiceKeys } from './upstream-protocol.js';

function service(name: string, appProtocols: (string | undefined)[], namespace = 'default') {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { ports: appProtocols.map((appProtocol, i) => ({ port: 80 + i, appProtocol })) },
  } as Service;
}

describe('h2cServiceKeys', () => {
  it('marks Services with a kubernetes.io/h2c or grpc port, in their namespace', () => {
    const keys = h2cServiceKeys([
      service('grid', ['kubernetes.io/h2c']),
      service('rpc', [undefined, 'grpc'], 'shop'),
      service('web', ['http', undefined]),
      service('socket', ['kubernetes.io/ws']),
      { ...service('bare', []), spec: {} },
    ]);
    expect([...keys].sort()).toEqual(['default/grid', 'shop/rpc']);
  });
});
