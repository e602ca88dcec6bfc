// The wedged-main fence: lease writes pass while the main thread ticks, and stop once it has not for
// WEDGED_AFTER_TTLS TTLs, so a leader whose event loop is stuck loses the lease to another replica.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { PROTOCOL_VERSION, type LeaderLease } from '@app/protocol';
import { LeaseElection, type LeaseStore } from './lease-election.js';
import { LeaseKey } from './lease-key.fake.js';
import { WEDGED_AFTER_TTLS } from './lease-thread.js';
import { refusingWhileMainWedged } from './wedged-main-fence.js';

const TTL = 3_000;
const lease: LeaderLease = {
  v: PROTOCOL_VERSION,
  holder: 'a',
  adminUrl: 'http://a:15010',
  term: 1,
  renewedAt: 0,
  ttlMs: TTL,
};

describe('refusingWhileMainWedged', () => {
  let key: LeaseKey;
  let elections: LeaseElection[];

  beforeEach(() => {
    jest.useFakeTimers();
    key = new LeaseKey();
    elections = [];
  });

  afterEach(() => {
    elections.forEach((e) => e.stop());
    jest.useRealTimers();
  });

  function elect(holder: string, store: LeaseStore): LeaseElection {
    const election = new LeaseElection(
      { holder, adminUrl: `http://${holder}:15010` },
      TTL,
      store,
      () => Date.now(),
    );
    key.watchers.add(election);
    election.observe({ revision: key.revision, lease: key.value });
    elections.push(election);
    return election;
  }

  it('writes while the main thread ticked within the limit, refuses past it, always reads', async () => {
    const clock = { mainTick: Date.now() };
    const store = refusingWhileMainWedged(key, clock, TTL, () => Date.now());
    jest.setSystemTime(clock.mainTick + WEDGED_AFTER_TTLS * TTL);
    await expect(store.swap(lease, 0)).resolves.toBe(1);
    jest.setSystemTime(clock.mainTick + WEDGED_AFTER_TTLS * TTL + 1);
    await expect(store.swap(lease, 1)).rejects.toThrow(
      `the main thread has not run for ${WEDGED_AFTER_TTLS * TTL + 1} ms`,
    );
    expect(key.revision).toBe(1);
    await expect(store.read()).resolves.toEqual({ revision: 1, lease });
  });

  it('keeps a ticking leader, and hands a wedged one over to another replica, never two at once', async () => {
    const clock = { mainTick: Date.now() };
    const a = elect(
      'a',
      refusingWhileMainWedged(key, clock, TTL, () => Date.now()),
    );
    await jest.advanceTimersByTimeAsync(50);
    const b = elect('b', key);
    // The main thread ticks every 250 ms: a leads on and on.
    for (let t = 0; t < 2 * WEDGED_AFTER_TTLS * TTL; t += 250) {
      clock.mainTick = Date.now();
      await jest.advanceTimersByTimeAsync(250);
    }
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    // Its event loop stops: renewals go on until the limit, then the lease runs out and b takes it.
    const wedgedAt = Date.now();
    let aLostAt = 0;
    a.on('role', () => (aLostAt ||= Date.now()));
    for (let t = 0; t < (WEDGED_AFTER_TTLS + 2) * TTL; t += 50) {
      await jest.advanceTimersByTimeAsync(50);
      expect([a.isLeader, b.isLeader]).not.toEqual([true, true]);
    }
    expect([a.isLeader, b.isLeader]).toEqual([false, true]);
    expect(key.value).toMatchObject({ holder: 'b', term: 2 });
    expect(aLostAt - wedgedAt).toBeGreaterThan(WEDGED_AFTER_TTLS * TTL);
  });
});
