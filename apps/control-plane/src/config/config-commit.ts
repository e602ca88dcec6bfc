// The KV commit: writes a planned revision into the config bucket (fenced, compare-and-set,
// projections before the marker), repairs what failed commits left, and follows the bucket while
// another replica writes. Its states and their transitions are in commit-state.ts.
import type { KV } from '@nats-io/kv';
import {
  encode,
  SNAPSHOT_KEY,
  type ConfigEntry,
  type KeyRevision,
  type Resource,
  type SnapshotMarker,
} from '@app/protocol';
import type { Logger } from '@app/runtime';
import { NotLeader, type LeaderElection } from '../leader/leader-election.service.js';
import { configEntryOf, type DesiredState, type RevisionPlan } from './apply-plan.js';
import { FOLLOWING, nextState, type CommitEvent, type CommitState } from './commit-state.js';
import type { ConfigAnnouncer } from './config-announcer.service.js';
import { ConfigStoreUnavailable } from './config-errors.js';
import { ConfigView } from './config-view.js';
import { ConfigWatch } from './config-watch.js';
import {
  projectDestinations,
  projectionChanges,
  type ProjectionChanges,
} from './destination-projection.js';
import type { HistoryStore } from './history-store.service.js';
import { writeAll } from './write-all.js';

const encoder = new TextEncoder();

/** Writes that belong with a revision, given every resource it leaves desired. */
export type BeforeMarker = (desired: readonly Resource[]) => Promise<void>;

export interface CommitDeps {
  readonly history: Pick<HistoryStore, 'record' | 'discardAfter' | 'get'>;
  /** The leader lease, checked before every write. */
  readonly fence: Pick<LeaderElection, 'assertLeader'>;
  readonly announcer: Pick<ConfigAnnouncer, 'announce' | 'announceMarker'>;
  readonly log: Logger;
  /** A new revision is in memory (committed here, or followed). */
  readonly published: () => void;
}

/**
 * Every replica follows the bucket (ConfigView); only the leader writes, and each of its writes is
 * a compare-and-set against the KV revision it last wrote or saw, after checking it still holds the
 * lease. The snapshot marker is the commit point: two writers can never both move it from the same
 * revision, and a history entry is created only if its revision number is still free. Callers run
 * one operation at a time.
 */
export class ConfigCommit {
  private kv: KV | undefined;
  private view: ConfigView;
  private watch: ConfigWatch | undefined;
  private state: CommitState = FOLLOWING;
  private beforeMarker: BeforeMarker | undefined;

  constructor(private readonly deps: CommitDeps) {
    this.view = new ConfigView(deps.log);
  }

  /** The desired state of the last complete revision, and the projections the bucket holds. */
  get current(): DesiredState {
    return this.view;
  }

  get role(): CommitState['role'] {
    return this.state.role;
  }

  /** Loads what the bucket holds, then follows it. */
  async attach(kv: KV): Promise<void> {
    this.kv = kv;
    await this.followBucket();
  }

  stop(): void {
    this.watch?.stop();
  }

  /** Runs `hook` in every commit that adds, changes or deletes a Service, just before its marker. */
  beforeEachMarker(hook: BeforeMarker): void {
    this.beforeMarker = hook;
  }

  /**
   * Takes over writing: what a dead leader wrote after its last snapshot marker is repaired from
   * the last complete revision, history entries it created past it are discarded, and projections
   * that differ from the desired state are rewritten. A failure here is retried by the next commit.
   */
  async lead(): Promise<void> {
    this.transition({ type: 'tookOver', pending: this.takePending() });
    await this.repair()
      .then(() => this.writeProjections(this.bucket(), this.projectionsToWrite()))
      .catch((err: Error) =>
        this.deps.log.warn(
          { err: err.message },
          'repair after takeover failed; the next apply retries',
        ),
      );
  }

