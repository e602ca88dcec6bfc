// Which control-plane replica writes: the lease (kept by the lease thread), the fence of every write,
// metrics and events.
import { hostname } from 'node:os';
import { EventEmitter } from 'node:events';
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import {
  encode,
  LEADER_LEASE_KEY,
  type LeaderChange,
  type LeaderEvent,
  type LeaderInfo,
  type LeaderLease,
} from '@app/protocol';
import {
  eventCounter,
  LOGGER,
  NatsClient,
  Readiness,
  reportInvalid,
  stateGauge,
  type Logger,
} from '@app/runtime';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { bootSubjects } from '../nats/boot-subjects.js';
import type { RoleChange } from './lease-election.js';
import { LeaseThread } from './lease-thread.js';

/** A write reached a control plane that does not (or no longer) hold the lease; nothing written. */
export class NotLeader extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    readonly leader: LeaderInfo['leader'],
  ) {
    super(message);
  }
}

/** Prometheus: `weft_control_plane_leader`. */
const leaderGauge = stateGauge(
  'weft.control_plane.leader',
  'This control plane holds the leader lease and writes (1) or follows (0)',
);

/** Prometheus: `weft_control_plane_leader_changes_total`. */
const leaderChanges = eventCounter(
  'weft.control_plane.leader_changes',
  'Times this control plane became leader or stopped being it, by change',
);

/** Readiness condition: another leader has been known, or this process has taken over as one. */
const ELECTION_SETTLED = 'leader-election';

/** Emits `elected` when this process starts writing and `deposed` (or resigned) when it must stop. */
@Injectable()
export class LeaderElection
  extends EventEmitter<{ elected: []; deposed: [change: LeaderChange] }>
  implements BeforeApplicationShutdown
{
  /** This process's control-plane instance id, as the lease names its holder. */
  readonly self = `${hostname()}-${process.pid}`;
  private thread: LeaseThread | undefined;
  /** The lease as the lease thread last reported it (this process's own included). */
  private lease: LeaderLease | undefined;
  private stopping = false;

  constructor(
    private readonly env: ControlPlaneEnv,
    private readonly nats: NatsClient,
    private readonly readiness: Readiness,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    super();
    leaderGauge.set(0);
    // Ready once the election has settled: before that a write would meet 503 no_leader. It stays
    // ready through a later failover, when a follower still serves reads and forwards writes soon.
    readiness.require(ELECTION_SETTLED);
  }

  /**
   * Joins the election on a thread of its own (lease renewals never wait for this thread's event
   * loop); returns once the current lease has been read.
   */
  async start(): Promise<void> {
    const thread = new LeaseThread({
      holder: this.self,
      adminUrl: this.env.adminUrl,
      ttlMs: this.env.WEFT_LEADER_TTL_MS,
    });
    this.thread = thread;
    thread.on('role', (change) => this.onRole(change));
    thread.on('leader', (lease) => {
      const before = this.lease?.holder;
      this.lease = lease;
      if (lease?.holder === before) return;
      // Another holder settles the election; this process settles it when its takeover is done.
      if (lease && lease.ttlMs > 0 && lease.holder !== this.self)
        this.readiness.set(ELECTION_SETTLED, true);
      this.log.info(
        { leader: lease?.holder ?? null, adminUrl: lease?.adminUrl, term: lease?.term },
        lease ? 'control plane leader known' : 'no control plane leader',
      );
    });
    thread.on('invalid', (reason) => reportInvalid(this.log, 'leader', LEADER_LEASE_KEY, reason));
    thread.on('failed', (error) => {
      if (this.stopping) return;
      // Without its election this process could never write again: let it be restarted.
      this.log.fatal({ err: error }, 'the leader election stopped');
      process.exit(1);
    });
    await thread.start();
  }

  get isLeader(): boolean {
    return this.thread?.isLeader ?? false;
  }

  /**
   * The new leader has taken over (stores led, config folder applied): only now is the election
   * settled here, so a client that waits for /readyz sees the folder's revision.
   */
  takeoverDone(): void {
    this.readiness.set(ELECTION_SETTLED, true);
  }

  /** Called before every write: throws NotLeader unless this process holds a valid lease. */
  assertLeader(): void {
    if (this.isLeader) return;
    const { leader } = this.info();
    throw new NotLeader(
      leader
        ? `this control plane is not the leader; ${leader.holder} at ${leader.adminUrl} is`
        : 'no control plane holds the leader lease right now',
      this.retryAfterSeconds,
      leader,
    );
  }

  /** The current holder (this process included), undefined when none is known or it released. */
  get leader(): LeaderLease | undefined {
    const lease = this.lease;
    return lease && lease.ttlMs > 0 ? lease : undefined;
  }

  /** Seconds a client should wait before retrying a write no leader could take. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.env.WEFT_LEADER_TTL_MS / 1000));
  }

  info(): LeaderInfo {
    const leader = this.leader;
    return {
      role: this.isLeader ? 'leader' : 'follower',
      self: this.self,
      leader: leader
        ? {
            holder: leader.holder,
            adminUrl: leader.adminUrl,
            term: leader.term,
            renewedAt: new Date(leader.renewedAt).toISOString(),
          }
        : null,
    };
  }

  /** SIGTERM: release the lease so a follower takes over at once instead of after a TTL. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.thread?.resign();
  }

  private onRole({ role, change, lease }: RoleChange): void {
    leaderGauge.set(role === 'leader' ? 1 : 0);
    leaderChanges.inc({ change });
    const fields = { change, term: lease.term, holder: lease.holder, self: this.self };
    if (change === 'deposed') this.log.warn(fields, 'no longer the control plane leader');
    else
      this.log.info(
        fields,
        change === 'elected' ? 'became the control plane leader' : 'resigned leadership',
      );
    const event: LeaderEvent = { ...lease, holder: this.self, change };
    this.nats.current?.publish(bootSubjects().controlPlaneLeader, encode(event));
    if (role === 'leader') this.emit('elected');
    else this.emit('deposed', change);
  }
}
