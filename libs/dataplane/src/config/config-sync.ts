// Watches the config KV bucket, applies complete snapshots, reports ACK/NACK; survives NATS outages.
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { MeshState, type StateChange } from './mesh-state.js';
import type { RouteConfigurator } from './route-configurator.js';
import type { SnapshotCache } from './snapshot-cache.js';
import { SnapshotApplier, type ConfigSyncEvents } from './snapshot-applier.js';

const RETRY_MS = 1_000;

export class ConfigSync {
  private state = new MeshState();
  private readonly applier: SnapshotApplier;
  private initialized = false;
  private lastSeq = 0;
  private stopped = false;
  private stopWatch: (() => void) | undefined;

  constructor(
    private readonly configurator: RouteConfigurator,
    cache: SnapshotCache,
    private readonly events: ConfigSyncEvents,
    private readonly log: Logger,
  ) {
    this.applier = new SnapshotApplier(configurator, cache, events, log, () => this.state.toData());
  }

  /** True once some snapshot (from KV or the disk cache) runs. */
  get hasConfig(): boolean {
    return this.applier.hasConfig;
  }

  get revision(): number {
    return this.applier.revision;
  }

  /** Starts from the disk cache when there is one; the KV watch replaces it as soon as NATS answers. */
  async loadCache(): Promise<void> {
    await this.applier.loadCache();
  }

  /** Runs the watch loop in the background until `stop()`. */
  run(nc: NatsConnection, bucket: string): void {
    void this.loop(nc, bucket);
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
    this.applier.stop();
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
        this.applier.saveSoon();
        return;
      case 'invalid':
        this.events.invalid(change.key, change.reason);
        return;
      case 'projection':
        return;
      case 'resource':
        // Applied with the next snapshot marker, never half an apply; but a revision rejected for
        // a bad key is retried as soon as that key is fixed or deleted.
        if (this.initialized && this.applier.rejectedRevision === this.state.revision)
          this.compile();
        return;
    }
  }

  private compile(): void {
    this.applier.apply(this.state.revision, () => this.state, this.state.blockingErrors);
  }
}
