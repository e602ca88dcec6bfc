// The leader lease key in its KV bucket: compare-and-set writes, reads, and a watch that outlives NATS
// trouble, for the election (which runs on a thread of its own, lease.worker.ts).
import type { KV, KvEntry } from '@nats-io/kv';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { decodeMessage, encode, formatErrors, LEADER_LEASE_KEY, LeaderLease } from '@app/protocol';
import type { Logger } from '@app/runtime';
import { LeaseConflict, type LeaseRecord, type LeaseStore } from './lease-election.js';

const WATCH_RETRY_MS = 500;

/** Told why a value of the lease key is not a lease (the election then treats it as released). */
export type InvalidLease = (reason: string) => void;

/** The lease key of `kv` as the election's store. */
export function kvLeaseStore(kv: KV, invalid: InvalidLease): LeaseStore {
  return {
    swap: (lease, revision) => swap(kv, lease, revision),
    read: async () =>
      leaseRecord(await kv.get(LEADER_LEASE_KEY), invalid) ?? { revision: 0, lease: undefined },
  };
}

/** Feeds every change of the lease key to `observe`, watching again after NATS trouble; returns a stop. */
export function followLease(
  kv: KV,
  observe: (record: LeaseRecord) => void,
  invalid: InvalidLease,
  log: Logger,
): () => void {
  let stopped = false;
  let stopIter: (() => void) | undefined;
  void (async () => {
    while (!stopped) {
      try {
        const iter = await kv.watch({ key: LEADER_LEASE_KEY });
        stopIter = () => iter.stop();
        if (stopped) iter.stop();
        for await (const entry of iter) {
          const record = leaseRecord(entry, invalid);
          if (record) observe(record);
        }
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'leader lease watch interrupted; retrying');
      }
      if (!stopped) await new Promise((r) => setTimeout(r, WATCH_RETRY_MS));
    }
  })();
  return () => {
    stopped = true;
    stopIter?.();
  };
}

function leaseRecord(entry: KvEntry | null, invalid: InvalidLease): LeaseRecord | undefined {
  if (!entry) return undefined;
  if (entry.operation !== 'PUT') return { revision: entry.revision, lease: undefined };
  const lease = decodeMessage(LeaderLease, entry.value, LEADER_LEASE_KEY);
  if (lease.ok) return { revision: entry.revision, lease: lease.value };
  invalid(formatErrors(lease.errors));
  // A garbage value is a lease nobody holds: take it over.
  return { revision: entry.revision, lease: undefined };
}

/** Compare-and-set of the lease key; a wrong expected revision is a LeaseConflict. */
async function swap(kv: KV, lease: LeaderLease, revision: number): Promise<number> {
  try {
    return revision === 0
      ? await kv.create(LEADER_LEASE_KEY, encode(lease))
      : await kv.update(LEADER_LEASE_KEY, encode(lease), revision);
  } catch (err) {
    if (
      err instanceof JetStreamApiError &&
      (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
        err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
    )
      throw new LeaseConflict(err.message);
    throw err;
  }
}
