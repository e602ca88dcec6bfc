// Watches the config KV bucket, applies complete snapshots, reports ACK/NACK; survives NATS outages.
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { MeshState, type StateChange } from './mesh-state.js';
import type { RouteConfigurator } from './route-configurator.js';
import type { SnapshotCache } from './snapshot-cache.js';

export interface ConfigSyncEvents {
  applied(revision: number): void;
  rejected(revision: number, error: string): void;
  invalid(key: string, reason: string): void;
}

const RETRY_MS = 1_000;
const CACHE_DEBOUNCE_MS = 500;

export class ConfigSync {
  private state = new MeshState();
  private appliedRevision = -1;
  /**
   * Last revision reported as applied: a revision first served from the disk cache is still
   * reported once the bucket confirms it (the control plane waits for that ACK).
   */
  private reportedRevision = -1;
  /** Last revision reported as NACK, and why; reported again only when either changes. */
  private rejectedRevision = -1;
  private rejectedError: string | undefined;
  private initialized = false;
  private lastSeq = 0;
  private stopped = false;
  private stopWatch: (() => void) | undefined;
  private cacheTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly configurator: RouteConfigurator,
    private readonly cache: SnapshotCache,
    private readonly events: ConfigSyncEvents,
    private readonly log: Logger,
  ) {}

  /** True once some snapshot (from KV or the disk cache) runs. */
  get hasConfig(): boolean {
    return this.appliedRevision >= 0;
  }

  get revision(): number {
    return this.appliedRevision;
  }

  /** Starts from the disk cache when there is one; the KV watch replaces it as soon as NATS answers. */
  async loadCache(): Promise<void> {
    const data = await this.cache.load();
    if (!data) return;
    const state = MeshState.fromData(data);
    const outcome = state.blockingErrors
      ? { ok: false as const, error: state.blockingErrors }
      : this.configurator.applySnapshot(state);
    if (!outcome.ok) {
      this.log.warn(
        { file: this.cache.file, error: outcome.error },
        'cached config unusable; waiting for NATS',
      );
    } else {
      this.appliedRevision = data.revision;
      this.log.info({ revision: data.revision, file: this.cache.file }, 'serving cached config');
    }
  }

  /** Runs the watch loop in the background until `stop()`. */
  run(nc: NatsConnection, bucket: string): void {
    void this.loop(nc, bucket);
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
    clearTimeout(this.cacheTimer);
  }

  private async loop(nc: NatsConnection, bucket: string): Promise<void> {
    while (!this.stopped) {
      try {
        await this.watchOnce(await new Kvm(nc).open(bucket));
      } catch (err) {
        this.log.warn(
          { err: (err as Error).message, bucket },
          'config watch interrupted; retrying',
        );
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  /** One watch: replays from the last revision seen (all last values on the first run), then follows. */
  private async watchOnce(kv: KV): Promise<void> {
    if (this.lastSeq === 0) {
      // The bucket is the truth: rebuild from it; the cached table serves until the first compile.
      this.state = new MeshState();
      const status = await kv.status();
      if (status.values === 0) this.markInitialized();
    }
    const iter = await kv.watch({
      key: '>',
      resumeFromRevision: this.lastSeq > 0 ? this.lastSeq + 1 : undefined,
    });
    this.stopWatch = () => iter.stop();
    for await (const entry of iter) {
      this.lastSeq = entry.revision;
      this.onChange(this.state.apply(entry));
      if (!this.initialized && entry.isUpdate) this.markInitialized();
    }
  }

  private markInitialized(): void {
    this.initialized = true;
    this.compile();
  }

  private onChange(change: StateChange): void {
    switch (change.kind) {
      case 'snapshot':
        if (this.initialized) this.compile();
        return;
      case 'endpoints':
        if (!this.initialized) return;
        if (this.configurator.applyEndpoints(change.key, change.set)) this.compile();
        this.scheduleCacheWrite();
        return;
      case 'invalid':
        this.events.invalid(change.key, change.reason);
        return;
      case 'projection':
        return;
      case 'resource':
        // Applied with the next snapshot marker, never half an apply; but a revision rejected for
        // a bad key is retried as soon as that key is fixed or deleted.
        if (this.initialized && this.rejectedRevision === this.state.revision) this.compile();
        return;
    }
  }

  private compile(): void {
    const revision = this.state.revision;
    const blocked = this.state.blockingErrors;
    const outcome = blocked
      ? { ok: false as const, error: blocked }
      : this.configurator.applySnapshot(this.state);
    if (!outcome.ok) {
      if (this.rejectedRevision !== revision || this.rejectedError !== outcome.error) {
        this.events.rejected(revision, outcome.error);
      }
      this.rejectedRevision = revision;
      this.rejectedError = outcome.error;
      return;
    }
    this.rejectedRevision = -1;
    this.rejectedError = undefined;
    const changed = revision !== this.reportedRevision;
    this.appliedRevision = revision;
    this.reportedRevision = revision;
    this.scheduleCacheWrite();
    if (changed) this.events.applied(revision);
  }

  private scheduleCacheWrite(): void {
    if (this.cacheTimer) return;
    this.cacheTimer = setTimeout(() => {
      this.cacheTimer = undefined;
      this.cache.save(this.state.toData()).catch((err: Error) => {
        this.log.warn({ err: err.message, file: this.cache.file }, 'could not write config cache');
      });
    }, CACHE_DEBOUNCE_MS);
    this.cacheTimer.unref();
  }
}
