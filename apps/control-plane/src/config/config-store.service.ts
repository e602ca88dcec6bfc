// Desired state: resources in memory and in the KV bucket, one monotonic revision per change. Wires
// the apply plan (apply-plan.ts) to the KV commit (config-commit.ts), one request at a time.
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import type { ApplyResult, ConfigSource, DiffResult, Resource } from '@app/protocol';
import { LOGGER, stateGauge, type Logger } from '@app/runtime';
import { EventEmitter } from 'node:events';
import { LeaderElection, NotLeader } from '../leader/leader-election.service.js';
import {
  diffBatch,
  planApply,
  planRemove,
  planRollback,
  resultOf,
  type ApplyPlan,
  type DesiredState,
} from './apply-plan.js';
import { ConfigAnnouncer } from './config-announcer.service.js';
import { ConfigCommit, type BeforeMarker } from './config-commit.js';
import { ApplyRejected } from './config-errors.js';
import type { Stored } from './config-view.js';
import { unresolvedEgressGateways } from './egress-references.js';
import { HistoryStore } from './history-store.service.js';

/** Prometheus: `weft_config_revision`. */
const revisionGauge = stateGauge(
  'weft.config.revision',
  'Latest config revision published',
  '{revision}',
);

/** The first and the longest wait before repairing again after a failed repair. */
const REPAIR_RETRY_MS = 500;
const REPAIR_RETRY_MAX_MS = 30_000;

/** Makes the plan of one request against the desired state; undefined: nothing to do it to. */
type Planner = (state: DesiredState, now: number) => ApplyPlan | undefined;

/**
 * Each request is planned against the state of the last complete revision (read again first when
 * a failed write left this leader stale) and committed unless it changes nothing; applies run one
 * at a time, in arrival order, with takeovers and step-downs between them.
 */
@Injectable()
export class ConfigStore extends EventEmitter<{ changed: [] }> implements OnApplicationShutdown {
  private readonly commit: ConfigCommit;
  private queue: Promise<unknown> = Promise.resolve();
  private repairTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly history: HistoryStore,
    fence: LeaderElection,
    announcer: ConfigAnnouncer,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    super();
    this.commit = new ConfigCommit({
      history,
      fence,
      announcer,
      log,
      published: () => this.published(),
    });
  }

  get currentRevision(): number {
    return this.commit.current.revision;
  }

  /** Loads what the bucket holds (a restarted control plane continues its revisions), then follows it. */
  async attach(kv: KV): Promise<void> {
    await this.commit.attach(kv);
    this.log.info(
      { revision: this.currentRevision, resources: this.commit.current.desired.size },
      'config loaded from KV',
    );
  }

  onApplicationShutdown(): void {
    clearTimeout(this.repairTimer);
    this.commit.stop();
  }

  /**
   * Runs `hook` in every commit that adds, changes or deletes a Service, after its resources are
   * written and before its marker: the endpoint sets of the Services it adds are in the bucket by
   * the time a proxy applies (and ACKs) the revision. A commit failing later leaves them there
   * until the next one; the hook's own failures are its to handle.
   */
  beforeEachMarker(hook: BeforeMarker): void {
    this.commit.beforeEachMarker(hook);
  }

  /** Takes over writing, repairing what a dead leader left unfinished. */
  lead(): Promise<void> {
    return this.serialized(() => this.commit.lead());
  }

  /** Stops writing and follows the bucket again from a fresh read (another replica leads now). */
  follow(): Promise<void> {
    return this.serialized(() => this.commit.follow());
  }

  resources(kind?: string): Resource[] {
    const all = [...this.commit.current.desired.values()].map((s) => s.resource);
    return kind ? all.filter((r) => r.kind.toLowerCase() === kind.toLowerCase()) : all;
  }

  /**
   * Stores a validated batch. With `prune`, resources last written by `source` and absent from the
   * batch are deleted (a config folder is the whole truth for what it owns).
   */
  apply(
    batch: readonly Resource[],
    source: ConfigSource,
    prune = false,
    author: string = source,
  ): Promise<ApplyResult> {
    return this.serialized(() =>
      this.change((state, now) => planApply(state, { batch, source, prune, author }, now)),
    );
  }

  /** What `apply` would do, resource by resource, without doing it. */
  preview(batch: readonly Resource[], source: ConfigSource, prune = false): DiffResult {
    const owned = batch.map((resource) => ({ resource, source }));
    const diff = diffBatch(this.commit.current.desired, owned, prune ? source : undefined);
    return { revision: this.currentRevision, results: diff.results };
  }

  /** Deletes one resource; undefined when there is none by that key. */
  remove(key: string, author: string): Promise<ApplyResult | undefined> {
    return this.serialized(() => this.change((state, now) => planRemove(state, key, author, now)));
  }

  /**
   * Makes the desired state what it was after `revision`, as a new revision; undefined when the
   * history does not have it. Throws ApplyRejected when a resource it held no longer validates.
   */
  rollback(revision: number, author: string): Promise<ApplyResult | undefined> {
    return this.serialized(async () => {
      await this.commit.catchUp();
      // An entry past the current revision belongs to a commit that never completed.
      if (revision > this.currentRevision) return undefined;
      const entry = await this.history.get(revision);
      if (!entry) return undefined;
      return this.change((state, now) => {
        const plan = planRollback(state, entry, author, now);
        if (!plan.ok) throw new ApplyRejected(plan.errors);
        return plan.value;
      });
    });
  }

  /** Plans against the current state (a stale leader reads the bucket again first), then commits. */
  private change(planner: (state: DesiredState, now: number) => ApplyPlan): Promise<ApplyResult>;
  private change(planner: Planner): Promise<ApplyResult | undefined>;
  private async change(planner: Planner): Promise<ApplyResult | undefined> {
    await this.commit.catchUp();
    const before = this.commit.current;
    const plan = planner(before, Date.now());
    if (!plan) return undefined;
    if (plan.changed) {
      const dangling = unresolvedEgressGateways(
        resourcesOf(before.desired),
        resourcesOf(plan.desired),
      );
      if (dangling.length > 0) throw new ApplyRejected(dangling);
      try {
        await this.commit.publish(plan);
      } catch (err) {
        this.repairSoon(0);
        throw err;
      }
    }
    return resultOf(plan);
  }

  /**
   * A failed commit's keys and claimed history are repaired right after it (queued behind whatever
   * runs), not only by the next apply: retried, less and less often, until done or this replica no
   * longer leads (the next leader repairs them then).
   */
  private repairSoon(delayMs: number): void {
    clearTimeout(this.repairTimer);
    this.repairTimer = setTimeout(() => {
      this.serialized(() => this.commit.settleDebt()).catch((err: Error) => {
        if (err instanceof NotLeader) return;
        this.log.warn({ err: err.message }, 'repairing after a failed commit failed; retrying');
        this.repairSoon(Math.min(Math.max(2 * delayMs, REPAIR_RETRY_MS), REPAIR_RETRY_MAX_MS));
      });
    }, delayMs);
  }

  /** A new revision is in memory: metrics and listeners (endpoints, route status) follow. */
  private published(): void {
    revisionGauge.set(this.currentRevision);
    this.emit('changed');
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function* resourcesOf(desired: ReadonlyMap<string, Stored>): Iterable<Resource> {
  for (const stored of desired.values()) yield stored.resource;
}
