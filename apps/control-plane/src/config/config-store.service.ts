// Desired state: resources in memory and in the KV bucket, one monotonic revision per apply.
import { Inject, Injectable } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import {
  ConfigEntry,
  decodeMessage,
  encode,
  ENDPOINTS_KEY_PREFIX,
  formatErrors,
  keyOf,
  parseResource,
  PROTOCOL_VERSION,
  SNAPSHOT_KEY,
  SnapshotMarker,
  type ApplyAction,
  type ApplyResult,
  type ConfigSource,
  type DiffResult,
  type HistoryEntry,
  type Resource,
} from '@app/protocol';
import { LOGGER, reportInvalid, type Logger } from '@app/runtime';
import { stateGauge } from '@app/runtime';
import { EventEmitter } from 'node:events';
import { HistoryStore } from './history-store.service.js';

/** NATS or the bucket could not take the write; nothing of the apply took effect. */
export class ConfigStoreUnavailable extends Error {}

interface Stored {
  readonly resource: Resource;
  readonly source: ConfigSource;
  readonly json: string;
}

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

@Injectable()
export class ConfigStore extends EventEmitter<{ changed: [] }> {
  private kv: KV | undefined;
  private revision = 0;
  private readonly desired = new Map<string, Stored>();
  /** Keys a failed commit may have left different from `desired`. */
  private readonly uncertain = new Set<string>();
  /** Applies run one at a time, in arrival order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly history: HistoryStore,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    super();
  }

  get currentRevision(): number {
    return this.revision;
  }

  /** Loads what the bucket holds, so a restarted control plane continues its revisions. */
  async attach(kv: KV): Promise<void> {
    this.kv = kv;
    for await (const key of await kv.keys()) {
      if (key.startsWith(`${ENDPOINTS_KEY_PREFIX}.`)) continue;
      const entry = await kv.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      if (key === SNAPSHOT_KEY) this.loadMarker(entry.value);
      else this.loadResource(key, entry.value);
    }
    revisionGauge.set(this.revision);
    this.log.info(
      { revision: this.revision, resources: this.desired.size },
      'config loaded from KV',
    );
    this.emit('changed');
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
    return { revision: this.revision, results: plan.results };
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
      return { revision: this.revision, results };
    const revision = await this.commit(plan.puts, plan.deletes, source, author, results);
    return { revision, results };
  }

  /**
   * Writes every change, the history entry, then the snapshot marker; memory changes only once KV
   * accepted all. Keys a failed commit may have written are rewritten from memory by the next
   * one, so no marker ever covers half of an apply.
   */
  private async commit(
    puts: readonly [string, Stored][],
    deletes: readonly string[],
    source: ConfigSource,
    author: string,
    results: ApplyResult['results'],
  ): Promise<number> {
    const kv = this.bucket();
    const revision = this.revision + 1;
    const appliedAt = Date.now();
    const touched = new Set([...puts.map(([k]) => k), ...deletes]);
    const repairs = [...this.uncertain].filter((k) => !touched.has(k));
    try {
      for (const [key, stored] of [...puts, ...this.restorable(repairs)]) {
        await kv.put(key, encode(this.entry(stored, revision, appliedAt)));
      }
      for (const key of [...deletes, ...repairs.filter((k) => !this.desired.has(k))]) {
        await kv.delete(key);
      }
      const changes = results.filter((r) => r.action !== 'unchanged');
      const after = this.snapshotAfter(puts, deletes);
      await this.history.record({
        v: PROTOCOL_VERSION,
        revision,
        source,
        author,
        appliedAt,
        changes,
        resources: after,
      });
      const marker: SnapshotMarker = { v: PROTOCOL_VERSION, revision, source, appliedAt, author };
      await kv.put(SNAPSHOT_KEY, encode(marker));
    } catch (err) {
      for (const key of touched) this.uncertain.add(key);
      throw new ConfigStoreUnavailable((err as Error).message);
    }
    this.uncertain.clear();
    for (const [key, stored] of puts) this.desired.set(key, stored);
    for (const key of deletes) this.desired.delete(key);
    this.revision = revision;
    revisionGauge.set(revision);
    this.log.info(
      { revision, source, author, written: puts.length, deleted: deletes.length },
      'config revision published',
    );
    this.emit('changed');
    return revision;
  }

  /** The whole desired state once `puts` and `deletes` are applied, for the history entry. */
  private snapshotAfter(
    puts: readonly [string, Stored][],
    deletes: readonly string[],
  ): Record<string, HistoryEntry['resources'][string]> {
    const after = new Map(this.desired);
    for (const [key, stored] of puts) after.set(key, stored);
    for (const key of deletes) after.delete(key);
    return Object.fromEntries(
      [...after].map(([key, s]) => [
        key,
        { source: s.source, resource: JSON.parse(s.json) as Record<string, unknown> },
      ]),
    );
  }

  /** Stored values of `keys` still desired, to write again. */
  private restorable(keys: readonly string[]): [string, Stored][] {
    return keys.flatMap((k) => {
      const stored = this.desired.get(k);
      return stored ? [[k, stored] as [string, Stored]] : [];
    });
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

  private loadMarker(value: Uint8Array): void {
    const marker = decodeMessage(SnapshotMarker, value, SNAPSHOT_KEY);
    if (marker.ok) this.revision = marker.value.revision;
    else
      reportInvalid(
        this.log,
        'config',
        SNAPSHOT_KEY,
        marker.errors.map((e) => e.message).join('; '),
      );
  }

  private loadResource(key: string, value: Uint8Array): void {
    const entry = decodeMessage(ConfigEntry, value, key);
    const resource = entry.ok ? parseResource(entry.value.resource) : entry;
    if (!entry.ok || !resource.ok) {
      const errors = !entry.ok ? entry.errors : !resource.ok ? resource.errors : [];
      reportInvalid(
        this.log,
        'config',
        key,
        errors.map((e) => `${e.path}: ${e.message}`).join('; '),
      );
      return;
    }
    this.desired.set(key, {
      resource: resource.value,
      source: entry.value.source,
      json: JSON.stringify(resource.value),
    });
  }
}

function owned(batch: readonly Resource[], source: ConfigSource): OwnedResource[] {
  return batch.map((resource) => ({ resource, source }));
}

function label(r: Resource): string {
  return `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`;
}
