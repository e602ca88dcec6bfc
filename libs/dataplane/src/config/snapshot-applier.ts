// Applies complete snapshots to the route configurator and reports each revision once: ACK when it
// runs, NACK (once per revision and reason) when it is refused and the last good one keeps serving;
// keeps the last good one on disk for cold starts. Shared by both ways of following the bucket.
import type { Logger } from 'pino';
import { MeshState, type MeshSnapshotData } from './mesh-state.js';
import type { RouteConfigurator } from './route-configurator.js';
import type { SnapshotCache } from './snapshot-cache.js';

const CACHE_DEBOUNCE_MS = 500;

/** What a proxy is told of the config it follows. */
export interface ConfigSyncEvents {
  applied(revision: number): void;
  rejected(revision: number, error: string): void;
  invalid(key: string, reason: string): void;
}

export class SnapshotApplier {
  private appliedRevision = -1;
  /**
   * Last revision reported as applied: a revision first served from the disk cache is still
   * reported once the bucket confirms it (the control plane waits for that ACK).
   */
  private reportedRevision = -1;
  /** Last revision reported as NACK, and why; reported again only when either changes. */
  private rejected = -1;
  private rejectedError: string | undefined;
  private cacheTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly configurator: RouteConfigurator,
    private readonly cache: SnapshotCache,
    private readonly events: ConfigSyncEvents,
    private readonly log: Logger,
    /** What to keep on disk: the state now. */
    private readonly snapshot: () => MeshSnapshotData,
  ) {}

  /** True once some snapshot (from KV or the disk cache) runs. */
  get hasConfig(): boolean {
    return this.appliedRevision >= 0;
  }

  get revision(): number {
    return this.appliedRevision;
  }

  /** The revision last refused (-1 once one ran since): a fix to it is tried at once. */
  get rejectedRevision(): number {
    return this.rejected;
  }

  /** Serves the disk copy until NATS answers; returns it (undefined: none, or unusable). */
  async loadCache(): Promise<MeshSnapshotData | undefined> {
    const data = await this.cache.load();
    if (!data) return undefined;
    const state = MeshState.fromData(data);
    const outcome = state.blockingErrors
      ? { ok: false as const, error: state.blockingErrors }
      : this.configurator.applySnapshot(state);
    if (!outcome.ok) {
      this.log.warn(
        { file: this.cache.file, error: outcome.error },
        'cached config unusable; waiting for NATS',
      );
      return undefined;
    }
    this.appliedRevision = data.revision;
    this.log.info({ revision: data.revision, file: this.cache.file }, 'serving cached config');
    return data;
  }

  /** Builds the table from `state` (unless `blocked` says why it cannot be) and reports. */
  apply(revision: number, state: () => MeshState, blocked: string | undefined): void {
    const outcome = blocked
      ? { ok: false as const, error: blocked }
      : this.configurator.applySnapshot(state());
    if (!outcome.ok) {
      if (this.rejected !== revision || this.rejectedError !== outcome.error)
        this.events.rejected(revision, outcome.error);
      this.rejected = revision;
      this.rejectedError = outcome.error;
      return;
    }
    this.rejected = -1;
    this.rejectedError = undefined;
    const changed = revision !== this.reportedRevision;
    this.appliedRevision = revision;
    this.reportedRevision = revision;
    this.saveSoon();
    if (changed) this.events.applied(revision);
  }

  /** Writes the disk copy a little later, once for a burst of changes. */
  saveSoon(): void {
    if (this.cacheTimer) return;
    this.cacheTimer = setTimeout(() => {
      this.cacheTimer = undefined;
      this.cache.save(this.snapshot()).catch((err: Error) => {
        this.log.warn({ err: err.message, file: this.cache.file }, 'could not write config cache');
      });
    }, CACHE_DEBOUNCE_MS);
    this.cacheTimer.unref();
  }

  stop(): void {
    clearTimeout(this.cacheTimer);
  }
}
