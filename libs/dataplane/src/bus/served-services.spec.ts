// Unit spec for ServedServices: an instance's responder serves the Services whose sets list it, from
// sets applied before it followed too; routers' responders serve the ExternalServices of each commit.
import { describe, expect, it } from '@jest/globals';
import { EndpointSet } from '@app/protocol';
import { ServedServices } from './served-services.js';

function set(service: string, ...instances: string[]): EndpointSet {
  return Object.assign(new EndpointSet(), {
    namespace: 'shop',
    service,
    endpoints: instances.map((instanceId) => ({ instanceId })),
  });
}

describe('ServedServices', () => {
  it('tells an instance’s follower the Services listing it, now and on each change only', () => {
    const served = new ServedServices();
    served.endpointSet('shop/api', set('api', 'a1', 'a2'));
    const told: string[][] = [];
    served.followInstance('a1', (keys) => told.push([...keys].sort()));
    served.committed(
      new Map([
        ['shop/api', set('api', 'a1')],
        ['shop/web', set('web', 'a1')],
      ]),
      new Set(),
    );
    served.endpointSet('shop/api', set('api', 'a2'));
    served.endpointSet('shop/web', undefined);
    // A set that does not change what a1 serves tells it nothing.
    served.endpointSet('shop/other', set('other', 'o1'));
    expect(told).toEqual([['shop/api'], ['shop/api', 'shop/web'], ['shop/web'], []]);
  });

  it('tells the static follower the ExternalServices of each commit', () => {
    const served = new ServedServices();
    served.committed(new Map(), new Set(['shop/payments']));
    const told: string[][] = [];
    served.followStatic((keys) => told.push([...keys]));
    served.committed(new Map(), new Set());
    expect(told).toEqual([['shop/payments'], []]);
  });
});
