// The leader lease state machine: renew by compare-and-set every TTL/3, take over once unchanged for a TTL.
import { EventEmitter } from 'node:events';
import { PROTOCOL_VERSION, type LeaderChange, type LeaderLease } from '@app/protocol';

/** The lease key as last observed: its KV revision (0: never written) and value (none: deleted). */
export interface LeaseRecord {
  readonly revision: number;
  readonly lease: LeaderLease | undefined;
}

/** The lease key in KV, written only by compare-and-set. */
export interface LeaseStore {
  /**
   * Writes `lease` if the key is still at `revision` (0: never written); resolves to the new
   * revision. Rejects with LeaseConflict when another write came first, with anything else when
   * NATS did not answer.
   */
  swap(lease: LeaderLease, revision: number): Promise<number>;
  /** The key as it is now; after a conflict this replaces what a stalled watch failed to deliver. */
  read(): Promise<LeaseRecord>;
}

/** The key was no longer at the expected revision: someone else wrote the lease. */
export class LeaseConflict extends Error {}

export interface Candidate {
  readonly holder: string;
  readonly adminUrl: string;
}

export type Role = 'leader' | 'follower';

export interface RoleChange {
  readonly role: Role;
  readonly change: LeaderChange;
  readonly lease: LeaderLease;
}

/**
 * nats-server 2.9 ignores per-key TTLs, so expiry is by observation. Safety rests on clocks that
 * run at the same rate (not on synchronized clocks): a leader writes only until TTL·2/3 after it
 * *sent* its last successful renewal, while a follower takes over no sooner than a TTL after it
 * *saw* that renewal, which is later. A paused leader therefore stops writing before anyone else
 * can start. Compare-and-set makes every takeover and renewal a single winner.
 *
 * Emits `role` when this process becomes leader or stops being it, `leader` whenever the holder it
 * knows of changes, and `validity` whenever the time up to which it may write changes (0: it may
 * not), so that another thread can fence its writes without asking.
 */
