// Desired state: resources in memory and in the KV bucket, one monotonic revision per apply.
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import {
  encode,
  formatErrors,
  keyOf,
  parseResource,
  PROTOCOL_VERSION,
  SNAPSHOT_KEY,
  SnapshotMarker,
  type ApplyAction,
  type ApplyResult,
  type ConfigEntry,
  type ConfigSource,
  type DiffResult,
  type HistoryEntry,
  type KeyRevision,
  type Resource,
} from '@app/protocol';
import { LOGGER, type Logger } from '@app/runtime';
import { stateGauge } from '@app/runtime';
import { EventEmitter } from 'node:events';
import { LeaderElection, NotLeader } from '../leader/leader-election.service.js';
import { ConfigAnnouncer } from './config-announcer.service.js';
import { ConfigView, type Stored } from './config-view.js';
import { projectDestinations } from './destination-projection.js';
import { ConfigWatch } from './config-watch.js';
import { HistoryStore } from './history-store.service.js';
import { settleAll } from './settle-all.js';

const encoder = new TextEncoder();

/** NATS or the bucket could not take the write; nothing of the apply took effect. */
export class ConfigStoreUnavailable extends Error {}

/** Writes that belong with a revision, given every resource it leaves desired. */
export type BeforeMarker = (desired: readonly Resource[]) => Promise<void>;

interface OwnedResource {
  readonly resource: Resource;
  readonly source: ConfigSource;
}

type PlannedChange = DiffResult['results'][number];

interface Plan {
  readonly results: readonly PlannedChange[];
  readonly puts: readonly [string, Stored][];
  readonly deletes: readonly string[];
}

/** Prometheus: `weft_config_revision`. */
const revisionGauge = stateGauge(
  'weft.config.revision',
  'Latest config revision published',
  '{revision}',
);

/**
 * Every replica follows the bucket (ConfigView); only the leader writes, and each of its writes is
 * a compare-and-set against the KV revision it last wrote or saw, after checking it still holds the
 * lease. The snapshot marker is the commit point: two writers can never both move it from the same
 * revision, and a history entry is created only if its revision number is still free.
 */
@Injectable()
export class ConfigStore extends EventEmitter<{ changed: [] }> implements OnApplicationShutdown {
  private kv: KV | undefined;
  private view: ConfigView;
  private watch: ConfigWatch | undefined;
  /** True while this replica leads: it writes, and ignores the watch (its memory is the truth). */
  private leading = false;
  /** Keys a failed (or a dead leader's unfinished) commit may have left different from `desired`. */
  private readonly uncertain = new Set<string>();
  /** History entries past `revision` may exist (an unfinished commit): discard before writing. */
  private historyDirty = false;
  /** The bucket moved under this leader (another writer): re-read it before the next commit. */
  private stale = false;
  /** Applies run one at a time, in arrival order. */
  private queue: Promise<unknown> = Promise.resolve();
  private beforeMarker: BeforeMarker | undefined;

  constructor(
    private readonly history: HistoryStore,
    private readonly fence: LeaderElection,
    private readonly announcer: ConfigAnnouncer,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    super();
    this.view = new ConfigView(log);
  }

  get currentRevision(): number {
    return this.view.revision;
  }

  /** Loads what the bucket holds (a restarted control plane continues its revisions), then follows it. */
  async attach(kv: KV): Promise<void> {
    this.kv = kv;
    await this.followBucket();
    this.log.info(
      { revision: this.currentRevision, resources: this.desired.size },
      'config loaded from KV',
    );
  }

  onApplicationShutdown(): void {
    this.watch?.stop();
  }

  /**
   * Runs `hook` in every commit that adds, changes or deletes a Service, after its resources are
   * written and before its marker: the endpoint sets of the Services it adds are in the bucket by
   * the time a proxy applies (and ACKs) the revision. A commit failing later leaves them there
   * until the next one; the hook's own failures are its to handle.
   */
  beforeEachMarker(hook: BeforeMarker): void {
    this.beforeMarker = hook;
  }

