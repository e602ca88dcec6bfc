// Follows the whole config bucket (routers): watches every key, applies complete snapshots, reports
// ACK/NACK; survives NATS outages.
import type { ConfigLink } from './config-feed.js';
import type { ConfigFollower, ConfigFollowerDeps } from './config-follower.js';
import { BackgroundWork } from './background-work.js';
import { MeshState } from './mesh-state.js';
import { SnapshotApplier } from './snapshot-applier.js';

const RETRY_MS = 1_000;

export class ConfigSync implements ConfigFollower {
  private readonly held = new MeshState();
  private readonly applier: SnapshotApplier;
  private readonly work: BackgroundWork;
  /** Revision of the last entry taken: a new watch resumes after it. */
  private lastSeq = 0;
  private stopped = false;
  private stopWatch: (() => void) | undefined;

  constructor(private readonly deps: ConfigFollowerDeps) {
    this.work = new BackgroundWork(deps.log);
    this.applier = new SnapshotApplier({ ...deps, held: this.held });
  }

  get hasConfig(): boolean {
    return this.applier.hasConfig;
  }

  /** Starts from the disk cache when there is one; the KV watch replaces it as soon as NATS answers. */
  async loadCache(): Promise<void> {
    await this.applier.loadCache();
  }

  run(): void {
    void this.work.own(this.loop(), 'config watch stopped');
  }

  /** Nothing to do: the watch's consumer resumes by itself after a reconnect. */
  resync(): void {}

  /** Every Service is followed: a host the table does not know names nothing there is to read. */
  discover(): undefined {
    return undefined;
  }

  /** Every Service is followed whether called or not. */
  called(): void {}

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
    this.applier.stop();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.watchOnce(await this.deps.feed.open());
      } catch (err) {
        this.deps.log.warn({ err: (err as Error).message }, 'config watch interrupted; retrying');
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  /**
   * One watch: replays from the last revision taken (all last values on the first run; the cached
   * table serves until the first compile), then follows.
   */
  private async watchOnce(link: ConfigLink): Promise<void> {
    if (this.lastSeq === 0 && (await link.status()).values === 0) this.applier.start();
    const iter = await link.watch({
      key: '>',
      resumeFromRevision: this.lastSeq > 0 ? this.lastSeq + 1 : undefined,
    });
    this.stopWatch = () => iter.stop();
    for await (const entry of iter) {
      this.lastSeq = entry.revision;
      const change = this.held.apply(entry);
      // A marker applies its revision; the rest is what both ways of following do alike.
      if (change.kind === 'snapshot') this.applier.compile();
      else this.applier.take(change);
      if (entry.isUpdate) this.applier.start();
    }
  }
}