export class LeaseElection extends EventEmitter<{
  role: [change: RoleChange];
  leader: [lease: LeaderLease | undefined];
  validity: [until: number];
}> {
  private seen: LeaseRecord | undefined;
  private role: Role = 'follower';
  /** Revision of this process's last successful write while leader. */
  private mine = 0;
  /** Clock time up to which this process may write as leader. */
  private validUntil = 0;
  private term = 0;
  private writing = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly self: Candidate,
    private readonly ttlMs: number,
    private readonly store: LeaseStore,
    private readonly now: () => number = () => performance.now(),
  ) {
    super();
  }

  private get renewEveryMs(): number {
    return Math.max(1, Math.floor(this.ttlMs / 3));
  }

  /** True while this process holds the lease and its validity has not run out on its clock. */
  get isLeader(): boolean {
    return this.role === 'leader' && this.now() < this.validUntil;
  }

  /** The lease as last observed (or written by this process). */
  get current(): LeaderLease | undefined {
    return this.seen?.lease;
  }

  /** The key's value as the watch delivers it; older or repeated revisions are ignored. */
  observe(record: LeaseRecord): void {
    if (this.stopped || (this.seen && record.revision <= this.seen.revision)) return;
    const before = this.seen?.lease?.holder;
    this.seen = record;
    if (record.lease) this.term = Math.max(this.term, record.lease.term);
    if (record.lease?.holder !== before) this.emit('leader', record.lease);
    if (this.role === 'leader') {
      // Our own renewal echoes back at `mine`; a write in flight is judged once it resolves.
      if (!this.writing && record.revision !== this.mine) this.depose('deposed');
      return;
    }
    this.armTakeover();
  }

  /** Gives the lease up (a released lease is taken over at once) and stops taking part. */
  async resign(): Promise<void> {
    const held = this.role === 'leader' ? this.seen?.lease : undefined;
    this.stop();
    if (!held) return;
    this.role = 'follower';
    this.announceValidity();
    const released = { ...held, renewedAt: Date.now(), ttlMs: 0 };
    this.emit('role', { role: 'follower', change: 'resigned', lease: released });
    await this.store.swap(released, this.mine).catch(() => undefined);
  }

  /** Stops every timer without writing (also how a test simulates a crash). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /**
   * A follower tries to take over a TTL after the last change it saw, or at once when the lease is
   * released or still its own (a leader deposed because NATS was away: the compare-and-set against
   * its own last revision succeeds only if nobody took the lease meanwhile).
   */
  private armTakeover(): void {
    clearTimeout(this.timer);
    const lease = this.seen?.lease;
    const wait = lease && lease.holder !== this.self.holder ? lease.ttlMs : 0;
    this.timer = setTimeout(() => void this.takeOver(), wait);
  }

  private async takeOver(): Promise<void> {
    if (this.stopped || this.role === 'leader') return;
    // A write still in flight (NATS away) must not end the election: look again later.
    if (this.writing) return this.retryIn(this.renewEveryMs);
    const base = this.seen ?? { revision: 0, lease: undefined };
    const lease = this.lease(this.term + 1);
    const written = await this.write(lease, base.revision);
    if (written === undefined) {
      // Lost the race or NATS did not answer: look again later, from the key as it is now (a
      // watch stalled by a server restart would otherwise leave us comparing with a stale one).
      if (this.stopped || this.role !== 'follower') return;
      this.retryIn(this.renewEveryMs);
      const now = await this.store.read().catch(() => undefined);
      if (now) this.observe(now);
      return;
    }
    if (this.seen && this.seen.revision > written) return;
    this.term = lease.term;
    this.role = 'leader';
    this.announceValidity();
    this.emit('role', { role: 'leader', change: 'elected', lease });
    this.retryIn(this.renewEveryMs);
  }

  /** Ticks every TTL/3, and when validity runs out, whether or not the last write answered. */
  private async renew(): Promise<void> {
    if (this.stopped || this.role !== 'leader') return;
    if (!this.isLeader) return this.depose('deposed');
    this.retryIn(Math.min(this.renewEveryMs, Math.max(0, this.validUntil - this.now())));
    if (this.writing) return;
    await this.write(this.lease(this.term), this.mine);
    if (this.stopped || this.role !== 'leader') return;
    if (!this.isLeader || (this.seen && this.seen.revision > this.mine)) this.depose('deposed');
  }

  /**
   * One compare-and-set; on success the record is ours and validity runs from the moment it was
   * sent. A conflict while leader means someone else holds the lease now.
   */
  private async write(lease: LeaderLease, revision: number): Promise<number | undefined> {
    const sentAt = this.now();
    this.writing = true;
    try {
      // A write NATS never answers would hold `writing` forever; past a TTL it is useless anyway.
      const written = await withTimeout(this.store.swap(lease, revision), this.ttlMs);
      this.mine = written;
      this.validUntil = sentAt + this.ttlMs - this.renewEveryMs;
      this.announceValidity();
      if (!this.seen || this.seen.revision < written) {
        const holderChanged = this.seen?.lease?.holder !== lease.holder;
        this.seen = { revision: written, lease };
        if (holderChanged) this.emit('leader', lease);
      }
      return written;
    } catch (err) {
      if (err instanceof LeaseConflict && this.role === 'leader') {
        this.validUntil = 0;
        this.announceValidity();
      }
      return undefined;
    } finally {
      this.writing = false;
    }
  }

  private depose(change: LeaderChange): void {
    if (this.role !== 'leader') return;
    this.role = 'follower';
    this.validUntil = 0;
    this.announceValidity();
    this.emit('role', {
      role: 'follower',
      change,
      lease: this.seen?.lease ?? this.lease(this.term),
    });
    this.armTakeover();
  }

  private announceValidity(): void {
    this.emit('validity', this.role === 'leader' ? this.validUntil : 0);
  }

  private retryIn(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.role === 'leader') void this.renew();
      else void this.takeOver();
    }, ms);
  }

  private lease(term: number): LeaderLease {
    return {
      v: PROTOCOL_VERSION,
      holder: this.self.holder,
      adminUrl: this.self.adminUrl,
      term,
      renewedAt: Date.now(),
      ttlMs: this.ttlMs,
    };
  }
}

/** Rejects when `promise` has not settled within `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
