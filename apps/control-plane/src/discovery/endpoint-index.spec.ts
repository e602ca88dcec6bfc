// Unit spec for EndpointIndex: label selectors, implicit app=<name> services, readiness, namespaces,
// and that a change recomputes only the sets it can affect (checked against a full recomputation).
import { describe, expect, it } from '@jest/globals';
import {
  parseResource,
  type EndpointEntry,
  type EndpointSet,
  type InstanceOwner,
  type PeerAuthentication,
  type Service,
} from '@app/protocol';
import { EndpointIndex } from './endpoint-index.js';

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

function owner(
  instanceId: string,
  labels: Record<string, string>,
  { namespace = 'shop', service = labels.app ?? 'unnamed' } = {},
): InstanceOwner {
  return {
    namespace,
    service,
    serviceAccount: service,
    instanceId,
    address: '10.0.0.1',
    port: 9080,
    labels,
  };
}

/** An index holding `services` and `instances` (ready unless listed in `notReady`). */
function indexOf(
  services: Service[],
  instances: InstanceOwner[],
  notReady: string[] = [],
): EndpointIndex {
  const index = new EndpointIndex();
  index.setServices(services);
  for (const i of instances)
    index.setInstance(`${i.namespace}/${i.instanceId}`, i, !notReady.includes(i.instanceId));
  return index;
}

const ids = (set: EndpointSet | undefined) => set?.endpoints.map((e) => e.instanceId);

