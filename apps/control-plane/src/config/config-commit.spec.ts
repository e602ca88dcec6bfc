// Unit spec for the KV commit's states in use: a follower writes nothing, a failed write leaves the
// leader stale until it reads the bucket again, a lease lost mid-commit owes its keys, a takeover
// repairs; on a recording KV double.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { KV } from '@nats-io/kv';
import { pino } from 'pino';
import { SNAPSHOT_KEY, type Resource } from '@app/protocol';
import { NotLeader } from '../leader/leader-election.service.js';
import { planApply, type ApplyPlan, type RevisionPlan } from './apply-plan.js';
import { ConfigCommit } from './config-commit.js';
import { ConfigStoreUnavailable } from './config-errors.js';
import { HistoryStore } from './history-store.service.js';
import { RecordingBucket } from './recording-bucket.fake.js';
import { selectorOf, service } from './config-fixtures.fake.js';

const log = pino({ level: 'silent' });

/** A lease that holds while `holds`, or for the next `checks` checks when that is set. */
class Fence {
  holds = true;
  checks = Infinity;
  assertLeader(): void {
    if (!this.holds || this.checks-- <= 0) throw new NotLeader('not the leader', 1, null);
  }
}

const commits: ConfigCommit[] = [];
afterEach(() => commits.splice(0).forEach((c) => c.stop()));

async function attached(bucket = new RecordingBucket(), fence = new Fence()) {
  const historyBucket = new RecordingBucket();
  const history = new HistoryStore(log);
  history.attach(historyBucket as unknown as KV);
  const published: number[] = [];
  const commit = new ConfigCommit({
    history,
    fence,
    announcer: { announce: () => undefined, announceMarker: () => undefined },
    log,
    published: () => published.push(commit.current.revision),
  });
  commits.push(commit);
  await commit.attach(bucket as unknown as KV);
  return { commit, bucket, historyBucket, fence, published };
}

function plan(commit: ConfigCommit, ...batch: Resource[]): RevisionPlan {
  const p: ApplyPlan = planApply(
    commit.current,
    { batch, source: 'api', prune: false, author: 'spec' },
    Date.now(),
  );
  if (!p.changed) throw new Error('expected a revision');
  return p;
}

describe('ConfigCommit', () => {
  it('follows until it takes over, and a follower writes nothing', async () => {
    const { commit, bucket, fence } = await attached();
    expect(commit.role).toBe('following');
    fence.holds = false;
    await expect(commit.publish(plan(commit, service('a')))).rejects.toBeInstanceOf(NotLeader);
    expect(bucket.writes).toEqual([]);
    fence.holds = true;
    await commit.lead();
    expect(commit.role).toBe('leading');
    await commit.publish(plan(commit, service('a')));
    expect(commit.current.revision).toBe(1);
  });

  it('is stale after a failed write, and reads the bucket again before the next plan', async () => {
    const { commit, bucket, published } = await attached();
    await commit.lead();
    await commit.publish(plan(commit, service('a', 'one')));
    bucket.failOnPut = bucket.writes.filter((w) => w.startsWith('put')).length + 1;
    await expect(commit.publish(plan(commit, service('a', 'two')))).rejects.toBeInstanceOf(
      ConfigStoreUnavailable,
    );
    expect(commit.role).toBe('stale');
    expect(commit.current.revision).toBe(1);
    published.length = 0;
    await commit.catchUp();
    expect(commit.role).toBe('leading');
    // The fresh read is published: listeners see the revision the bucket holds.
    expect(published).toEqual([1]);
    bucket.writes.length = 0;
    await commit.publish(plan(commit, service('b')));
    // a is owed (the failed write may have landed), so it is rewritten from memory first.
    expect(bucket.writes).toEqual([
      'put service.default.a',
      'put service.default.b',
      'put dst.default.b',
      `put ${SNAPSHOT_KEY}`,
    ]);
    expect(commit.current.revision).toBe(2);
  });

  it('a lease lost mid-commit owes the keys it touched, and the next commit rewrites them', async () => {
    const { commit, bucket, fence } = await attached();
    await commit.lead();
    await commit.publish(plan(commit, service('a', 'one')));
    // Passes the checks before the history entry and a's write, then refuses the projection's.
    fence.checks = 3;
    await expect(commit.publish(plan(commit, service('a', 'two')))).rejects.toBeInstanceOf(
      NotLeader,
    );
    expect(commit.role).toBe('leading');
    fence.checks = Infinity;
    bucket.writes.length = 0;
    await commit.publish(plan(commit, service('c')));
    expect(bucket.writes).toEqual([
      'put service.default.a',
      'put service.default.c',
      'put dst.default.c',
      `put ${SNAPSHOT_KEY}`,
    ]);
    expect(selectorOf(bucket, 'service.default.a')).toEqual({ app: 'one' });
  });

  it('a stale leader that lost the lease reads nothing and stays stale', async () => {
    const { commit, bucket, fence } = await attached();
    await commit.lead();
    bucket.failOnPut = 1;
    await expect(commit.publish(plan(commit, service('a')))).rejects.toBeInstanceOf(
      ConfigStoreUnavailable,
    );
    fence.holds = false;
    await expect(commit.catchUp()).rejects.toBeInstanceOf(NotLeader);
    expect(commit.role).toBe('stale');
  });

  it('steps down to following, and the bucket feeds it again', async () => {
    const bucket = new RecordingBucket();
    const { commit } = await attached(bucket);
    await commit.lead();
    await commit.publish(plan(commit, service('a')));
    await commit.follow();
    expect(commit.role).toBe('following');
    const other = await attached(bucket);
    await other.commit.lead();
    await other.commit.publish(plan(other.commit, service('b')));
    await new Promise((r) => setTimeout(r, 10));
    expect(commit.current.revision).toBe(2);
    expect([...commit.current.desired.keys()].sort()).toEqual([
      'service.default.a',
      'service.default.b',
    ]);
  });
});
