// The lease thread's store, refusing to write while the main thread is wedged: a leader whose event
// loop has long stopped would hold the lease for ever without writing anything.
import type { LeaseStore } from './lease-election.js';
import { WEDGED_AFTER_TTLS, type LeaseClock } from './lease-thread.js';

/**
 * `store`, whose writes (renewals and takeovers) are refused once the main thread's last tick on
 * `clock` is more than WEDGED_AFTER_TTLS lease TTLs old: the lease then runs out and another
 * replica takes over. Reads go through.
 */
export function refusingWhileMainWedged(
  store: LeaseStore,
  clock: Pick<LeaseClock, 'mainTick'>,
  ttlMs: number,
  now: () => number,
): LeaseStore {
  const limitMs = WEDGED_AFTER_TTLS * ttlMs;
  return {
    swap: (lease, revision) => {
      const stalled = now() - clock.mainTick;
      if (stalled <= limitMs) return store.swap(lease, revision);
      return Promise.reject(new Error(`the main thread has not run for ${stalled} ms`));
    },
    read: () => store.read(),
  };
}
