// Unit spec for MeshState: KV resource, endpoint and snapshot-marker changes, garbage rejection, round trip.
import { describe, expect, it } from '@jest/globals';
import { encode } from '@app/protocol';
import { MeshState, type KvChange } from './mesh-state.js';

const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'reviews', namespace: 'shop' },
  spec: { selector: { app: 'reviews' } },
};

const entry = (resource: object, revision = 4) => ({
  v: 1,
  revision,
  source: 'api',
  appliedAt: 1_700_000_000_000,
  resource,
});

const marker = (revision: number) => ({
  v: 1,
  revision,
  source: 'api',
  appliedAt: 1_700_000_000_000,
  author: 'alice',
});

const endpointSet = (...ids: string[]) => ({
  v: 1,
  namespace: 'shop',
  service: 'reviews',
  endpoints: ids.map((instanceId, i) => ({
    namespace: 'shop',
    service: 'reviews',
    serviceAccount: 'reviews',
    instanceId,
    address: `10.0.0.${i + 1}`,
    port: 9080,
    labels: { app: 'reviews' },
  })),
  updatedAt: 1_700_000_000_000,
});

const put = (key: string, value: object | string): KvChange => ({
  key,
  operation: 'PUT',
  value: typeof value === 'string' ? new TextEncoder().encode(value) : encode(value),
});
const del = (key: string, operation: 'DEL' | 'PURGE' = 'DEL'): KvChange => ({
  key,
  operation,
  value: new Uint8Array(),
});

const SERVICE_KEY = 'service.shop.reviews';
const ENDPOINTS_KEY = 'endpoints.shop.reviews';