describe('EndpointIndex', () => {
  it('selects the ready instances whose labels include every selector pair', () => {
    const sets = indexOf(
      [service('reviews-v2', { app: 'reviews', version: 'v2' })],
      [
        owner('r1', { app: 'reviews', version: 'v1' }),
        owner('r2', { app: 'reviews', version: 'v2', zone: 'a' }),
        owner('r3', { app: 'reviews', version: 'v2' }),
        owner('x1', { app: 'ratings', version: 'v2' }),
      ],
    ).take(NOW);
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
    const sets = indexOf(
      [service('reviews', { app: 'reviews' }), service('canary', { track: 'canary' })],
      [owner('r1', { app: 'reviews', track: 'canary' }), owner('r2', { app: 'reviews' })],
    ).take(NOW);
    expect(ids(sets.get('endpoints.shop.reviews'))).toEqual(['r1', 'r2']);
    expect(ids(sets.get('endpoints.shop.canary'))).toEqual(['r1']);
  });

  it('gives a Service without selector no endpoints, as Kubernetes does; {} selects its namespace', () => {
    const sets = indexOf(
      [service('reviews'), service('all', {})],
      [owner('r1', { app: 'reviews' }), owner('o1', { app: 'x' }, { namespace: 'other' })],
    ).take(NOW);
    expect(ids(sets.get('endpoints.shop.reviews'))).toEqual([]);
    expect(ids(sets.get('endpoints.shop.all'))).toEqual(['r1']);
  });

  it('selects app=<name> for a registered service that has no Service resource', () => {
    const sets = indexOf(
      [],
      [
        owner('r1', { app: 'reviews' }),
        owner('r2', { app: 'reviews', version: 'v2' }),
        owner('p1', { app: 'ratings' }),
      ],
    ).take(NOW);
    expect([...sets.keys()].sort()).toEqual(['endpoints.shop.ratings', 'endpoints.shop.reviews']);
    expect(ids(sets.get('endpoints.shop.reviews'))).toEqual(['r1', 'r2']);
    expect(ids(sets.get('endpoints.shop.ratings'))).toEqual(['p1']);
  });

  it('lets an implicit service select by app label, not by the registered service name', () => {
    const sets = indexOf(
      [],
      [
        owner('r1', { app: 'reviews' }),
        owner('o1', { app: 'reviews' }, { service: 'reviews-admin' }),
      ],
    ).take(NOW);
    expect(ids(sets.get('endpoints.shop.reviews'))).toEqual(['o1', 'r1']);
    expect(ids(sets.get('endpoints.shop.reviews-admin'))).toEqual([]);
  });

  it('lets a Service resource override the implicit selection of the same name', () => {
    const sets = indexOf(
      [service('reviews', { app: 'reviews', version: 'v1' })],
      [owner('r1', { app: 'reviews', version: 'v1' }), owner('r2', { app: 'reviews' })],
    ).take(NOW);
    expect(ids(sets.get('endpoints.shop.reviews'))).toEqual(['r1']);
  });

  it('selects only ready instances, but still publishes the set of a service with none ready', () => {
    const sets = indexOf(
      [service('reviews', { app: 'reviews' })],
      [
        owner('r1', { app: 'reviews' }),
        owner('r2', { app: 'reviews' }),
        owner('p1', { app: 'ratings' }),
      ],
      ['r1', 'p1'],
    ).take(NOW);
    expect(ids(sets.get('endpoints.shop.reviews'))).toEqual(['r2']);
    expect(ids(sets.get('endpoints.shop.ratings'))).toEqual([]);
  });

  it('keeps remembered and once-computed keys as empty sets once their instances leave', () => {
    const index = indexOf([], [owner('r1', { app: 'reviews' }), owner('p1', { app: 'ratings' })]);
    index.remember(['endpoints.shop.gone', 'endpoints.other.left']);
    index.take(NOW);
    index.setInstance('shop/p1', undefined);
    expect(ids(index.take(NOW).get('endpoints.shop.ratings'))).toEqual([]);
    index.setServices([service('reviews', { app: 'reviews' })]);
    index.setServices([]);
    const sets = index.take(NOW);
    // The Service left, but instances registered as `reviews` keep the implicit set.
    expect(ids(sets.get('endpoints.shop.reviews'))).toEqual(['r1']);
    index.remember(['endpoints.shop.later']);
    expect(index.take(NOW).get('endpoints.shop.later')).toEqual({
      v: 1,
      namespace: 'shop',
      service: 'later',
      endpoints: [],
      updatedAt: NOW,
    });
  });

  it('never selects instances of another namespace', () => {
    const sets = indexOf(
      [service('reviews', { app: 'reviews' }, 'shop')],
      [
        owner('s1', { app: 'reviews' }, { namespace: 'shop' }),
        owner('o1', { app: 'reviews' }, { namespace: 'other' }),
      ],
    ).take(NOW);
    expect(ids(sets.get('endpoints.shop.reviews'))).toEqual(['s1']);
    expect(ids(sets.get('endpoints.other.reviews'))).toEqual(['o1']);
  });

  it('orders endpoints by instance id, whatever the order they came in', () => {
    const sets = indexOf(
      [],
      ['r3', 'r1', 'r2'].map((id) => owner(id, { app: 'reviews' })),
    ).take(NOW);
    expect(ids(sets.get('endpoints.shop.reviews'))).toEqual(['r1', 'r2', 'r3']);
  });

  it('recomputes only the sets a change can affect', () => {
    const services = Array.from({ length: 100 }, (_, s) =>
      service(`svc-${s}`, { app: `svc-${s}` }),
    );
    const instances = Array.from({ length: 1_000 }, (_, i) =>
      owner(`i${i}`, { app: `svc-${i % 100}` }),
    );
    const index = indexOf(services, instances);
    expect(index.take(NOW).size).toBe(100);
    expect(index.pending).toBe(false);

    index.setInstance('shop/i7', owner('i7', { app: 'svc-7' }), false);
    expect([...index.take(NOW).keys()]).toEqual(['endpoints.shop.svc-7']);

    // Another selector for one Service, the same ones for the rest.
    index.setServices(services.map((s, n) => (n === 3 ? service('svc-3', { app: 'svc-4' }) : s)));
    const sets = index.take(NOW);
    expect([...sets.keys()]).toEqual(['endpoints.shop.svc-3']);
    expect(sets.get('endpoints.shop.svc-3')!.endpoints).toHaveLength(10);
    index.setServices(services.map((s, n) => (n === 3 ? service('svc-3', { app: 'svc-4' }) : s)));
    expect(index.pending).toBe(false);
  });

  it('agrees with a full recomputation after any sequence of changes', () => {
    // xorshift32: a fixed, well-spread sequence, so a failure replays.
    let seed = 42;
    const random = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const namespaces = ['shop', 'ops'];
    const apps = ['a', 'b', 'c', 'd'];
    const labelsOf = (): Record<string, string> => {
      const labels: Record<string, string> = { app: apps[random(4)] };
      if (random(2)) labels.version = `v${random(3)}`;
      if (random(3) === 0) labels.track = 'canary';
      return labels;
    };
    const live = new Map<string, { instance: InstanceOwner; ready: boolean }>();
    let services: Service[] = [];
    const index = new EndpointIndex();
    const published = new Map<string, string[]>();
    let nonEmpty = 0;
    for (let step = 0; step < 2_000; step++) {
      const roll = random(10);
      if (roll === 0) {
        services = Array.from({ length: random(6) }, (_, s) => {
          const selector = random(4) === 0 ? undefined : random(5) === 0 ? {} : labelsOf();
          return service(`s${s}`, selector, namespaces[random(2)]);
        });
        index.setServices(services);
      } else {
        const id = `i${random(12)}`;
        const namespace = namespaces[random(2)];
        const key = `${namespace}/${id}`;
        if (roll < 3) {
          live.delete(key);
          index.setInstance(key, undefined);
        } else {
          const labels = labelsOf();
          const instance = owner(id, labels, { namespace, service: random(4) ? labels.app : 'x' });
          const ready = random(4) !== 0;
          live.set(key, { instance, ready });
          index.setInstance(key, instance, ready);
        }
      }
      for (const [key, set] of index.take(NOW)) published.set(key, ids(set)!);
      if ([...published.values()].some((list) => list.length > 0)) nonEmpty++;
      expect(Object.fromEntries(published)).toEqual(
        fullRecomputation(services, [...live.values()], published.keys()),
      );
    }
    // The sequence exercised something: most steps had endpoints to get right.
    expect(nonEmpty).toBeGreaterThan(1_500);
  });
});

