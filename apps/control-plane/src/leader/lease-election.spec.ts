// LeaseElection: one leader, renewals, takeover after a TTL of silence, resign, a paused leader fenced.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { LeaseElection, type LeaseStore, type RoleChange } from './lease-election.js';
import { LeaseKey } from './lease-key.fake.js';

const TTL = 3_000;

interface Replica {
  readonly election: LeaseElection;
  readonly changes: RoleChange[];
}

describe('LeaseElection', () => {
  let key: LeaseKey;
  let replicas: Replica[];

  const start = (holder: string, store: LeaseStore = key): Replica => {
    const election = new LeaseElection(
      { holder, adminUrl: `http://${holder}:15010` },
      TTL,
      store,
      () => Date.now(),
    );
    const changes: RoleChange[] = [];
    election.on('role', (c) => changes.push(c));
    key.watchers.add(election);
    election.observe({ revision: key.revision, lease: key.value });
    const replica = { election, changes };
    replicas.push(replica);
    return replica;
  };
  const leaders = (): string[] =>
    replicas.filter((r) => r.election.isLeader).map((r) => r.election.current!.holder);

  beforeEach(() => {
    jest.useFakeTimers();
    key = new LeaseKey();
    replicas = [];
  });

  afterEach(() => {
    replicas.forEach((r) => r.election.stop());
    jest.useRealTimers();
  });

  it('elects exactly one of several replicas, and keeps it by renewing every TTL/3', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((h) => start(h));
    await jest.advanceTimersByTimeAsync(50);
    expect(leaders()).toEqual(['a']);
    expect(a.changes).toEqual([expect.objectContaining({ role: 'leader', change: 'elected' })]);
    expect(key.value?.term).toBe(1);
    await jest.advanceTimersByTimeAsync(10 * TTL);
    expect(leaders()).toEqual(['a']);
    expect(key.revision).toBeGreaterThanOrEqual(30);
    expect(key.value?.term).toBe(1);
    expect([b.changes, c.changes]).toEqual([[], []]);
    expect(b.election.current?.holder).toBe('a');
  });

  it('lets a follower take over within a TTL of the last renewal when the leader dies', async () => {
    const [a, b] = ['a', 'b'].map((h) => start(h));
    await jest.advanceTimersByTimeAsync(2_000);
    a.election.stop(); // crashed: no more renewals, no resign
    const lastRenewal = key.revision;
    await jest.advanceTimersByTimeAsync(TTL - TTL / 3 - 100);
    expect(b.election.isLeader).toBe(false);
    expect(key.revision).toBe(lastRenewal);
    await jest.advanceTimersByTimeAsync(TTL / 3 + 200);
    expect(b.election.isLeader).toBe(true);
    expect(key.value).toMatchObject({ holder: 'b', term: 2 });
  });

  it('hands over at once when the leader resigns', async () => {
    const [a, b] = ['a', 'b'].map((h) => start(h));
    await jest.advanceTimersByTimeAsync(1_500);
    await a.election.resign();
    expect(a.changes.map((c) => c.change)).toEqual(['elected', 'resigned']);
    expect(a.election.isLeader).toBe(false);
    await jest.advanceTimersByTimeAsync(20);
    expect(b.election.isLeader).toBe(true);
    expect(key.value).toMatchObject({ holder: 'b', term: 2 });
  });

  it('fences a leader that cannot renew: it stops leading before anyone can take over', async () => {
    const cut = { hang: false };
    const aStore: LeaseStore = {
      swap: (lease, revision) =>
        cut.hang ? new Promise(() => undefined) : key.swap(lease, revision),
      read: () => key.read(),
    };
    const a = start('a', aStore);
    const b = start('b');
    await jest.advanceTimersByTimeAsync(1_000);
    expect(leaders()).toEqual(['a']);
    cut.hang = true; // a is partitioned from NATS (or paused) from here on
    let aLostAt = 0;
    let bWonAt = 0;
    a.election.on('role', () => (aLostAt ||= Date.now()));
    b.election.on('role', () => (bWonAt ||= Date.now()));
    for (let t = 0; t < 2 * TTL; t += 10) {
      await jest.advanceTimersByTimeAsync(10);
      // Never two that may write at the same moment.
      expect(leaders().length).toBeLessThanOrEqual(1);
    }
    expect(a.election.isLeader).toBe(false);
    expect(b.election.isLeader).toBe(true);
    expect(aLostAt).toBeGreaterThan(0);
    expect(bWonAt - aLostAt).toBeGreaterThanOrEqual(TTL / 3 - 400);
  });

  it('steps down when it sees someone else holding the lease', async () => {
    const a = start('a');
    await jest.advanceTimersByTimeAsync(100);
    expect(a.election.isLeader).toBe(true);
    // An operator (or a leader that was paused) wrote over it.
    await key.swap({ ...key.value!, holder: 'x', term: 7 }, key.revision);
    await jest.advanceTimersByTimeAsync(10);
    expect(a.election.isLeader).toBe(false);
    expect(a.changes.map((c) => c.change)).toEqual(['elected', 'deposed']);
    await jest.advanceTimersByTimeAsync(TTL + 500);
    expect(key.value).toMatchObject({ holder: 'a', term: 8 });
  });

  it('leads again after a NATS restart that swallowed a renewal and stalled the watch', async () => {
    const cut = { hang: false };
    // While cut, a write lands in the key but its answer never comes back.
    const aStore: LeaseStore = {
      swap: (lease, revision) => {
        if (!cut.hang) return key.swap(lease, revision);
        void key.swap(lease, revision).catch(() => undefined);
        return new Promise(() => undefined);
      },
      read: () => key.read(),
    };
    const a = start('a', aStore);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(leaders()).toEqual(['a']);
    cut.hang = true;
    key.watchers.delete(a.election); // the watch delivers nothing from here on
    await jest.advanceTimersByTimeAsync(2 * TTL);
    expect(a.election.isLeader).toBe(false);
    cut.hang = false;
    await jest.advanceTimersByTimeAsync(3 * TTL);
    expect(a.election.isLeader).toBe(true);
    expect(a.changes.map((c) => c.change)).toEqual(['elected', 'deposed', 'elected']);
    expect(key.value).toMatchObject({ holder: 'a', term: 2 });
  });

  it('a lone leader deposed while NATS was away takes its own lease back as soon as NATS answers', async () => {
    const cut = { down: false };
    const aStore: LeaseStore = {
      swap: (lease, revision) =>
        cut.down ? Promise.reject(new Error('disconnected')) : key.swap(lease, revision),
      read: () => key.read(),
    };
    const a = start('a', aStore);
    await jest.advanceTimersByTimeAsync(100);
    cut.down = true;
    await jest.advanceTimersByTimeAsync(TTL);
    expect(a.election.isLeader).toBe(false);
    cut.down = false;
    // Not a TTL after the last change it saw: its own lease, unchanged, is retaken at the next try.
    await jest.advanceTimersByTimeAsync(TTL / 3 + 50);
    expect(a.election.isLeader).toBe(true);
    expect(a.changes.map((c) => c.change)).toEqual(['elected', 'deposed', 'elected']);
  });

  it('takes a deleted lease over at once', async () => {
    const a = start('a');
    const b = start('b');
    await jest.advanceTimersByTimeAsync(100);
    a.election.stop();
    key.revision++;
    key.value = undefined;
    b.election.observe({ revision: key.revision, lease: undefined });
    await jest.advanceTimersByTimeAsync(10);
    expect(b.election.isLeader).toBe(true);
    expect(key.value).toMatchObject({ holder: 'b', term: 2 });
  });
});
