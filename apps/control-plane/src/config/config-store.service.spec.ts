// ConfigStore: one revision per apply, marker last, unchanged resources skipped, failed commits repaired,
// followers folding complete revisions, and a takeover that neither loses nor duplicates a revision.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { KV } from '@nats-io/kv';
import { pino } from 'pino';
import { parseResource, SNAPSHOT_KEY } from '@app/protocol';
import type { ConfigAnnouncer } from './config-announcer.service.js';
import { ConfigStoreUnavailable } from './config-errors.js';
import { ConfigStore } from './config-store.service.js';
import { HistoryStore } from './history-store.service.js';
import { NotLeader, type LeaderElection } from '../leader/leader-election.service.js';
import { RecordingBucket } from './recording-bucket.fake.js';
import { selectorOf, service } from './config-fixtures.fake.js';

/** Announcements made, in order (the store's NATS side, recorded). */
const announced: { key: string; seq: number; json: string | undefined }[] = [];
const announcer = {
  announce: (key: string, seq: number, json: string | undefined) =>
    void announced.push({ key, seq, json }),
  announceMarker: (seq: number, marker: object) =>
    void announced.push({ key: SNAPSHOT_KEY, seq, json: JSON.stringify(marker) }),
} as ConfigAnnouncer;

const stores: ConfigStore[] = [];
afterEach(() => {
  stores.splice(0).forEach((s) => s.onApplicationShutdown());
  announced.splice(0);
});

/** A store on `bucket` that has taken over writing (the lease check always passes here). */
async function leader(
  bucket: RecordingBucket,
  historyBucket: RecordingBucket,
  fence: Pick<LeaderElection, 'assertLeader'> = { assertLeader: () => undefined },
): Promise<ConfigStore> {
  const log = pino({ level: 'silent' });
  const history = new HistoryStore(log);
  history.attach(historyBucket as unknown as KV);
  const s = new ConfigStore(history, fence as LeaderElection, announcer, log);
  stores.push(s);
  await s.attach(bucket as unknown as KV);
  await s.lead();
  return s;
}

async function store(): Promise<[ConfigStore, RecordingBucket, RecordingBucket]> {
  const bucket = new RecordingBucket();
  const historyBucket = new RecordingBucket();
  return [await leader(bucket, historyBucket), bucket, historyBucket];
}

