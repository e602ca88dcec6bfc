// Unit spec for ConfigSync over an in-memory bucket: the whole bucket applied once read, then each
// marker; endpoint sets in place; a refused revision NACKed and retried when its resource is fixed;
// a watch that breaks resumes after the last value taken.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { endpointsKey, SNAPSHOT_KEY, Subjects } from '@app/protocol';
import { ConfigSync } from './config-sync.js';
import { RecordedFollowing, settle } from './follower-doubles.testing.js';
import type { MemoryConfigFeed } from './memory-config-feed.testing.js';
import type { MeshState } from './mesh-state.js';

const subjects = new Subjects('weft');
const SERVICE_KEY = 'service.shop.api';

const entry = (name: string) => ({
  v: 1,
  revision: 1,
  source: 'api',
  appliedAt: 1,
  resource: {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'shop' },
    spec: { selector: { app: name } },
  },
});

const marker = (revision: number) => ({
  v: 1,
  revision,
  source: 'api',
  appliedAt: 1,
  author: 'spec',
});

const endpoints = (...ids: string[]) => ({
  v: 1,
  namespace: 'shop',
  service: 'api',
  updatedAt: 1,
  endpoints: ids.map((instanceId) => ({
    namespace: 'shop',
    service: 'api',
    serviceAccount: 'sa',
    instanceId,
    address: '127.0.0.1',
    port: 15006,
    labels: { app: 'api' },
  })),
});

describe('ConfigSync', () => {
  let rec: RecordedFollowing;
  let feed: MemoryConfigFeed;
  let said: string[];
  let snapshots: MeshState[];
  let inPlace: string[];
  let sync: ConfigSync;

  beforeEach(() => {
    rec = new RecordedFollowing(subjects);
    ({ feed, said, snapshots, inPlace } = rec);
    rec.outcome = (state) =>
      state.resources.has('service.shop.bad') ? { ok: false, error: 'bad service' } : { ok: true };
    sync = new ConfigSync(rec.deps);
  });

  afterEach(() => {
    sync.stop();
  });

  it('applies what the bucket holds once, then each marker; endpoint sets in place', async () => {
    feed.put(SERVICE_KEY, entry('api'));
    feed.put(endpointsKey('shop', 'api'), endpoints('a1'));
    feed.put(SNAPSHOT_KEY, marker(3));
    sync.run();
    await settle();
    feed.put(SERVICE_KEY, entry('api'));
    await settle();
    expect(said).toEqual(['ACK 3']);
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0].endpointSets.get('shop/api')?.endpoints[0].instanceId).toBe('a1');

    feed.put(endpointsKey('shop', 'api'), endpoints('a2'));
    feed.put(SNAPSHOT_KEY, marker(4));
    await settle();
    expect(inPlace).toEqual(['shop/api a2']);
    expect(said).toEqual(['ACK 3', 'ACK 4']);
    expect(sync.discover()).toBeUndefined();
  });

  it('starts at once from an empty bucket', async () => {
    sync.run();
    await settle();
    expect([said, snapshots.length]).toEqual([['ACK 0'], 1]);
  });

  it('NACKs a refused revision and retries it as soon as the resource is fixed or deleted', async () => {
    feed.put(SNAPSHOT_KEY, marker(1));
    sync.run();
    await settle();
    feed.put('service.shop.bad', entry('bad'));
    feed.put(SNAPSHOT_KEY, marker(2));
    await settle();
    feed.delete('service.shop.bad');
    await settle();
    expect(said).toEqual(['ACK 1', 'NACK 2 bad service', 'ACK 2']);
  });

  it('resumes a broken watch after the last value taken', async () => {
    feed.put(endpointsKey('shop', 'api'), endpoints('a1'));
    feed.put(SNAPSHOT_KEY, marker(1));
    sync.run();
    await settle();
    feed.interrupt();
    feed.put(endpointsKey('shop', 'api'), endpoints('a2'));
    await new Promise((r) => setTimeout(r, 1_100));
    await settle();
    expect(inPlace).toEqual(['shop/api a2']);
    expect(said).toEqual(['ACK 1']);
  });
});
