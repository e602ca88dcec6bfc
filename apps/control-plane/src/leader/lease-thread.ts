// The leader lease on a thread of its own: renewals go out on schedule however long the main thread is
// busy (an apply of 10,000 resources), and the main thread fences each write by reading, from memory
// both threads share, up to when the lease lets this process write.
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { LeaderLease } from '@app/protocol';
import type { Candidate, RoleChange } from './lease-election.js';

/** Milliseconds on the system's monotonic clock: the same in every thread of the process. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/** How often the main thread says its event loop turns. */
const TICK_MS = 250;

/**
 * A main thread whose event loop has not turned for this many lease TTLs is wedged: its lease thread
 * stops renewing, so another replica takes over instead of a leader that never writes.
 */
export const WEDGED_AFTER_TTLS = 10;

/** The memory both threads share: the lease's validity (lease thread) and the main thread's tick. */
export class LeaseClock {
  private readonly slots: BigInt64Array;

  constructor(readonly buffer = new SharedArrayBuffer(2 * BigInt64Array.BYTES_PER_ELEMENT)) {
    this.slots = new BigInt64Array(buffer);
  }

  /** Monotonic ms up to which this process may write as leader; 0 when it is not the leader. */
  get validUntil(): number {
    return Number(Atomics.load(this.slots, 0));
  }

  set validUntil(ms: number) {
    Atomics.store(this.slots, 0, BigInt(Math.floor(ms)));
  }

  /** When (monotonic ms) the main thread's event loop last turned. */
  get mainTick(): number {
    return Number(Atomics.load(this.slots, 1));
  }

  set mainTick(ms: number) {
    Atomics.store(this.slots, 1, BigInt(Math.floor(ms)));
  }
}

/** What the main thread hands the lease thread at its start. */
export interface LeaseWorkerData extends Candidate {
  readonly ttlMs: number;
  readonly shared: SharedArrayBuffer;
}

/** What the lease thread tells the main thread. */
export type LeaseThreadMessage =
  /** The current lease has been read: the election runs. */
  | { readonly type: 'started' }
  | { readonly type: 'role'; readonly change: RoleChange }
  /** The lease key as last observed, sent at each of its changes. */
  | { readonly type: 'leader'; readonly lease: LeaderLease | undefined }
  /** A value of the lease key was not a lease (counted and logged by the main thread). */
  | { readonly type: 'invalid'; readonly reason: string }
  | { readonly type: 'resigned' }
  | { readonly type: 'failed'; readonly error: string };

/** What the main thread tells the lease thread. */
export type LeaseThreadCommand = { readonly type: 'resign' };

/**
 * The main thread's side. Emits the election's `role` changes and the lease (`leader`, at each
 * change of the key) as the lease thread reports them, `invalid` for a lease value that is not one,
 * and `failed` when the lease thread could not run or ended unasked.
 */
export class LeaseThread extends EventEmitter<{
  role: [change: RoleChange];
  leader: [lease: LeaderLease | undefined];
  invalid: [reason: string];
  failed: [error: string];
}> {
  private readonly clock = new LeaseClock();
  private worker: Worker | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private ending = false;

  constructor(private readonly candidate: Candidate & { readonly ttlMs: number }) {
    super();
  }

  /** True while this process holds the lease and its validity has not run out. */
  get isLeader(): boolean {
    return monotonicMs() < this.clock.validUntil;
  }

  /** Starts the lease thread; resolves once it has read the current lease. */
  start(): Promise<void> {
    this.clock.mainTick = monotonicMs();
    this.ticker = setInterval(() => (this.clock.mainTick = monotonicMs()), TICK_MS).unref();
    const workerData: LeaseWorkerData = { ...this.candidate, shared: this.clock.buffer };
    const worker = new Worker(new URL('./lease.worker.js', import.meta.url), { workerData });
    this.worker = worker;
    return new Promise((started, failed) => {
      worker.on('message', (m: LeaseThreadMessage) => {
        if (m.type === 'started') started();
        else if (m.type === 'role') this.emit('role', m.change);
        else if (m.type === 'leader') this.emit('leader', m.lease);
        else if (m.type === 'invalid') this.emit('invalid', m.reason);
        else if (m.type === 'failed') {
          failed(new Error(m.error));
          this.emit('failed', m.error);
        }
      });
      worker.on('error', (err) => this.emit('failed', err.message));
      worker.on('exit', (code) => {
        this.clock.validUntil = 0;
        if (!this.ending) this.emit('failed', `the lease thread exited (${code})`);
      });
    });
  }

  /** Gives the lease up (a follower takes over at once) and ends the lease thread. */
  async resign(): Promise<void> {
    const worker = this.worker;
    clearInterval(this.ticker);
    if (!worker || this.ending) return;
    this.ending = true;
    const resigned = new Promise<void>((done) => {
      worker.on('message', (m: LeaseThreadMessage) => m.type === 'resigned' && done());
      worker.once('exit', () => done());
      setTimeout(done, this.candidate.ttlMs).unref();
    });
    worker.postMessage({ type: 'resign' } satisfies LeaseThreadCommand);
    await resigned;
    this.clock.validUntil = 0;
    await worker.terminate();
  }
}