describe('ConfigStore', () => {
  it('writes each changed resource, then the snapshot marker, as one revision', async () => {
    const [s, bucket] = await store();
    const result = await s.apply([service('a'), service('b')], 'api');
    expect(result.revision).toBe(1);
    expect(result.results.map((r) => r.action)).toEqual(['created', 'created']);
    expect(bucket.writes).toEqual([
      'put service.default.a',
      'put service.default.b',
      'put dst.default.a',
      'put dst.default.b',
      `put ${SNAPSHOT_KEY}`,
    ]);
    expect(JSON.parse(bucket.values.get(SNAPSHOT_KEY)!)).toMatchObject({
      v: 1,
      revision: 1,
      source: 'api',
    });
  });

  it('issues the writes of an apply together, and the marker only once all are answered', async () => {
    const [s, bucket] = await store();
    await s.apply([service('a'), service('b'), service('c')], 'api');
    expect(bucket.maxInFlight).toBe(3);
    expect(bucket.writes.at(-1)).toBe(`put ${SNAPSHOT_KEY}`);
  });

  it('announces each projection it writes and then the marker, which lists them at their revisions', async () => {
    const [s, bucket] = await store();
    await s.apply([service('a'), service('b')], 'api');
    const bBefore = (await bucket.get('dst.default.b'))!.revision;
    announced.splice(0);
    await s.apply([service('a', 'other')], 'api', true);
    // The projections are written together (in any order), the marker after them.
    const marker = announced.pop()!;
    expect(marker.key).toBe(SNAPSHOT_KEY);
    const put = announced.find((a) => a.key === 'dst.default.a')!;
    const del = announced.find((a) => a.key === 'dst.default.b')!;
    expect(announced).toHaveLength(2);
    expect(put.json).toBe(bucket.values.get('dst.default.a'));
    expect(JSON.parse(put.json!)).toMatchObject({
      resources: [{ key: 'service.default.a', resource: { spec: { selector: { app: 'other' } } } }],
    });
    // A delete says one past the revision it removed.
    expect(del.seq).toBe(bBefore + 1);
    expect(JSON.parse(marker.json!)).toMatchObject({
      revision: 2,
    });
    expect(
      (JSON.parse(marker.json!) as { projections: { key: string }[] }).projections.sort((x, y) =>
        x.key.localeCompare(y.key),
      ),
    ).toEqual([
      { key: 'dst.default.a', seq: put.seq },
      { key: 'dst.default.b', seq: del.seq },
    ]);
    expect(marker.seq).toBeGreaterThan(put.seq);
  });

  it('runs the before-marker hook between the resources and the marker of a commit touching Services', async () => {
    const [s, bucket] = await store();
    const seen: string[][] = [];
    s.beforeEachMarker((desired) => {
      seen.push(desired.map((r) => r.metadata.name));
      bucket.writes.push('hook');
      return Promise.resolve();
    });
    await s.apply([service('a'), service('b')], 'api');
    expect(bucket.writes).toEqual([
      'put service.default.a',
      'put service.default.b',
      'put dst.default.a',
      'put dst.default.b',
      'hook',
      `put ${SNAPSHOT_KEY}`,
    ]);
    expect(seen).toEqual([['a', 'b']]);
    await s.remove('service.default.a', 'test');
    expect(seen.at(-1)).toEqual(['b']);
    const route = parseResource({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'r' },
      spec: {
        parentRefs: [{ kind: 'Service', name: 'b' }],
        rules: [{ backendRefs: [{ name: 'b' }] }],
      },
    });
    if (!route.ok) throw new Error('bad fixture');
    await s.apply([route.value], 'api');
    expect(seen).toHaveLength(2);
  });

  it('skips unchanged resources and publishes no revision when nothing changed', async () => {
    const [s, bucket] = await store();
    await s.apply([service('a')], 'api');
    bucket.writes.length = 0;
    const same = await s.apply([service('a')], 'api');
    expect(same).toEqual({
      revision: 1,
      changed: false,
      results: [{ resource: 'Service/default/a', action: 'unchanged' }],
    });
    expect(bucket.writes).toEqual([]);
  });

  it('makes no revision when another source applies the same resources: no write, no history, no announcement', async () => {
    const [s, bucket, historyBucket] = await store();
    const first = await s.apply([service('a'), service('b')], 'api', false, 'alice');
    expect(first).toMatchObject({ revision: 1, changed: true });
    bucket.writes.length = 0;
    historyBucket.writes.length = 0;
    announced.splice(0);
    const changed: number[] = [];
    s.on('changed', () => changed.push(s.currentRevision));
    const again = await s.apply([service('b'), service('a')], 'cli', false, 'bob');
    expect(again).toEqual({
      revision: 1,
      changed: false,
      results: [
        { resource: 'Service/default/b', action: 'unchanged' },
        { resource: 'Service/default/a', action: 'unchanged' },
      ],
    });
    expect(bucket.writes).toEqual([]);
    expect(historyBucket.writes).toEqual([]);
    expect(announced).toEqual([]);
    expect(changed).toEqual([]);
    // Nothing was written, so the resources keep their owner: a folder pruning its own is unaffected.
    const pruned = await s.apply([], 'api', true);
    expect(pruned.results.map((r) => r.action)).toEqual(['deleted', 'deleted']);
    expect(pruned).toMatchObject({ revision: 2, changed: true });
  });

  it('prunes only resources of the same source', async () => {
    const [s, bucket] = await store();
    await s.apply([service('from-api')], 'api');
    await s.apply([service('x'), service('y')], 'dir', true);
    bucket.writes.length = 0;
    const result = await s.apply([service('x')], 'dir', true);
    expect(result.results).toEqual([
      { resource: 'Service/default/x', action: 'unchanged' },
      { resource: 'Service/default/y', action: 'deleted' },
    ]);
    expect(bucket.writes).toEqual([
      'del service.default.y',
      'del dst.default.y',
      `put ${SNAPSHOT_KEY}`,
    ]);
    expect(
      s
        .resources()
        .map((r) => r.metadata.name)
        .sort(),
    ).toEqual(['from-api', 'x']);
  });

  it('a failed commit changes nothing in memory, and the next commit rewrites what it may have left', async () => {
    const [s, bucket] = await store();
    await s.apply([service('a', 'one')], 'api');
    bucket.failOnPut = 5; // the apply below writes a (put 4), then fails on b (put 5)
    await expect(s.apply([service('a', 'two'), service('b')], 'api')).rejects.toBeInstanceOf(
      ConfigStoreUnavailable,
    );
    expect(s.currentRevision).toBe(1);
    expect(selectorOf(bucket, 'service.default.a')).toEqual({
      app: 'two',
    });

    bucket.writes.length = 0;
    const next = await s.apply([service('c')], 'api');
    expect(next.revision).toBe(2);
    // a is restored to the desired value first (b's put never landed), then the marker.
    expect(bucket.writes).toEqual([
      'put service.default.a',
      'put service.default.c',
      'put dst.default.c',
      `put ${SNAPSHOT_KEY}`,
    ]);
    expect(selectorOf(bucket, 'service.default.a')).toEqual({
      app: 'one',
    });
  });

  it('repairs right after a failed commit, with no apply to follow: its keys and its history gone', async () => {
    const [s, bucket, historyBucket] = await store();
    await s.apply([service('a', 'one')], 'api');
    bucket.failOnPut = 5; // the apply below writes a (put 4), then fails on b (put 5)
    await expect(s.apply([service('a', 'two'), service('b')], 'api')).rejects.toBeInstanceOf(
      ConfigStoreUnavailable,
    );
    for (let i = 0; i < 100 && historyBucket.values.has('revision.2'); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(selectorOf(bucket, 'service.default.a')).toEqual({ app: 'one' });
    expect(bucket.values.has('service.default.b')).toBe(false);
    expect([...historyBucket.values.keys()].sort()).toEqual(['revision.1', 'revision.1.0']);
    expect(s.currentRevision).toBe(1);
    expect((await s.apply([service('c')], 'api')).revision).toBe(2);
  });

  it('records each revision in history, before its marker, with who, what and the whole state', async () => {
    const [s, , historyBucket] = await store();
    await s.apply([service('a')], 'api', false, 'alice');
    await s.apply([service('b')], 'cli', false, 'bob');
    const history = new HistoryStore(pino({ level: 'silent' }));
    history.attach(historyBucket as unknown as KV);
    const entry = (await history.get(2))!;
    expect(entry).toMatchObject({
      source: 'cli',
      author: 'bob',
      changes: [{ resource: 'Service/default/b', action: 'created' }],
    });
    expect(Object.keys(entry.resources).sort()).toEqual(['service.default.a', 'service.default.b']);
    expect(entry.resources['service.default.a'].source).toBe('api');
  });

  it('previews an apply with each resource before and after, writing nothing', async () => {
    const [s, bucket] = await store();
    await s.apply([service('a', 'one')], 'api');
    bucket.writes.length = 0;
    const diff = s.preview([service('a', 'two'), service('b')], 'api');
    expect(diff.revision).toBe(1);
    expect(diff.results.map((r) => [r.resource, r.action])).toEqual([
      ['Service/default/a', 'configured'],
      ['Service/default/b', 'created'],
    ]);
    expect(diff.results[0].before?.spec).toEqual(
      expect.objectContaining({ selector: { app: 'one' } }),
    );
    expect(diff.results[0].after?.spec).toEqual(
      expect.objectContaining({ selector: { app: 'two' } }),
    );
    expect(bucket.writes).toEqual([]);
  });

  it('rolls back to an earlier revision as a new revision', async () => {
    const [s, bucket] = await store();
    await s.apply([service('a', 'one')], 'api');
    await s.apply([service('a', 'two'), service('b')], 'api');
    bucket.writes.length = 0;
    const result = await s.rollback(1, 'carol');
    expect(result?.revision).toBe(3);
    expect(result?.results).toEqual([
      { resource: 'Service/default/a', action: 'configured' },
      { resource: 'Service/default/b', action: 'deleted' },
    ]);
    expect(bucket.writes).toEqual([
      'put service.default.a',
      'del service.default.b',
      'put dst.default.a',
      'del dst.default.b',
      `put ${SNAPSHOT_KEY}`,
    ]);
    expect(selectorOf(bucket, 'service.default.a')).toEqual({ app: 'one' });
    expect(await s.rollback(99, 'carol')).toBeUndefined();
  });

  describe('with replicas', () => {
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 10));
    const follower = async (bucket: RecordingBucket, historyBucket: RecordingBucket) => {
      const log = pino({ level: 'silent' });
      const history = new HistoryStore(log);
      history.attach(historyBucket as unknown as KV);
      const fence = {
        holds: false,
        assertLeader(): void {
          if (!this.holds) throw new NotLeader('not the leader', 1, null);
        },
      };
      const s = new ConfigStore(history, fence as unknown as LeaderElection, announcer, log);
      stores.push(s);
      await s.attach(bucket as unknown as KV);
      return { s, fence };
    };
    const names = (s: ConfigStore): string[] =>
      s
        .resources()
        .map((r) => r.metadata.name)
        .sort();

    it('a follower shows each complete revision, never a commit in progress', async () => {
      const [a, bucket, historyBucket] = await store();
      await a.apply([service('one')], 'api');
      const { s: b } = await follower(bucket, historyBucket);
      expect([b.currentRevision, names(b)]).toEqual([1, ['one']]);
      await a.apply([service('two')], 'api');
      await settle();
      expect([b.currentRevision, names(b)]).toEqual([2, ['one', 'two']]);
      // A leader that dies mid-commit: its first write landed, its marker never did.
      await bucket.put('service.default.half', bucket['last'].get('service.default.two')!.value);
      await settle();
      expect([b.currentRevision, names(b)]).toEqual([2, ['one', 'two']]);
      await expect(b.apply([service('x')], 'api')).rejects.toBeInstanceOf(NotLeader);
    });

    it('takes over without losing or duplicating a revision, and repairs what the dead leader left', async () => {
      const [a, bucket, historyBucket] = await store();
      await a.apply([service('one', 'v1')], 'api');
      const { s: b, fence } = await follower(bucket, historyBucket);
      // The leader dies mid-commit of revision 2: one key changed, its history entry claimed.
      const changed = JSON.parse(bucket.values.get('service.default.one')!) as ConfigEntryJson;
      changed.resource.spec.selector = { app: 'v2' };
      await bucket.put('service.default.one', new TextEncoder().encode(JSON.stringify(changed)));
      await historyBucket.put('revision.2', new TextEncoder().encode('{}'));
      await settle();
      fence.holds = true;
      await b.lead();
      expect(selectorOf(bucket, 'service.default.one')).toEqual({ app: 'v1' });
      expect(historyBucket.values.has('revision.2')).toBe(false);
      const next = await b.apply([service('two')], 'api');
      expect(next.revision).toBe(2);
      // Each revision: its head and its entry's one part.
      expect([...historyBucket.values.keys()].sort()).toEqual([
        'revision.1',
        'revision.1.0',
        'revision.2',
        'revision.2.0',
      ]);
      expect(names(b)).toEqual(['one', 'two']);
    });

    it('a former leader that still believes it leads cannot publish over the new one', async () => {
      const [a, bucket, historyBucket] = await store();
      await a.apply([service('one')], 'api');
      const { s: b, fence } = await follower(bucket, historyBucket);
      fence.holds = true;
      await b.lead();
      expect((await b.apply([service('two')], 'api')).revision).toBe(2);
      // `a` was paused through the takeover and resumes mid-apply with a stale view.
      await expect(a.apply([service('three')], 'api')).rejects.toBeInstanceOf(
        ConfigStoreUnavailable,
      );
      const marker = JSON.parse(bucket.values.get(SNAPSHOT_KEY)!) as { revision: number };
      expect(marker.revision).toBe(2);
      const history = JSON.parse(historyBucket.values.get('revision.2')!) as { changes: unknown };
      expect(history.changes).toEqual([{ resource: 'Service/default/two', action: 'created' }]);
      expect(bucket.values.has('service.default.three')).toBe(false);
    });
  });
});

interface ConfigEntryJson {
  resource: { spec: { selector: Record<string, string> } };
}
