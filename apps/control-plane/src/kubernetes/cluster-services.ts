// Follows a cluster's Services through the API server (list, then watch; a re-list after 410 Gone or a broken watch) and hands over each settled set as Weft Services.
import {
  ADD,
  CoreV1Api,
  DELETE,
  ERROR,
  makeInformer,
  UPDATE,
  type KubeConfig,
  type ListWatch,
  type V1Service,
} from '@kubernetes/client-node';
import { weftServiceOf, type WeftService } from './service-projection.js';

export interface ClusterServicesOptions {
  /** Changes are handed over once they pause this long (a re-list is one burst). */
  readonly debounceMs: number;
  /** The wait before listing again after the API server failed a list or a watch. */
  readonly retryMs: number;
  /** The most Services followed; a larger cluster is reported, not half-applied. */
  readonly maxServices: number;
  /** Every settled set, sorted by namespace and name. */
  readonly onServices: (services: readonly WeftService[]) => void;
  readonly onError: (err: Error) => void;
}

export class ClusterServices {
  private readonly informer: ListWatch<V1Service>;
  private settle: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = true;
  /** Set by a failure during the current (re)start: no list, so nothing to hand over. */
  private failed = false;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: ClusterServicesOptions,
  ) {
    const api = kubeConfig.makeApiClient(CoreV1Api);
    this.informer = makeInformer(kubeConfig, '/api/v1/services', () =>
      api.listServiceForAllNamespaces(),
    ) as ListWatch<V1Service>;
    for (const verb of [ADD, UPDATE, DELETE] as const) this.informer.on(verb, () => this.changed());
    // The informer stops on any error but 410 Gone (which it answers with a re-list itself).
    this.informer.on(ERROR, (err: unknown) => {
      this.failed = true;
      this.options.onError(err instanceof Error ? err : new Error(String(err)));
      if (this.stopped) return;
      clearTimeout(this.retry);
      this.retry = setTimeout(() => void this.begin(), this.options.retryMs);
    });
  }

  /** Lists, hands over the first set (even an empty one: it prunes), and watches. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.begin();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.settle);
    clearTimeout(this.retry);
    await this.informer.stop();
  }

  private async begin(): Promise<void> {
    this.failed = false;
    await this.informer.start();
    // After a failed list the cache is stale or empty: handing it over would prune the mesh.
    if (!this.failed) this.changed();
  }

  private changed(): void {
    if (this.stopped) return;
    clearTimeout(this.settle);
    this.settle = setTimeout(() => this.handOver(), this.options.debounceMs);
  }

  private handOver(): void {
    const all = this.informer.list();
    if (all.length > this.options.maxServices) {
      this.options.onError(
        new Error(
          `the cluster has ${all.length} Services, more than ${this.options.maxServices}: none applied`,
        ),
      );
      return;
    }
    const services = all
      .map(weftServiceOf)
      .filter((s): s is WeftService => s !== undefined)
      .sort((a, b) =>
        `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
          `${b.metadata.namespace}/${b.metadata.name}`,
        ),
      );
    this.options.onServices(services);
  }
}
