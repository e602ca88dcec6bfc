// Follows the cluster's objects of several kinds through the API server (one list-then-watch per kind; a re-list after 410 Gone or a broken watch) and hands over each settled snapshot of all of them.
import {
  ADD,
  DELETE,
  ERROR,
  ListWatch,
  UPDATE,
  Watch,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { collectionPath, lister, type WatchedKind } from './watched-kinds.js';

/** The objects of every followed kind, by kind name (`HTTPRoute`); an absent CRD lists none. */
export type ClusterSnapshot = ReadonlyMap<string, readonly KubernetesObject[]>;

export interface ClusterResourcesOptions {
  readonly kinds: readonly WatchedKind[];
  /** Changes are handed over once they pause this long (a re-list is one burst). */
  readonly debounceMs: number;
  /** The wait before listing a kind again after the API server failed its list or watch. */
  readonly retryMs: number;
  /** The most objects followed, all kinds together; a larger cluster is reported, not half-applied. */
  readonly maxObjects: number;
  readonly onSnapshot: (snapshot: ClusterSnapshot) => void;
  readonly onError: (err: Error) => void;
}

/** One kind's list-then-watch, restarted after a failure. */
class KindFollower {
  readonly informer: ListWatch<KubernetesObject>;
  /** Listed at least once (or its CRD is absent): its objects can be handed over. */
  synced = false;
  /** The API server does not serve the kind (no CRD): it has no objects. */
  absent = false;
  private retry: NodeJS.Timeout | undefined;
  private stopped = true;
  /** Set by a failure during the current (re)start: no list, so nothing new to hand over. */
  private failed = false;

  constructor(
    kubeConfig: KubeConfig,
    readonly kind: WatchedKind,
    private readonly options: ClusterResourcesOptions,
    private readonly changed: () => void,
  ) {
    this.informer = new ListWatch(
      collectionPath(kind),
      new Watch(kubeConfig),
      lister(kubeConfig, kind),
      false,
    );
    for (const verb of [ADD, UPDATE, DELETE] as const) this.informer.on(verb, () => changed());
    // The informer stops on any error but 410 Gone (which it answers with a re-list itself).
    this.informer.on(ERROR, (err: unknown) => this.failedWith(err));
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.failed = false;
    await this.informer.start();
    if (this.failed || this.stopped) return;
    this.absent = false;
    this.synced = true;
    this.changed();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.informer.stop();
  }

  objects(): readonly KubernetesObject[] {
    return this.absent ? [] : this.informer.list();
  }

  private failedWith(err: unknown): void {
    this.failed = true;
    // A request cut short by stop() is no failure of the API server's.
    if (this.stopped) return;
    if (this.kind.optional && statusCodeOf(err) === 404) {
      // No CRD for the kind: none of its objects exist. Listed again later, in case it is installed.
      if (!this.absent || !this.synced) {
        this.absent = true;
        this.synced = true;
        this.changed();
      }
    } else if (!isCutWatch(err)) {
      const reason = err instanceof Error ? err.message : String(err);
      this.options.onError(new Error(`${this.kind.kind}: ${reason}`));
    }
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.start(), this.options.retryMs);
  }
}

export class ClusterResources {
  private readonly followers: KindFollower[];
  private settle: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: ClusterResourcesOptions,
  ) {
    this.followers = options.kinds.map(
      (kind) => new KindFollower(kubeConfig, kind, options, () => this.changed()),
    );
  }

  /**
   * Lists every kind and watches each. The first snapshot is handed over once every kind is listed
   * (even empty: it prunes); a kind whose list failed holds it back rather than have it pruned.
   */
  async start(): Promise<void> {
    this.stopped = false;
    await Promise.all(this.followers.map((f) => f.start()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.settle);
    await Promise.all(this.followers.map((f) => f.stop()));
  }

  private changed(): void {
    if (this.stopped) return;
    clearTimeout(this.settle);
    this.settle = setTimeout(() => this.handOver(), this.options.debounceMs);
  }

  private handOver(): void {
    if (!this.followers.every((f) => f.synced)) return;
    const snapshot = new Map<string, readonly KubernetesObject[]>();
    let count = 0;
    for (const f of this.followers) {
      const objects = f.objects();
      count += objects.length;
      snapshot.set(f.kind.kind, objects);
    }
    if (count > this.options.maxObjects) {
      this.options.onError(
        new Error(
          `the cluster has ${count} objects of the kinds Weft follows, more than ${this.options.maxObjects}: none applied`,
        ),
      );
      return;
    }
    this.options.onSnapshot(snapshot);
  }
}

/**
 * A watch whose connection closed before its body ended. Watches end routinely (API-server
 * timeouts, load balancers), and the fetch library the client uses also reports a body whose
 * socket closes right after its last chunk this way (seen under load after a 410): the follower
 * watches again from its resourceVersion, or lists after a 410, without calling it a failure.
 */
function isCutWatch(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
}

/** The HTTP status of a failed list (ApiException `code`) or watch (`statusCode`). */
function statusCodeOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') return code;
  return typeof statusCode === 'number' ? statusCode : undefined;
}
