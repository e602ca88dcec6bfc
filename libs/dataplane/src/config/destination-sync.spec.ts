// Unit spec for DestinationSync over an in-memory bucket: what it reads at start, discovery of an
// unknown host (its backends too, one shared lookup, a bound on called hosts, a TTL), announcements taken
// by KV revision (older never, deletes one past), markers applied once their projections are read,
// ACK/NACK once per revision and reason, resync after an outage, the disk cache, stop.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  aliasKey,
  destinationKey,
  endpointsKey,
  memberKey,
  policiesKey,
  SNAPSHOT_KEY,
  Subjects,
} from '@app/protocol';
import { DestinationSync } from './destination-sync.js';
import type { DestinationLimits } from './called-hosts.js';
import { RecordedFollowing, settle } from './follower-doubles.testing.js';
import type { MemoryConfigFeed } from './memory-config-feed.testing.js';
import type { MeshState } from './mesh-state.js';

const NS = 'default';
const subjects = new Subjects('weft');

const service = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: NS },
  spec: { selector: { app: name } },
});

/** An HTTPRoute attached to `parent` sending to `backends`. */
const route = (parent: string, backends: string[]) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: `${parent}-split`, namespace: NS },
  spec: {
    parentRefs: [{ kind: 'Service', name: parent }],
    rules: [{ backendRefs: backends.map((name) => ({ name, port: 80 })) }],
  },
});

/** The bundle of Service `name`: itself, and the routes given. */
const bundle = (name: string, ...routes: object[]) => ({
  v: 1,
  namespace: NS,
  service: name,
  resources: [
    { key: `service.${NS}.${name}`, source: 'api', resource: service(name) },
    ...routes.map((r, i) => ({ key: `httproute.${NS}.${name}-${i}`, source: 'api', resource: r })),
  ],
});

const endpoints = (name: string, ...ids: string[]) => ({
  v: 1,
  namespace: NS,
  service: name,
  updatedAt: 1,
  endpoints: ids.map((instanceId) => ({
    namespace: NS,
    service: name,
    serviceAccount: name,
    instanceId,
    address: '127.0.0.1',
    port: 15006,
    labels: { app: name },
  })),
});

const marker = (revision: number, projections?: { key: string; seq: number }[]) => ({
  v: 1,
  revision,
  source: 'api',
  appliedAt: 1,
  author: 'spec',
  ...(projections && { projections }),
});