  /**
   * Takes over writing: what a dead leader wrote after its last snapshot marker is repaired from
   * the last complete revision, and history entries it created past it are discarded.
   */
  lead(): Promise<void> {
    return this.serialized(async () => {
      this.leading = true;
      this.adoptPending();
      await this.repair()
        .then(() => this.writeProjections(this.bucket(), this.desired))
        .catch((err: Error) =>
          this.log.warn(
            { err: err.message },
            'repair after takeover failed; the next apply retries',
          ),
        );
    });
  }

  /** Stops writing and follows the bucket again from a fresh read (another replica leads now). */
  follow(): Promise<void> {
    return this.serialized(async () => {
      this.leading = false;
      await this.followBucket();
    });
  }

  private get desired(): Map<string, Stored> {
    return this.view.desired;
  }

  resources(kind?: string): Resource[] {
    const all = [...this.desired.values()].map((s) => s.resource);
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
    return this.serialized(() => {
      const plan = this.plan(owned(batch, source), prune ? source : undefined);
      return this.commitPlan(plan, source, author);
    });
  }

  /** What `apply` would do, resource by resource, without doing it. */
  preview(batch: readonly Resource[], source: ConfigSource, prune = false): DiffResult {
    const plan = this.plan(owned(batch, source), prune ? source : undefined);
    return { revision: this.currentRevision, results: plan.results };
  }

  remove(key: string, author: string): Promise<ApplyResult | undefined> {
    return this.serialized(async () => {
      const stored = this.desired.get(key);
      if (!stored) return undefined;
      const results = [{ resource: label(stored.resource), action: 'deleted' as const }];
      return this.commitPlan({ results, puts: [], deletes: [key] }, 'api', author);
    });
  }

  /** Makes the desired state what it was after `revision`, as a new revision. */
  rollback(revision: number, author: string): Promise<ApplyResult | undefined> {
    return this.serialized(async () => {
      const entry = await this.history.get(revision);
      if (!entry) return undefined;
      const batch = Object.values(entry.resources).map(({ source, resource }) => {
        const parsed = parseResource(resource);
        if (!parsed.ok)
          throw new Error(
            `revision ${revision} holds an invalid resource: ${formatErrors(parsed.errors)}`,
          );
        return { source, resource: parsed.value };
      });
      return this.commitPlan(this.plan(batch, 'all'), 'api', `${author} (rollback to ${revision})`);
    });
  }

  /**
   * The writes that make `batch` desired. `prune` deletes what the batch lacks: resources of that
   * source, or (`all`) every resource.
   */
  private plan(batch: readonly OwnedResource[], prune: ConfigSource | 'all' | undefined): Plan {
    const results: PlannedChange[] = [];
    const puts: [string, Stored][] = [];
    const keys = new Set<string>();
    for (const { resource, source } of batch) {
      const key = keyOf(resource);
      keys.add(key);
      const json = JSON.stringify(resource);
      const before = this.desired.get(key);
      const action: ApplyAction = !before
        ? 'created'
        : before.json === json
          ? 'unchanged'
          : 'configured';
      results.push({
        resource: label(resource),
        action,
        before: before?.resource,
        after: resource,
      });
      if (action !== 'unchanged' || before?.source !== source)
        puts.push([key, { resource, source, json }]);
    }
    const deletes = prune
      ? [...this.desired]
          .filter(([k, s]) => !keys.has(k) && (prune === 'all' || s.source === prune))
          .map(([k]) => k)
      : [];
    for (const k of deletes) {
      const before = this.desired.get(k)!.resource;
      results.push({ resource: label(before), action: 'deleted', before });
    }
    return { results, puts, deletes };
  }

  private async commitPlan(plan: Plan, source: ConfigSource, author: string): Promise<ApplyResult> {
    const results = plan.results.map(({ resource, action }) => ({ resource, action }));
    if (plan.puts.length === 0 && plan.deletes.length === 0)
      return { revision: this.currentRevision, results };
    const revision = await this.commit(plan.puts, plan.deletes, source, author, results);
    return { revision, results };
  }

