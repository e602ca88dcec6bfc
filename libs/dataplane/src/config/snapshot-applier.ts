// Applies what a config follower holds and reports each revision once: ACK when it runs, NACK (once
// per revision and reason) when it is refused and the last good one keeps serving; keeps the last
// good one on disk for cold starts. `take` is the one reducer of the changes both ways of following
// receive alike: endpoint sets in place, invalid values reported, a refused revision retried.
import type { Logger } from 'pino';
import type { EvictionReason } from './called-hosts.js';
import type { ConfigChange } from './config-change.js';
import { MeshState, type HeldConfig, type MeshSnapshotData } from './mesh-state.js';
import type { ConfigTarget } from './route-configurator.js';
import type { SnapshotCache } from './snapshot-cache.js';

const CACHE_DEBOUNCE_MS = 500;

/** What a proxy is told of the config it follows. */
export interface ConfigEvents {
  applied(revision: number): void;
  rejected(revision: number, error: string): void;
  invalid(key: string, reason: string): void;
  /** A proxy that follows its destinations follows this many Services now. */
  following?(services: number): void;
  /** It stopped following `hosts` called hosts: past the bound, or not called for the TTL. */
  evicted?(reason: EvictionReason, hosts: number): void;
}

export interface SnapshotApplierDeps {
  /** Where snapshots and endpoint sets go: the route configurator. */
  readonly target: ConfigTarget;
  readonly cache: SnapshotCache;
  readonly events: ConfigEvents;
  readonly log: Logger;
  /** What the follower holds: what each compile builds from, and what is kept on disk. */
  readonly held: HeldConfig;
}

export class SnapshotApplier {
  /** Set once the follower has read what it needs: compiles before that would apply half a config. */
  private started = false;
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

  constructor(private readonly deps: SnapshotApplierDeps) {}

  /** True once some snapshot (from KV or the disk cache) runs. */
  get hasConfig(): boolean {
    return this.appliedRevision >= 0;
  }

  get revision(): number {
    return this.appliedRevision;
  }

  /** Serves the disk copy until NATS answers; returns it (undefined: none, or unusable). */
  async loadCache(): Promise<MeshSnapshotData | undefined> {
    const { cache, target, log } = this.deps;
    const data = await cache.load();
    if (!data) return undefined;
    const state = MeshState.fromData(data);
    const outcome = state.blockingErrors
      ? { ok: false as const, error: state.blockingErrors }
      : target.applySnapshot(state);
    if (!outcome.ok) {
      log.warn(
        { file: cache.file, error: outcome.error },
        'cached config unusable; waiting for NATS',
      );
      return undefined;
    }
    this.appliedRevision = data.revision;
    log.info({ revision: data.revision, file: cache.file }, 'serving cached config');
    return data;
  }

  /** The follower has read what it needs: the held config is compiled from now on (once is enough). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.compile();
  }

  /** Builds the table from what is held (unless it says why it cannot be) and reports; true if applied. */
  compile(): boolean {
    if (!this.started) return false;
    const { held, target, events } = this.deps;
    const revision = held.revision;
    const blocked = held.blockingErrors;
    const outcome = blocked
      ? { ok: false as const, error: blocked }
      : target.applySnapshot(held.toMeshState());
    if (!outcome.ok) {
      if (this.rejected !== revision || this.rejectedError !== outcome.error)
        events.rejected(revision, outcome.error);
      this.rejected = revision;
      this.rejectedError = outcome.error;
      return false;
    }
    this.rejected = -1;
    this.rejectedError = undefined;
    const changed = revision !== this.reportedRevision;
    this.appliedRevision = revision;
    this.reportedRevision = revision;
    this.saveSoon();
    if (changed) events.applied(revision);
    return true;
  }

  /**
   * Does what a change asks that both ways of following do alike; a snapshot marker, an alias and
   * a membership are the follower's own to act on (they are ignored here).
   */
  take(change: ConfigChange): void {
    switch (change.kind) {
      case 'invalid':
        return this.deps.events.invalid(change.key, change.reason);
      case 'endpoints':
        if (!this.started) return;
        // A set whose Service the table does not know yet brings a new host: recompile.
        if (this.deps.target.applyEndpoints(change.service, change.set)) this.compile();
        return this.saveSoon();
      case 'resources':
        // Applied with the next snapshot marker, never half an apply; but a revision refused for
        // a bad value is retried as soon as that value is fixed or deleted.
        if (this.started && this.rejected === this.deps.held.revision) this.compile();
        return;
      default:
        return;
    }
  }

  /** Writes the disk copy a little later, once for a burst of changes. */
  private saveSoon(): void {
    if (this.cacheTimer) return;
    const { cache, held, log } = this.deps;
    this.cacheTimer = setTimeout(() => {
      this.cacheTimer = undefined;
      cache.save(held.toData()).catch((err: Error) => {
        log.warn({ err: err.message, file: cache.file }, 'could not write config cache');
      });
    }, CACHE_DEBOUNCE_MS);
    this.cacheTimer.unref();
  }

  stop(): void {
    clearTimeout(this.cacheTimer);
  }
}
