// Unit spec for selectEndpointSets: label selectors per Service, implicit app=<name> services, readiness, namespaces.
import { describe, expect, it } from '@jest/globals';
import { parseResource, type EndpointSet, type Service } from '@app/protocol';
import type { LiveInstance } from './instance-registry.service.js';
import { selectEndpointSets } from './endpoint-selector.js';

const NOW = 1_700_000_000_000;

function service(name: string, selector?: Record<string, string>, namespace = 'shop'): Service {
  const result = parseResource({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: selector ? { selector } : {},
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value as Service;
}

function instance(
  instanceId: string,
  labels: Record<string, string>,
  { ready = true, namespace = 'shop', service = labels.app ?? 'unnamed' } = {},
): LiveInstance {
  return {
    instance: { namespace, service, instanceId, address: '10.0.0.1', port: 9080, labels },
    ready,
    lastSeen: NOW,
  };
}

const ids = (set: EndpointSet | undefined) => set?.endpoints.map((e) => e.instanceId);

describe('selectEndpointSets', () => {
  it('selects the ready instances whose labels include every selector pair', () => {
    const sets = selectEndpointSets(
      [service('reviews-v2', { app: 'reviews', version: 'v2' })],
      [
        instance('r1', { app: 'reviews', version: 'v1' }),
        instance('r2', { app: 'reviews', version: 'v2', zone: 'a' }),
        instance('r3', { app: 'reviews', version: 'v2' }),
        instance('x1', { app: 'ratings', version: 'v2' }),
      ],
      [],
      NOW,
    );
    expect(sets.get('endpoints.shop.reviews-v2')).toEqual({
      v: 1,
      namespace: 'shop',
      service: 'reviews-v2',
      endpoints: [
        expect.objectContaining({ instanceId: 'r2' }),
        expect.objectContaining({ instanceId: 'r3' }),
      ],
      updatedAt: NOW,
    });
  });

  it('lets one instance belong to several Services', () => {
    const sets = selectEndpointSets(
      [service('reviews', { app: 'reviews' }), service('canary', { track: 'canary' })],
      [instance('r1', { app: 'reviews', track: 'canary' }), instance('r2', { app: 'reviews' })],
      [],
      NOW,
    );
    expect(ids(sets.get('endpoints.shop.reviews'))).toEqual(['r1', 'r2']);
    expect(ids(sets.get('endpoints.shop.canary'))).toEqual(['r1']);
  });

  it('gives a Service without selector no endpoints, as Kubernetes does', () => {
    const sets = selectEndpointSets(
      [service('reviews')],
      [instance('r1', { app: 'reviews' })],
      [],
      NOW,
    );
    expect(ids(sets.get('endpoints.shop.reviews'))).toEqual([]);
  });

  it('selects app=<name> for a registered service that has no Service resource', () => {
    const sets = selectEndpointSets(
      [],
      [
        instance('r1', { app: 'reviews' }),
        instance('r2', { app: 'reviews', version: 'v2' }),
        instance('p1', { app: 'ratings' }),
      ],
      [],
      NOW,
    );
    expect([...sets.keys()].sort()).toEqual(['endpoints.shop.ratings', 'endpoints.shop.reviews']);
    expect(ids(sets.get('endpoints.shop.reviews'))).toEqual(['r1', 'r2']);
    expect(ids(sets.get('endpoints.shop.ratings'))).toEqual(['p1']);
  });

  it('lets an implicit service select by app label, not by the registered service name', () => {
    const sets = selectEndpointSets(
      [],
      [
        instance('r1', { app: 'reviews' }),
        instance('o1', { app: 'reviews' }, { service: 'reviews-admin' }),
      ],
      [],
      NOW,
    );
    expect(ids(sets.get('endpoints.shop.reviews'))).toEqual(['o1', 'r1']);
    expect(ids(sets.get('endpoints.shop.reviews-admin'))).toEqual([]);
  });

  it('lets a Service resource override the implicit selection of the same name', () => {
    const sets = selectEndpointSets(
      [service('reviews', { app: 'reviews', version: 'v1' })],
      [instance('r1', { app: 'reviews', version: 'v1' }), instance('r2', { app: 'reviews' })],
      [],
      NOW,
    );
    expect(ids(sets.get('endpoints.shop.reviews'))).toEqual(['r1']);
  });

  it('selects only ready instances, but still publishes the set of a service with none ready', () => {
    const sets = selectEndpointSets(
      [service('reviews', { app: 'reviews' })],
      [
        instance('r1', { app: 'reviews' }, { ready: false }),
        instance('r2', { app: 'reviews' }),
        instance('p1', { app: 'ratings' }, { ready: false }),
      ],
      [],
      NOW,
    );
    expect(ids(sets.get('endpoints.shop.reviews'))).toEqual(['r2']);
    expect(ids(sets.get('endpoints.shop.ratings'))).toEqual([]);
  });

  it('keeps previously published keys as empty sets once their instances leave', () => {
    const sets = selectEndpointSets(
      [],
      [instance('r1', { app: 'reviews' })],
      ['endpoints.shop.reviews', 'endpoints.shop.gone', 'endpoints.other.left'],
      NOW,
    );
    expect(ids(sets.get('endpoints.shop.reviews'))).toEqual(['r1']);
    expect(sets.get('endpoints.shop.gone')).toEqual({
      v: 1,
      namespace: 'shop',
      service: 'gone',
      endpoints: [],
      updatedAt: NOW,
    });
    expect(sets.get('endpoints.other.left')).toMatchObject({ namespace: 'other', endpoints: [] });
  });

  it('never selects instances of another namespace', () => {
    const sets = selectEndpointSets(
      [service('reviews', { app: 'reviews' }, 'shop')],
      [
        instance('s1', { app: 'reviews' }, { namespace: 'shop' }),
        instance('o1', { app: 'reviews' }, { namespace: 'other' }),
      ],
      [],
      NOW,
    );
    expect(ids(sets.get('endpoints.shop.reviews'))).toEqual(['s1']);
    expect(ids(sets.get('endpoints.other.reviews'))).toEqual(['o1']);
  });

  it('orders endpoints by instance id, whatever the registry order', () => {
    const sets = selectEndpointSets(
      [],
      ['r3', 'r1', 'r2'].map((id) => instance(id, { app: 'reviews' })),
      [],
      NOW,
    );
    expect(ids(sets.get('endpoints.shop.reviews'))).toEqual(['r1', 'r2', 'r3']);
  });
});
