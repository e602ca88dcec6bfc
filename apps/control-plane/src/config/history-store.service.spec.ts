// HistoryStore: entries of any size in parts under a head, read back whole and checked, summaries that
// stay small, nothing listed past the committed revision, and orphans discarded with their parts.
import { describe, expect, it } from '@jest/globals';
import type { KV } from '@nats-io/kv';
import { pino } from 'pino';
import { PROTOCOL_VERSION, type HistoryEntry } from '@app/protocol';
import { HISTORY_DEPTH, HISTORY_PART_BYTES, HistoryStore } from './history-store.service.js';
import { RecordingBucket } from './recording-bucket.fake.js';

function attached(): { history: HistoryStore; bucket: RecordingBucket } {
  const bucket = new RecordingBucket();
  const history = new HistoryStore(pino({ level: 'silent' }));
  history.attach(bucket as unknown as KV);
  return { history, bucket };
}

/** An entry whose desired state holds `services` Services, each with an annotation of `pad` bytes. */
function entry(revision: number, services = 1, pad = 0): HistoryEntry {
  const resources: HistoryEntry['resources'] = {};
  const changes: HistoryEntry['changes'] = [];
  for (let i = 0; i < services; i++) {
    const name = `svc-${i}`;
    resources[`service.default.${name}`] = {
      source: 'api',
      resource: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: 'default', annotations: { pad: 'x'.repeat(pad) } },
        spec: { selector: { app: name } },
      },
    };
    changes.push({ resource: `Service/default/${name}`, action: i % 2 ? 'configured' : 'created' });
  }
  return {
    v: PROTOCOL_VERSION,
    revision,
    source: 'api',
    author: 'spec',
    appliedAt: 1_000,
    changes,
    resources,
  };
}

describe('HistoryStore', () => {
  it('keeps an entry larger than any NATS message in parts, and reads it back whole', async () => {
    const { history, bucket } = attached();
    const big = entry(1, 40, 10_000);
    await history.record(big);
    const parts = [...bucket.values.keys()].filter((k) => k.startsWith('revision.1.'));
    expect(parts.length).toBe(Math.ceil(JSON.stringify(big).length / HISTORY_PART_BYTES));
    expect(parts.length).toBeGreaterThan(1);
    expect(await history.get(1)).toEqual(big);
  });

  it('lists heads only: the first 100 changes, and counts of them all', async () => {
    const { history } = attached();
    await history.record(entry(1, 250));
    const [summary] = await history.list(1);
    expect(summary.changes).toHaveLength(100);
    expect(summary.changes[0]).toEqual({ resource: 'Service/default/svc-0', action: 'created' });
    expect(summary.counts).toEqual({ created: 125, configured: 125, deleted: 0 });
  });

  it('never lists a revision past the one the config is at', async () => {
    const { history } = attached();
    await history.record(entry(1));
    await history.record(entry(2));
    expect((await history.list(1)).map((s) => s.revision)).toEqual([1]);
    expect((await history.list(2)).map((s) => s.revision)).toEqual([2, 1]);
  });

  it('refuses to claim a revision twice', async () => {
    const { history } = attached();
    await history.record(entry(1));
    await expect(history.record(entry(1))).rejects.toThrow();
  });

  it('reads nothing from parts that do not match the digest, or a missing part', async () => {
    const { history, bucket } = attached();
    await history.record(entry(1, 2));
    const part = bucket.values.get('revision.1.0')!;
    await bucket.put('revision.1.0', new TextEncoder().encode(part.replace('svc-1', 'svc-X')));
    expect(await history.get(1)).toBeUndefined();
    await history.record(entry(2, 40, 10_000));
    await bucket.delete('revision.2.1');
    expect(await history.get(2)).toBeUndefined();
  });

  it('discards the heads and parts of revisions past the committed one', async () => {
    const { history, bucket } = attached();
    await history.record(entry(1));
    await history.record(entry(2, 40, 10_000));
    await history.discardAfter(1);
    expect([...bucket.values.keys()].sort()).toEqual(['revision.1', 'revision.1.0']);
  });

  it(`keeps ${HISTORY_DEPTH} revisions, dropping the oldest with its parts`, async () => {
    const { history, bucket } = attached();
    await history.record(entry(1, 40, 10_000));
    for (let r = 2; r <= HISTORY_DEPTH + 1; r++) await history.record(entry(r));
    expect([...bucket.values.keys()].some((k) => k.startsWith('revision.1.'))).toBe(false);
    expect(bucket.values.has('revision.1')).toBe(false);
    expect(bucket.values.has('revision.2')).toBe(true);
  });
});
