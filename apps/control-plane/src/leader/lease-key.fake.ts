// An in-memory lease key for election specs: compare-and-set writes, delivered to every watcher.
import type { LeaderLease } from '@app/protocol';
import { LeaseConflict, type LeaseElection, type LeaseStore } from './lease-election.js';

/** One lease key with compare-and-set; every write is delivered to every watcher, as a KV watch does. */
export class LeaseKey implements LeaseStore {
  revision = 0;
  value: LeaderLease | undefined;
  readonly watchers = new Set<LeaseElection>();
  /** While set, writes never answer (NATS unreachable from the writer). */
  hang = false;

  swap(lease: LeaderLease, revision: number): Promise<number> {
    if (this.hang) return new Promise(() => undefined);
    if (revision !== this.revision) return Promise.reject(new LeaseConflict('wrong revision'));
    this.revision++;
    this.value = lease;
    const record = { revision: this.revision, lease };
    // The watch delivers after the write's answer, asynchronously.
    setTimeout(() => this.watchers.forEach((w) => w.observe(record)), 5);
    return Promise.resolve(this.revision);
  }

  read(): Promise<{ revision: number; lease: LeaderLease | undefined }> {
    return Promise.resolve({ revision: this.revision, lease: this.value });
  }
}