/** Every set from scratch, as the control plane computed them before the index. */
function fullRecomputation(
  services: Service[],
  instances: { instance: InstanceOwner; ready: boolean }[],
  previous: Iterable<string>,
): Record<string, string[]> {
  const ready = instances.filter((i) => i.ready).map((i) => i.instance);
  const out: Record<string, string[]> = {};
  const put = (namespace: string, name: string, chosen: InstanceOwner[]): void => {
    out[`endpoints.${namespace}.${name}`] = chosen
      .map((i) => i.instanceId)
      .sort((a, b) => a.localeCompare(b));
  };
  for (const svc of services) {
    const selector = svc.spec.selector;
    const { namespace, name } = svc.metadata;
    put(
      namespace,
      name,
      selector
        ? ready.filter(
            (i) =>
              i.namespace === namespace &&
              Object.entries(selector).every(([k, v]) => i.labels[k] === v),
          )
        : [],
    );
  }
  for (const { instance } of instances) {
    const key = `endpoints.${instance.namespace}.${instance.service}`;
    if (key in out) continue;
    put(
      instance.namespace,
      instance.service,
      ready.filter((r) => r.namespace === instance.namespace && r.labels.app === instance.service),
    );
  }
  for (const key of previous) out[key] ??= [];
  return out;
}