  /**
   * Creates the history entry (claiming the revision number), writes every change (concurrently,
   * each key compare-and-set on its own), then the snapshot marker; memory changes only once KV
   * accepted all. Keys a failed commit may have written are rewritten from memory by the next one,
   * so no marker ever covers half of an apply.
   */
  private async commit(
    puts: readonly [string, Stored][],
    deletes: readonly string[],
    source: ConfigSource,
    author: string,
    results: ApplyResult['results'],
  ): Promise<number> {
    const kv = this.bucket();
    this.fence.assertLeader();
    if (this.stale)
      await this.resync().catch((err: Error) => {
        throw new ConfigStoreUnavailable(`re-reading the config bucket failed: ${err.message}`);
      });
    const revision = this.currentRevision + 1;
    const appliedAt = Date.now();
    const touched = new Set([...puts.map(([k]) => k), ...deletes]);
    const after = this.desiredAfter(puts, deletes);
    const servicesChange = [...touched].some(
      (k) => (this.desired.get(k) ?? after.get(k))?.resource.kind === 'Service',
    );
    try {
      await this.repair(touched);
      const changes = results.filter((r) => r.action !== 'unchanged');
      // Claiming the revision number first: a writer that lost the race writes nothing at all.
      this.fence.assertLeader();
      await this.history.record({
        v: PROTOCOL_VERSION,
        revision,
        source,
        author,
        appliedAt,
        changes,
        resources: snapshotOf(after),
      });
      // Every key's own compare-and-set, issued together: one round trip for the whole apply.
      await settleAll([
        ...puts.map(([key, stored]) =>
          this.write(kv, key, this.entry(stored, revision, appliedAt)),
        ),
        ...deletes.map((key) => this.erase(kv, key)),
      ]);
      const projections = await this.writeProjections(kv, after);
      if (servicesChange)
        await this.beforeMarker?.([...after.values()].map((stored) => stored.resource));
      const marker: SnapshotMarker = {
        v: PROTOCOL_VERSION,
        revision,
        source,
        appliedAt,
        author,
        projections,
      };
      this.announcer.announceMarker(
        await this.write(kv, SNAPSHOT_KEY, JSON.stringify(marker)),
        marker,
      );
    } catch (err) {
      for (const key of touched) this.uncertain.add(key);
      this.historyDirty = true;
      if (err instanceof NotLeader) throw err;
      this.stale = true;
      throw new ConfigStoreUnavailable((err as Error).message);
    }
    this.uncertain.clear();
    for (const [key, stored] of puts) this.desired.set(key, stored);
    for (const key of deletes) this.desired.delete(key);
    this.view.revision = revision;
    revisionGauge.set(revision);
    this.log.info(
      { revision, source, author, written: puts.length, deleted: deletes.length },
      'config revision published',
    );
    this.emit('changed');
    return revision;
  }

  /**
   * Rewrites from memory the uncertain keys this commit does not write anyway, and discards
   * history entries an unfinished commit left past the current revision.
   */
  private async repair(skip: ReadonlySet<string> = new Set()): Promise<void> {
    const kv = this.bucket();
    if (this.historyDirty) {
      this.fence.assertLeader();
      await this.history.discardAfter(this.currentRevision);
      this.historyDirty = false;
    }
    const keys = [...this.uncertain].filter((k) => !skip.has(k));
    await settleAll(
      keys.map(async (key) => {
        const stored = this.desired.get(key);
        if (stored) await this.write(kv, key, this.entry(stored, this.currentRevision, Date.now()));
        else await this.erase(kv, key);
        this.uncertain.delete(key);
      }),
    );
    if (keys.length > 0) this.log.warn({ keys }, 'repaired keys an unfinished commit left behind');
  }