  /** Stops writing and follows the bucket again from a fresh read (another replica leads now). */
  async follow(): Promise<void> {
    this.transition({ type: 'steppedDown' });
    await this.followBucket();
  }

  /**
   * A stale leader reads the bucket again before anything is planned against it: its last complete
   * revision becomes ours, and what lies past it is owed.
   */
  async catchUp(): Promise<void> {
    if (this.state.role !== 'stale') return;
    this.deps.fence.assertLeader();
    try {
      await this.followBucket();
    } catch (err) {
      throw new ConfigStoreUnavailable(
        `re-reading the config bucket failed: ${(err as Error).message}`,
      );
    }
    this.transition({ type: 'resynced', pending: this.takePending() });
  }

  /**
   * Repairs now what failed commits left behind: the keys they wrote are rewritten from the last
   * complete revision (or deleted) and the history they claimed is discarded, reading the bucket
   * again first when a write failed. Nothing to do while following or owing nothing.
   */
  async settleDebt(): Promise<void> {
    if (this.state.role === 'following') return;
    await this.catchUp();
    await this.repair();
  }

  /**
   * Repairs what is owed (skipping keys this commit writes anyway), creates the history entry
   * (claiming the revision number), writes every change (concurrently, each key compare-and-set on
   * its own), the projections, then the snapshot marker; memory changes only once KV accepted all.
   * Keys a failed commit may have written are owed to the next one, so no marker ever covers half
   * of an apply.
   */
  async publish(plan: RevisionPlan): Promise<void> {
    const kv = this.bucket();
    this.deps.fence.assertLeader();
    // The lease passed, but the takeover (queued ahead of any write) has not run.
    if (this.state.role !== 'leading')
      throw new ConfigStoreUnavailable('this control plane is still taking over writing');
    const touched = [...plan.puts.map(([key]) => key), ...plan.deletes];
    try {
      await this.repair(new Set(touched));
      // Claiming the revision number first: a writer that lost the race writes nothing at all.
      this.deps.fence.assertLeader();
      await this.deps.history.record(plan.history);
      // Every key's own compare-and-set, pipelined: a window of round trips for the whole apply.
      await writeAll([
        ...plan.puts.map(
          ([key, stored]) =>
            () =>
              this.put(kv, key, configEntryOf(stored, plan.revision, plan.appliedAt)),
        ),
        ...plan.deletes.map((key) => () => this.erase(kv, key)),
      ]);
      const projections = await this.writeProjections(kv, plan.projections);
      if (plan.servicesChange)
        await this.beforeMarker?.([...plan.desired.values()].map((stored) => stored.resource));
      const marker: SnapshotMarker = { ...plan.marker, projections };
      this.deps.announcer.announceMarker(
        await this.put(kv, SNAPSHOT_KEY, JSON.stringify(marker)),
        marker,
      );
    } catch (err) {
      if (err instanceof NotLeader) {
        this.transition({ type: 'fenced', touched });
        throw err;
      }
      this.transition({ type: 'failed', touched });
      throw new ConfigStoreUnavailable((err as Error).message);
    }
    this.transition({ type: 'committed' });
    for (const [key, stored] of plan.puts) this.view.desired.set(key, stored);
    for (const key of plan.deletes) this.view.desired.delete(key);
    this.view.revision = plan.revision;
    this.deps.log.info(
      {
        revision: plan.revision,
        source: plan.source,
        author: plan.author,
        written: plan.puts.length,
        deleted: plan.deletes.length,
      },
      'config revision published',
    );
    this.deps.published();
  }