describe('EndpointIndex and unmeshed pods (cluster EndpointSlices)', () => {
  const pod = (instanceId: string, address: string): EndpointEntry => ({
    ...owner(instanceId, {}, { service: 'api' }),
    address,
    port: 8080,
    serviceAccount: 'default',
    plaintext: true,
    unmeshed: true,
  });

  it("adds a Service's pods without a proxy to its set, but not those a registered instance has the address of", () => {
    const meshed = { ...owner('api-1', { app: 'api' }), address: '10.244.1.5' };
    const index = indexOf([service('api', { app: 'api' })], [meshed]);
    index.setUnmeshed(
      new Map([['endpoints.shop.api', [pod('api-1', '10.244.1.5'), pod('api-old', '10.244.2.9')]]]),
    );
    expect(index.take(NOW).get('endpoints.shop.api')?.endpoints).toEqual([
      expect.objectContaining({ instanceId: 'api-1', address: '10.244.1.5' }),
      expect.objectContaining({ instanceId: 'api-old', address: '10.244.2.9', unmeshed: true }),
    ]);
    expect(index.take(NOW).get('endpoints.shop.api')?.endpoints[0].unmeshed).toBeUndefined();

    // The old pod gets its proxy: its own registration replaces the unmeshed entry.
    index.setInstance(
      'shop/api-old',
      { ...owner('api-old', { app: 'api' }), address: '10.244.2.9' },
      true,
    );
    expect(
      index
        .take(NOW)
        .get('endpoints.shop.api')
        ?.endpoints.map((e) => e.unmeshed ?? false),
    ).toEqual([false, false]);
  });

  it('takes pods only for Services it knows, and drops them when the cluster does', () => {
    const index = indexOf([service('api', { app: 'api' })], []);
    index.setUnmeshed(
      new Map([
        ['endpoints.shop.api', [pod('a', '10.0.0.7')]],
        ['endpoints.shop.unknown', [pod('u', '10.0.0.8')]],
      ]),
    );
    const sets = index.take(NOW);
    expect(ids(sets.get('endpoints.shop.api'))).toEqual(['a']);
    expect(sets.has('endpoints.shop.unknown')).toBe(false);
    index.setUnmeshed(new Map());
    expect(ids(index.take(NOW).get('endpoints.shop.api'))).toEqual([]);
  });
});

describe('EndpointIndex and other clusters’ instances', () => {
  const remote = (instanceId: string): EndpointEntry => ({
    ...owner(instanceId, { app: 'api' }),
    address: '192.0.2.10',
    port: 15443,
    cluster: 'west',
    sni: `${instanceId}.api.shop.west.eastwest.weft`,
  });

  it('adds them to the Service’s set beside its own, even where it has none, and drops them when gone', () => {
    const index = indexOf([service('api', { app: 'api' })], [owner('api-e1', { app: 'api' })]);
    index.setRemote(
      new Map([
        ['endpoints.shop.api', [remote('api-w1')]],
        ['endpoints.shop.ledger', [remote('ledger-w1')]],
      ]),
    );
    const sets = index.take(NOW);
    expect(ids(sets.get('endpoints.shop.api'))).toEqual(['api-e1', 'api-w1']);
    expect(sets.get('endpoints.shop.api')?.endpoints[1]).toMatchObject({
      sni: remote('api-w1').sni,
    });
    expect(ids(sets.get('endpoints.shop.ledger'))).toEqual(['ledger-w1']);
    index.setRemote(new Map());
    const after = index.take(NOW);
    expect(ids(after.get('endpoints.shop.api'))).toEqual(['api-e1']);
    expect(ids(after.get('endpoints.shop.ledger'))).toEqual([]);
  });
});

describe('EndpointIndex and PeerAuthentication', () => {
  it('marks plaintext the endpoints whose effective PeerAuthentication is DISABLE, and recomputes every set when the policies change', () => {
    const disable = parseResource({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'PeerAuthentication',
      metadata: { name: 'legacy', namespace: 'shop' },
      spec: { selector: { matchLabels: { version: 'v1' } }, mtls: { mode: 'DISABLE' } },
    });
    if (!disable.ok) throw new Error(JSON.stringify(disable.errors));
    const index = indexOf(
      [service('reviews', { app: 'reviews' })],
      [
        owner('r1', { app: 'reviews', version: 'v1' }),
        owner('r2', { app: 'reviews', version: 'v2' }),
      ],
    );
    const plain = (sets: Map<string, EndpointSet>) =>
      sets.get('endpoints.shop.reviews')!.endpoints.map((e) => [e.instanceId, e.plaintext]);
    expect(plain(index.take(NOW))).toEqual([
      ['r1', undefined],
      ['r2', undefined],
    ]);
    index.setPeerAuthentications([disable.value as PeerAuthentication]);
    expect(plain(index.take(NOW))).toEqual([
      ['r1', true],
      ['r2', undefined],
    ]);
    // The same policies again change nothing.
    index.setPeerAuthentications([disable.value as PeerAuthentication]);
    expect(index.pending).toBe(false);
    index.setPeerAuthentications([]);
    expect(plain(index.take(NOW))).toEqual([
      ['r1', undefined],
      ['r2', undefined],
    ]);
  });
});