  /**
   * Writes the projections of `desired` that differ from what the bucket holds (concurrently) and
   * announces each; returns them at their new KV revisions (a delete: one past what it removed),
   * for the marker.
   */
  private async writeProjections(
    kv: KV,
    desired: ReadonlyMap<string, Stored>,
  ): Promise<KeyRevision[]> {
    const next = projectDestinations(desired);
    const held = this.view.projections;
    const written: KeyRevision[] = [];
    await settleAll([
      ...[...next].map(async ([key, json]) => {
        if (held.get(key) === json) return;
        const seq = await this.write(kv, key, json);
        held.set(key, json);
        this.announcer.announce(key, seq, json);
        written.push({ key, seq });
      }),
      ...[...held.keys()].map(async (key) => {
        if (next.has(key)) return;
        const seq = await this.erase(kv, key);
        held.delete(key);
        this.announcer.announce(key, seq, undefined);
        written.push({ key, seq });
      }),
    ]);
    return written;
  }

  /** Compare-and-set put (a value, or its JSON): expects the key at the revision last seen, or absent. */
  private async write(kv: KV, key: string, value: ConfigEntry | string): Promise<number> {
    this.fence.assertLeader();
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
    this.fence.assertLeader();
    const seq = this.view.seqs.get(key);
    if (seq === undefined) return 0;
    await kv.delete(key, { previousSeq: seq });
    this.view.seqs.delete(key);
    return seq + 1;
  }

  /**
   * A write was refused or failed: the bucket may hold what this leader does not know (a former
   * leader's late write). Read it afresh; its last complete revision becomes ours, and what lies
   * past it is repaired.
   */
  private async resync(): Promise<void> {
    this.leading = false;
    try {
      await this.followBucket();
    } finally {
      this.leading = true;
    }
    this.adoptPending();
    this.stale = false;
  }

  /** Changes written after the last marker belong to no revision: they are to be repaired. */
  private adoptPending(): void {
    for (const key of this.view.pending.keys()) this.uncertain.add(key);
    this.view.pending.clear();
    this.historyDirty = true;
  }

  /** (Re)starts the watch into a fresh view, swapped in once the bucket's values are read. */
  private async followBucket(): Promise<void> {
    const kv = this.bucket();
    this.watch?.stop();
    const view = new ConfigView(this.log);
    const watch = new ConfigWatch(
      kv,
      (entry) => {
        if (this.leading || !view.apply(entry) || this.view !== view) return;
        this.published();
      },
      this.log,
    );
    this.watch = watch;
    await watch.start();
    if (view.pending.size > 0) view.restorePending(await this.history.get(view.revision));
    this.view = view;
    this.published();
  }

  /** A new revision is in memory: metrics and listeners (endpoints, route status) follow. */
  private published(): void {
    revisionGauge.set(this.currentRevision);
    this.emit('changed');
  }

  /** The whole desired state once `puts` and `deletes` are applied. */
  private desiredAfter(
    puts: readonly [string, Stored][],
    deletes: readonly string[],
  ): Map<string, Stored> {
    const after = new Map(this.desired);
    for (const [key, stored] of puts) after.set(key, stored);
    for (const key of deletes) after.delete(key);
    return after;
  }

  private entry(stored: Stored, revision: number, appliedAt: number): ConfigEntry {
    const resource = JSON.parse(stored.json) as Record<string, unknown>;
    return { v: PROTOCOL_VERSION, revision, source: stored.source, appliedAt, resource };
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private bucket(): KV {
    if (!this.kv)
      throw new ConfigStoreUnavailable('config bucket not open yet (NATS unreachable?)');
    return this.kv;
  }
}

/** A desired state as a history entry holds it. */
function snapshotOf(desired: ReadonlyMap<string, Stored>): HistoryEntry['resources'] {
  return Object.fromEntries(
    [...desired].map(([key, s]) => [
      key,
      { source: s.source, resource: JSON.parse(s.json) as Record<string, unknown> },
    ]),
  );
}

function owned(batch: readonly Resource[], source: ConfigSource): OwnedResource[] {
  return batch.map((resource) => ({ resource, source }));
}

function label(r: Resource): string {
  return `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`;
}