describe('DestinationSync', () => {
  let rec: RecordedFollowing;
  let feed: MemoryConfigFeed;
  let said: string[];
  let snapshots: MeshState[];
  let inPlace: string[];
  let sync: DestinationSync;

  function follower(instances: string[] = [], limits?: DestinationLimits): DestinationSync {
    const scope = {
      localNamespace: NS,
      instances: instances.map((instanceId) => ({ namespace: NS, instanceId })),
      limits,
    };
    sync = new DestinationSync(rec.deps, scope);
    return sync;
  }

  const last = () => rec.last;

  beforeEach(() => {
    rec = new RecordedFollowing(subjects);
    ({ feed, said, snapshots, inPlace } = rec);
  });

  afterEach(() => {
    sync.stop();
  });

  it('reads the marker and its instances’ memberships at start, follows the Services they list, then applies and ACKs', async () => {
    feed.put(destinationKey(NS, 'b'), bundle('b'));
    feed.put(endpointsKey(NS, 'b'), endpoints('b', 'b1'));
    feed.put(memberKey(NS, 'w1'), {
      v: 1,
      namespace: NS,
      instanceId: 'w1',
      services: ['default/b'],
    });
    feed.put(SNAPSHOT_KEY, marker(5));
    follower(['w1']).run();
    await settle();

    expect(said).toEqual(['ACK 5']);
    expect(snapshots).toHaveLength(1);
    expect(last()).toEqual({ revision: 5, resources: ['service.default.b'], sets: ['default/b'] });
    expect(feed.listening.sort()).toEqual([
      'weft.v1.config.dst.default.b',
      'weft.v1.config.member.default.w1',
      'weft.v1.config.policies.default',
      'weft.v1.config.policies.weft-system',
      'weft.v1.config.snapshot',
    ]);
  });

  it('follows the policies of its namespaces and of the root namespace, applied at the marker that wrote them', async () => {
    const policy = (name: string, namespace: string) => ({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'PeerAuthentication',
      metadata: { name, namespace },
      spec: { mtls: { mode: 'PERMISSIVE' } },
    });
    const policies = (namespace: string, name: string) => ({
      v: 1,
      namespace,
      resources: [
        {
          key: `peerauthentication.${namespace}.${name}`,
          source: 'api',
          resource: policy(name, namespace),
        },
      ],
    });
    feed.put(policiesKey('weft-system'), policies('weft-system', 'mesh'));
    feed.put(SNAPSHOT_KEY, marker(1));
    follower(['w1']).run();
    await settle();
    expect(last()?.resources).toEqual(['peerauthentication.weft-system.mesh']);
    // Another namespace's policies are not followed; its own namespace's are, at their marker.
    feed.putAnnounced(policiesKey('other'), policies('other', 'x'));
    const seq = feed.putAnnounced(policiesKey(NS), policies(NS, 'local'));
    expect(last()?.resources).toEqual(['peerauthentication.weft-system.mesh']);
    feed.putAnnounced(SNAPSHOT_KEY, marker(2, [{ key: policiesKey(NS), seq }]));
    await settle();
    expect(said).toEqual(['ACK 1', 'ACK 2']);
    expect(last()?.resources).toEqual([
      'peerauthentication.default.local',
      'peerauthentication.weft-system.mesh',
    ]);
  });

  it('waits for the bucket while NATS does not answer, and applies nothing before it is read', async () => {
    feed.failOpens = 1;
    feed.put(SNAPSHOT_KEY, marker(2));
    follower().run();
    await settle();
    expect([said, sync.discover('c')]).toEqual([[], undefined]);
    await new Promise((r) => setTimeout(r, 1_100));
    await settle();
    expect(said).toEqual(['ACK 2']);
  });

  describe('a request for a host the table does not know', () => {
    beforeEach(async () => {
      feed.put(SNAPSHOT_KEY, marker(3));
      follower().run();
      await settle();
    });

    it('reads the Service it names and the backends its routes send to, then goes on', async () => {
      feed.put(destinationKey(NS, 'c'), bundle('c', route('c', ['c-v1', 'c-v2'])));
      feed.put(destinationKey(NS, 'c-v1'), bundle('c-v1'));
      feed.put(endpointsKey(NS, 'c-v1'), endpoints('c-v1', 'v1a'));
      const lookup = sync.discover('c');
      // Requests for the same host share one lookup.
      expect(sync.discover('c')).toBe(lookup);
      await lookup;
      await settle();

      expect(last()).toEqual({
        revision: 3,
        resources: ['httproute.default.c-0', 'service.default.c', 'service.default.c-v1'],
        sets: ['default/c-v1'],
      });
      expect(feed.reads).toEqual(
        expect.arrayContaining([
          aliasKey('c'),
          destinationKey(NS, 'c-v2'),
          endpointsKey(NS, 'c-v2'),
        ]),
      );
      // Read once: nothing more to read for it.
      expect(sync.discover('c')).toBeUndefined();
      expect(said).toEqual(['ACK 3']);
    });

    it('keeps a host that names nothing followed, so its creation is heard', async () => {
      await sync.discover('ghost');
      expect(feed.listening).toContain('weft.v1.config.dst.default.ghost');
      feed.putAnnounced(destinationKey(NS, 'ghost'), bundle('ghost'));
      feed.putAnnounced(SNAPSHOT_KEY, marker(4, [{ key: destinationKey(NS, 'ghost'), seq: 1 }]));
      await settle();
      expect(last().resources).toEqual(['service.default.ghost']);
    });

    it('turns no host that is no DNS name into an alias subject', async () => {
      for (const host of ['a..b', 'x.', '_x', '[::1]']) await sync.discover(host);
      expect(feed.listening.filter((s) => s.includes('.alias.'))).toEqual([]);
    });
  });

  describe('called hosts past the bound', () => {
    beforeEach(async () => {
      feed.put(destinationKey(NS, 'b'), bundle('b'));
      feed.put(endpointsKey(NS, 'b'), endpoints('b', 'b1'));
      feed.put(SNAPSHOT_KEY, marker(3));
      follower([], { maxHosts: 4, ttlMs: 60_000 }).run();
      await settle();
    });

    it('drops made-up hosts first, the least recently called, with their subscriptions; what holds something stays', async () => {
      await sync.discover('b');
      for (let i = 0; i < 10; i++) await sync.discover(`made-up-${i}.example.com`);
      await settle();
      const listening = feed.listening.filter(
        (s) => s !== subjects.configAnnouncement(SNAPSHOT_KEY),
      );
      expect(listening.sort()).toEqual(
        [
          'weft.v1.config.alias.b',
          'weft.v1.config.alias.made-up-7.example.com',
          'weft.v1.config.alias.made-up-8.example.com',
          'weft.v1.config.alias.made-up-9.example.com',
          'weft.v1.config.dst.default.b',
          ...listening.filter((s) => s.startsWith('weft.v1.config.policies.')),
        ].sort(),
      );
      expect(rec.evictions).toEqual(Array.from({ length: 7 }, () => 'max 1'));
      expect(last().sets).toEqual(['default/b']);
    });

    it('drops the Service a dropped host named, releases its cluster, and reads it again when called again', async () => {
      await sync.discover('b');
      for (let i = 0; i < 4; i++) await sync.discover(`x${i}`);
      await settle();
      // All four made-up ones reach nothing: b stays, x0 went, its dst subscription with it.
      expect(feed.listening).not.toContain('weft.v1.config.dst.default.x0');
      expect(rec.released).toEqual(['default/x0']);
      // b is now the least recently called, but made-up hosts keep going first.
      for (let i = 4; i < 8; i++) await sync.discover(`x${i}`);
      await settle();
      expect(rec.released).toEqual(['x0', 'x1', 'x2', 'x3', 'x4'].map((x) => `default/${x}`));
      expect(feed.listening).toContain('weft.v1.config.dst.default.b');
      expect(last().resources).toEqual(['service.default.b']);
    });
  });

  describe('a destination not called for the TTL', () => {
    beforeEach(async () => {
      jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
      feed.put(destinationKey(NS, 'c'), bundle('c', route('c', ['c-v1'])));
      feed.put(destinationKey(NS, 'c-v1'), bundle('c-v1'));
      feed.put(endpointsKey(NS, 'c-v1'), endpoints('c-v1', 'v1a'));
      feed.put(SNAPSHOT_KEY, marker(3));
      follower([], { maxHosts: 100, ttlMs: 1_000 }).run();
      await settle();
      await sync.discover('c');
      await settle();
    });

    afterEach(() => {
      jest.useRealTimers();
    });

    it('is dropped with the backends only it led to, and comes back on the next call', async () => {
      expect(last().resources).toEqual([
        'httproute.default.c-0',
        'service.default.c',
        'service.default.c-v1',
      ]);
      // Called within the TTL: kept.
      for (let t = 0; t < 4; t++) {
        jest.advanceTimersByTime(500);
        sync.called('c');
      }
      await settle();
      expect(rec.evictions).toEqual([]);
      jest.advanceTimersByTime(2_000);
      await settle();
      expect(rec.evictions).toEqual(['ttl 1']);
      expect(last().resources).toEqual([]);
      expect(rec.released.sort()).toEqual(['default/c', 'default/c-v1']);
      expect(feed.listening.filter((s) => s.includes('.dst.'))).toEqual([]);
      // The next request for it reads it again.
      const reads = feed.reads.length;
      await sync.discover('c');
      await settle();
      expect(feed.reads.length).toBeGreaterThan(reads);
      expect(last().resources).toEqual([
        'httproute.default.c-0',
        'service.default.c',
        'service.default.c-v1',
      ]);
      expect(said).toEqual(['ACK 3']);
    });
  });

  describe('announcements', () => {
    let seqOfSet: number;

    beforeEach(async () => {
      feed.put(destinationKey(NS, 'b'), bundle('b'));
      seqOfSet = feed.put(endpointsKey(NS, 'b'), endpoints('b', 'b1'));
      feed.put(SNAPSHOT_KEY, marker(5));
      follower().run();
      await settle();
      await sync.discover('b');
      await settle();
      // Its set, read once the table was built, went in place.
      expect(inPlace).toEqual(['default/b b1']);
      inPlace.length = 0;
    });

    it('applies a newer endpoint set in place, never an older one, and a delete announced one past', async () => {
      const seq = feed.putAnnounced(endpointsKey(NS, 'b'), endpoints('b', 'b1', 'b2'));
      // An announcement older than what is held (it crossed a read) is not taken.
      feed.announce({
        key: endpointsKey(NS, 'b'),
        seq: seqOfSet,
        op: 'PUT',
        value: endpoints('b'),
      });
      feed.announce({ key: endpointsKey(NS, 'b'), seq: seq + 1, op: 'DEL' });
      await settle();
      expect(inPlace).toEqual(['default/b b1,b2', 'default/b -']);
      // No recompile for endpoints of a Service the table knows.
      expect(snapshots).toHaveLength(2);
    });

    it('reads a value too big to announce from the bucket', async () => {
      feed.putAnnounced(endpointsKey(NS, 'b'), endpoints('b', 'b3'), false);
      await settle();
      expect(inPlace).toEqual(['default/b b3']);
    });

    /**
     * Revision 6 adds a route to b's bundle, written before its marker (which is announced with its
     * value, or without when too big): the bundle is read, the revision applied and ACKed.
     */
    async function expectRouteRevisionApplied(markerAnnouncedWithValue: boolean): Promise<void> {
      const seq = feed.put(destinationKey(NS, 'b'), bundle('b', route('b', ['b'])));
      const projections = [{ key: destinationKey(NS, 'b'), seq }];
      feed.putAnnounced(SNAPSHOT_KEY, marker(6, projections), markerAnnouncedWithValue);
      await settle();
      expect(last()).toEqual({
        revision: 6,
        resources: ['httproute.default.b-0', 'service.default.b'],
        sets: ['default/b'],
      });
      expect(said).toEqual(['ACK 5', 'ACK 6']);
    }

    it('applies a revision once the projections its marker wrote are read, and holds changed bundles until then', async () => {
      await expectRouteRevisionApplied(true);

      // A bundle announced alone waits for its marker.
      const compiles = snapshots.length;
      feed.putAnnounced(destinationKey(NS, 'b'), bundle('b'));
      await settle();
      expect(snapshots).toHaveLength(compiles);
      feed.putAnnounced(SNAPSHOT_KEY, marker(7));
      await settle();
      expect(last().resources).toEqual(['service.default.b']);
    });

    it('reads a marker too big to announce from the bucket, then the projections it wrote, then applies and ACKs it', async () => {
      await expectRouteRevisionApplied(false);
    });

    it('NACKs a revision once per reason while a bundle is unusable, and applies its fix at once', async () => {
      const bad = {
        ...bundle('b'),
        resources: [
          { key: 'httproute.default.junk', source: 'api', resource: { kind: 'HTTPRoute' } },
        ],
      };
      feed.putAnnounced(destinationKey(NS, 'b'), bad);
      feed.putAnnounced(SNAPSHOT_KEY, marker(6));
      feed.putAnnounced(SNAPSHOT_KEY, marker(6));
      await settle();
      expect(said.slice(0, 2)).toEqual(['ACK 5', 'invalid dst.default.b']);
      expect(said.filter((s) => s.startsWith('NACK'))).toHaveLength(1);
      expect(said[2]).toMatch(/^NACK 6 dst\.default\.b: /);

      feed.putAnnounced(destinationKey(NS, 'b'), bundle('b'));
      await settle();
      expect(said.at(-1)).toBe('ACK 6');
    });

    it('NACKs a revision the route configurator refuses, keeping the last good one', async () => {
      rec.outcome = () => ({ ok: false, error: 'bad route' });
      feed.putAnnounced(SNAPSHOT_KEY, marker(6));
      feed.putAnnounced(SNAPSHOT_KEY, marker(6));
      await settle();
      expect(said).toEqual(['ACK 5', 'NACK 6 bad route']);
    });

    it('reads everything it follows again on resync: what was announced while away is lost', async () => {
      feed.put(endpointsKey(NS, 'b'), endpoints('b', 'b9'));
      feed.put(SNAPSHOT_KEY, marker(8));
      sync.resync();
      await settle();
      expect(last()).toEqual({
        revision: 8,
        resources: ['service.default.b'],
        sets: ['default/b'],
      });
      expect(last().revision).toBe(8);
      expect(snapshots.at(-1)!.endpointSets.get('default/b')?.endpoints[0].instanceId).toBe('b9');
      expect(said).toEqual(['ACK 5', 'ACK 8']);
    });

    it('reports garbage on an announcement subject with the subject, and takes nothing from it', async () => {
      const subject = subjects.configAnnouncement(endpointsKey(NS, 'b'));
      feed.announce({ key: endpointsKey(NS, 'b'), seq: -1, op: 'PUT' });
      await settle();
      expect(said).toEqual(['ACK 5', `invalid ${subject}`]);
      expect(inPlace).toEqual([]);
    });

    it('stops listening and discovering on stop', () => {
      sync.stop();
      expect([feed.listening, sync.discover('zzz')]).toEqual([[], undefined]);
    });
  });

  it('serves the disk copy first and follows the Services it lists once NATS answers', async () => {
    rec.cached = {
      revision: 4,
      resources: { 'service.default.c': service('c') as never },
      endpointSets: {},
      destinations: ['default/c'],
    };
    const s = follower();
    await s.loadCache();
    expect([s.hasConfig, last().revision, said]).toEqual([true, 4, []]);
    feed.put(destinationKey(NS, 'c'), bundle('c'));
    feed.put(SNAPSHOT_KEY, marker(4));
    s.run();
    await settle();
    expect(feed.reads).toEqual(
      expect.arrayContaining([destinationKey(NS, 'c'), endpointsKey(NS, 'c')]),
    );
    expect(said).toEqual(['ACK 4']);
    expect(last().resources).toEqual(['service.default.c']);
  });
});