describe('MeshState', () => {
  describe('resources', () => {
    it('stores a PUT resource under its KV key, parsed with defaults', () => {
      const state = new MeshState();
      expect(state.apply(put(SERVICE_KEY, entry(service)))).toEqual({ kind: 'resources' });
      expect(state.resources.get(SERVICE_KEY)).toMatchObject({
        kind: 'Service',
        metadata: { name: 'reviews', namespace: 'shop' },
        spec: { selector: { app: 'reviews' } },
      });
      expect(state.revision).toBe(0);
    });

    it('replaces a resource on a second PUT', () => {
      const state = new MeshState();
      state.apply(put(SERVICE_KEY, entry(service)));
      const v2 = { ...service, spec: { selector: { app: 'reviews', version: 'v2' } } };
      state.apply(put(SERVICE_KEY, entry(v2, 5)));
      expect(state.resources.get(SERVICE_KEY)).toMatchObject({
        spec: { selector: v2.spec.selector },
      });
    });

    it.each(['DEL', 'PURGE'] as const)('removes a resource on %s', (operation) => {
      const state = new MeshState();
      state.apply(put(SERVICE_KEY, entry(service)));
      expect(state.apply(del(SERVICE_KEY, operation))).toEqual({ kind: 'resources' });
      expect(state.resources.has(SERVICE_KEY)).toBe(false);
    });

    it.each([
      ['bytes that are not JSON', '{not json'],
      ['an entry of another protocol version', JSON.stringify({ ...entry(service), v: 2 })],
      ['an entry without revision', JSON.stringify({ ...entry(service), revision: undefined })],
      [
        'an entry whose resource is not an object',
        JSON.stringify({ ...entry(service), resource: 'x' }),
      ],
      [
        'an entry holding an invalid resource',
        JSON.stringify(entry({ ...service, spec: { selector: { app: 7 } } })),
      ],
      ['an entry holding an unknown kind', JSON.stringify(entry({ ...service, kind: 'Pod' }))],
    ])('reports %s as invalid and keeps the previous value', (_, bad) => {
      const state = new MeshState();
      state.apply(put(SERVICE_KEY, entry(service)));
      const before = state.resources.get(SERVICE_KEY);
      const change = state.apply(put(SERVICE_KEY, bad));
      expect(change).toMatchObject({ kind: 'invalid', key: SERVICE_KEY });
      if (change.kind === 'invalid') expect(change.reason).not.toBe('');
      expect(state.resources.get(SERVICE_KEY)).toBe(before);
    });

    it('names the bad field of an invalid resource in the reason', () => {
      const state = new MeshState();
      const change = state.apply(
        put(SERVICE_KEY, entry({ ...service, spec: { selector: { app: 7 } } })),
      );
      expect(change).toMatchObject({ kind: 'invalid' });
      if (change.kind === 'invalid') {
        expect(change.reason).toContain('Service/shop/reviews');
        expect(change.reason).toContain('spec.selector');
      }
    });
  });

  describe('snapshot marker', () => {
    it('advances the revision and reports a snapshot change', () => {
      const state = new MeshState();
      expect(state.apply(put('snapshot', marker(7)))).toEqual({ kind: 'snapshot', revision: 7 });
      expect(state.revision).toBe(7);
    });

    it('rejects a garbage marker and keeps the revision', () => {
      const state = new MeshState();
      state.apply(put('snapshot', marker(7)));
      for (const bad of [
        '',
        '[]',
        JSON.stringify({ ...marker(8), v: 2 }),
        JSON.stringify({ ...marker(8), source: 'ftp' }),
        JSON.stringify({ ...marker(0) }),
      ]) {
        expect(state.apply(put('snapshot', bad))).toMatchObject({
          kind: 'invalid',
          key: 'snapshot',
        });
      }
      expect(state.revision).toBe(7);
    });

    it('treats a deleted marker as invalid and keeps the revision', () => {
      const state = new MeshState();
      state.apply(put('snapshot', marker(7)));
      expect(state.apply(del('snapshot'))).toEqual({
        kind: 'invalid',
        key: 'snapshot',
        reason: 'snapshot marker deleted',
      });
      expect(state.revision).toBe(7);
    });
  });

  describe('endpoint sets', () => {
    it('stores a PUT endpoint set under its cluster key', () => {
      const state = new MeshState();
      const change = state.apply(put(ENDPOINTS_KEY, endpointSet('r-1', 'r-2')));
      expect(change).toMatchObject({ kind: 'endpoints', service: 'shop/reviews' });
      if (change.kind === 'endpoints') {
        expect(change.set?.endpoints.map((e) => e.instanceId)).toEqual(['r-1', 'r-2']);
      }
      expect(state.endpointSets.get('shop/reviews')?.endpoints).toHaveLength(2);
      expect(state.resources.size).toBe(0);
    });

    it('removes the set on DEL and reports an undefined set', () => {
      const state = new MeshState();
      state.apply(put(ENDPOINTS_KEY, endpointSet('r-1')));
      expect(state.apply(del(ENDPOINTS_KEY))).toEqual({
        kind: 'endpoints',
        service: 'shop/reviews',
        set: undefined,
      });
      expect(state.endpointSets.has('shop/reviews')).toBe(false);
    });

    it('rejects a garbage set and keeps the previous one', () => {
      const state = new MeshState();
      state.apply(put(ENDPOINTS_KEY, endpointSet('r-1')));
      const before = state.endpointSets.get('shop/reviews');
      const bad = { ...endpointSet('r-2'), endpoints: [{ instanceId: 'r-2' }] };
      for (const value of [bad, '\u0000', { ...endpointSet('r-2'), v: 99 }]) {
        expect(state.apply(put(ENDPOINTS_KEY, value))).toMatchObject({
          kind: 'invalid',
          key: ENDPOINTS_KEY,
        });
      }
      expect(state.endpointSets.get('shop/reviews')).toBe(before);
    });
  });

  describe('blockingErrors', () => {
    it('names an invalid resource key until it is fixed', () => {
      const state = new MeshState();
      expect(state.blockingErrors).toBeUndefined();
      state.apply(put(SERVICE_KEY, '{garbage'));
      expect(state.blockingErrors).toMatch(/^service\.shop\.reviews: .*not valid UTF-8 JSON/);
      state.apply(put(SERVICE_KEY, entry(service)));
      expect(state.blockingErrors).toBeUndefined();
    });

    it('clears when the invalid key is deleted', () => {
      const state = new MeshState();
      state.apply(put(SERVICE_KEY, '{garbage'));
      state.apply(del(SERVICE_KEY));
      expect(state.blockingErrors).toBeUndefined();
    });

    it('is not raised by invalid endpoint sets (they are skipped, not config)', () => {
      const state = new MeshState();
      state.apply(put(ENDPOINTS_KEY, '{garbage'));
      expect(state.blockingErrors).toBeUndefined();
    });
  });

  describe('toData / fromData', () => {
    it('validates a loaded file again: a tampered resource blocks, a tampered endpoint set is dropped', () => {
      const state = new MeshState();
      state.apply(put(SERVICE_KEY, entry(service)));
      state.apply(put(ENDPOINTS_KEY, endpointSet('r-1')));
      const data = state.toData();
      const tampered = {
        ...data,
        resources: {
          ...data.resources,
          'service.shop.bad': { kind: 'Service', metadata: { name: 'Bad!' } },
        },
        endpointSets: { ...data.endpointSets, 'shop/junk': { v: 1 } },
      } as unknown as typeof data;
      const restored = MeshState.fromData(tampered);
      expect(restored.blockingErrors).toMatch(/^service\.shop\.bad: /);
      expect([...restored.endpointSets.keys()]).toEqual(['shop/reviews']);
    });

    it('round-trips revision, resources and endpoint sets through JSON', () => {
      const state = new MeshState();
      state.apply(put(SERVICE_KEY, entry(service)));
      state.apply(put(ENDPOINTS_KEY, endpointSet('r-1')));
      state.apply(put('snapshot', marker(9)));

      const data = JSON.parse(JSON.stringify(state.toData())) as ReturnType<MeshState['toData']>;
      const restored = MeshState.fromData(data);

      expect(restored.revision).toBe(9);
      expect([...restored.resources.keys()]).toEqual([SERVICE_KEY]);
      expect(restored.resources.get(SERVICE_KEY)).toEqual(state.resources.get(SERVICE_KEY));
      expect(restored.endpointSets.get('shop/reviews')).toEqual(
        state.endpointSets.get('shop/reviews'),
      );
      expect(restored.toData()).toEqual(data);
    });

    it('restores an empty state', () => {
      const restored = MeshState.fromData(new MeshState().toData());
      expect(restored.revision).toBe(0);
      expect(restored.resources.size).toBe(0);
      expect(restored.endpointSets.size).toBe(0);
    });
  });
});
