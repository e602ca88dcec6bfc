// ConfigStore: one revision per apply, marker last, unchanged resources skipped, failed commits repaired.
import { describe, expect, it } from '@jest/globals';
import type { KV } from '@nats-io/kv';
import { pino } from 'pino';
import { parseResource, SNAPSHOT_KEY, type Resource } from '@app/protocol';
import { ConfigStore, ConfigStoreUnavailable } from './config-store.service.js';
import { HistoryStore } from './history-store.service.js';

/** A bucket that records writes in order and can be told to fail the n-th put. */
class RecordingBucket {
  readonly writes: string[] = [];
  readonly values = new Map<string, string>();
  failOnPut = 0;
  private puts = 0;

  put(key: string, value: Uint8Array): Promise<number> {
    if (++this.puts === this.failOnPut) return Promise.reject(new Error('no responders'));
    this.writes.push(`put ${key}`);
    this.values.set(key, new TextDecoder().decode(value));
    return Promise.resolve(this.puts);
  }

  delete(key: string): Promise<void> {
    this.writes.push(`del ${key}`);
    this.values.delete(key);
    return Promise.resolve();
  }

  purge(key: string): Promise<void> {
    return this.delete(key);
  }

  get(key: string): Promise<{ operation: 'PUT'; value: Uint8Array } | null> {
    const value = this.values.get(key);
    return Promise.resolve(
      value === undefined ? null : { operation: 'PUT', value: new TextEncoder().encode(value) },
    );
  }

  keys(): Promise<AsyncIterable<string>> {
    const keys = [...this.values.keys()];
    return Promise.resolve(
      (async function* () {
        yield* keys;
      })(),
    );
  }
}

function selectorOf(bucket: RecordingBucket, key: string): unknown {
  const entry = JSON.parse(bucket.values.get(key)!) as {
    resource: { spec: { selector: unknown } };
  };
  return entry.resource.spec.selector;
}

function service(name: string, app = name): Resource {
  const r = parseResource({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { app } },
  });
  if (!r.ok) throw new Error('bad fixture');
  return r.value;
}

async function store(): Promise<[ConfigStore, RecordingBucket, RecordingBucket]> {
  const log = pino({ level: 'silent' });
  const bucket = new RecordingBucket();
  const historyBucket = new RecordingBucket();
  const history = new HistoryStore(log);
  history.attach(historyBucket as unknown as KV);
  const s = new ConfigStore(history, log);
  await s.attach(bucket as unknown as KV);
  return [s, bucket, historyBucket];
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
      `put ${SNAPSHOT_KEY}`,
    ]);
    expect(JSON.parse(bucket.values.get(SNAPSHOT_KEY)!)).toMatchObject({
      v: 1,
      revision: 1,
      source: 'api',
    });
  });

  it('skips unchanged resources and publishes no revision when nothing changed', async () => {
    const [s, bucket] = await store();
    await s.apply([service('a')], 'api');
    bucket.writes.length = 0;
    const same = await s.apply([service('a')], 'api');
    expect(same).toEqual({
      revision: 1,
      results: [{ resource: 'Service/default/a', action: 'unchanged' }],
    });
    expect(bucket.writes).toEqual([]);
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
    expect(bucket.writes).toEqual(['del service.default.y', `put ${SNAPSHOT_KEY}`]);
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
    bucket.failOnPut = 4; // the apply below writes a (put 3), then fails on b (put 4)
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
    // a is restored to the desired value and b (never desired) removed, before the marker.
    expect(bucket.writes).toEqual([
      'put service.default.c',
      'put service.default.a',
      'del service.default.b',
      `put ${SNAPSHOT_KEY}`,
    ]);
    expect(selectorOf(bucket, 'service.default.a')).toEqual({
      app: 'one',
    });
  });

  it('records each revision in history, before its marker, with who, what and the whole state', async () => {
    const [s, , historyBucket] = await store();
    await s.apply([service('a')], 'api', false, 'alice');
    await s.apply([service('b')], 'cli', false, 'bob');
    const entry = JSON.parse(historyBucket.values.get('revision.2')!) as {
      source: string;
      author: string;
      changes: unknown[];
      resources: Record<string, { source: string }>;
    };
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
      `put ${SNAPSHOT_KEY}`,
    ]);
    expect(selectorOf(bucket, 'service.default.a')).toEqual({ app: 'one' });
    expect(await s.rollback(99, 'carol')).toBeUndefined();
  });
});