  /**
   * Discards history entries an unfinished commit left past the current revision, and rewrites
   * from memory the owed keys this commit does not write anyway.
   */
  private async repair(skip: ReadonlySet<string> = new Set()): Promise<void> {
    const kv = this.bucket();
    if (this.state.role === 'following') return;
    const { debt } = this.state;
    if (debt.history) {
      this.deps.fence.assertLeader();
      await this.deps.history.discardAfter(this.view.revision);
      this.transition({ type: 'historyDiscarded' });
    }
    const keys = [...debt.keys].filter((k) => !skip.has(k));
    await writeAll(
      keys.map((key) => async () => {
        const stored = this.view.desired.get(key);
        if (stored) await this.put(kv, key, configEntryOf(stored, this.view.revision, Date.now()));
        else await this.erase(kv, key);
        this.transition({ type: 'keyRepaired', key });
      }),
    );
    if (keys.length > 0)
      this.deps.log.warn({ keys }, 'repaired keys an unfinished commit left behind');
  }

  /** The projections of the desired state in memory that differ from what the bucket holds. */
  private projectionsToWrite(): ProjectionChanges {
    return projectionChanges(projectDestinations(this.view.desired), this.view.projections);
  }

  /**
   * Writes projections (pipelined) and announces each; returns them at their new KV revisions
   * (a delete: one past what it removed), for the marker.
   */
  private async writeProjections(kv: KV, changes: ProjectionChanges): Promise<KeyRevision[]> {
    const held = this.view.projections;
    const written: KeyRevision[] = [];
    await writeAll([
      ...changes.puts.map(([key, json]) => async () => {
        const seq = await this.put(kv, key, json);
        held.set(key, json);
        this.deps.announcer.announce(key, seq, json);
        written.push({ key, seq });
      }),
      ...changes.deletes.map((key) => async () => {
        const seq = await this.erase(kv, key);
        held.delete(key);
        this.deps.announcer.announce(key, seq, undefined);
        written.push({ key, seq });
      }),
    ]);
    return written;
  }

  /** Compare-and-set put (a value, or its JSON): expects the key at the revision last seen, or absent. */
  private async put(kv: KV, key: string, value: ConfigEntry | string): Promise<number> {
    this.deps.fence.assertLeader();
    const seq = this.view.seqs.get(key);
    const bytes = typeof value === 'string' ? encoder.encode(value) : encode(value);
    const written = seq ? await kv.update(key, bytes, seq) : await kv.create(key, bytes);
    this.view.seqs.set(key, written);
    return written;
  }

  /**
   * Compare-and-set delete; a key this replica never saw is not there to delete. Returns one past
   * the revision it removed: the least the delete's own can be (0: nothing to delete).
   */
  private async erase(kv: KV, key: string): Promise<number> {
    this.deps.fence.assertLeader();
    const seq = this.view.seqs.get(key);
    if (seq === undefined) return 0;
    await kv.delete(key, { previousSeq: seq });
    this.view.seqs.delete(key);
    return seq + 1;
  }

  /** Keys written after the last marker belong to no revision: handed over as owed, then forgotten. */
  private takePending(): string[] {
    const keys = [...this.view.pending.keys()];
    this.view.pending.clear();
    return keys;
  }

  /**
   * (Re)starts the watch into a fresh view, swapped in once the bucket's values are read. Until the
   * swap the watch feeds the fresh view whatever the role; after it, only while following (a
   * leader's memory is the truth, and its own writes must not come back as older revisions).
   */
  private async followBucket(): Promise<void> {
    const kv = this.bucket();
    this.watch?.stop();
    const view = new ConfigView(this.deps.log);
    const watch = new ConfigWatch(
      kv,
      (entry) => {
        if (this.view === view && this.state.role !== 'following') return;
        if (!view.apply(entry) || this.view !== view) return;
        this.deps.published();
      },
      this.deps.log,
    );
    this.watch = watch;
    await watch.start();
    if (view.pending.size > 0) view.restorePending(await this.deps.history.get(view.revision));
    this.view = view;
    this.deps.published();
  }

  private transition(event: CommitEvent): void {
    this.state = nextState(this.state, event);
  }

  private bucket(): KV {
    if (!this.kv)
      throw new ConfigStoreUnavailable('config bucket not open yet (NATS unreachable?)');
    return this.kv;
  }
}
