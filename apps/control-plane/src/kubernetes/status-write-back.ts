// Writes Weft's conditions to cluster objects' status subresource: a JSON merge patch per object whose status differs, conditional on the resourceVersion it was computed from.
import {
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { desiredStatus, sortedJson, type ObjectVerdict } from './cluster-status.js';
import type { WatchedKind } from './watched-kinds.js';

/** One object Weft reports on, as the watch last delivered it. */
export interface StatusTarget {
  readonly kind: WatchedKind;
  readonly object: KubernetesObject & { readonly spec?: unknown; readonly status?: unknown };
}

export class StatusWriteBack {
  private readonly api: CustomObjectsApi;
  /**
   * Object uid → the status last patched and the resourceVersion it was computed from: until the
   * watch brings the object back with it, it stands for the object's status (no second patch).
   */
  private readonly written = new Map<string, { resourceVersion?: string; status: unknown }>();

  constructor(
    kubeConfig: KubeConfig,
    private readonly onError: (err: Error) => void,
  ) {
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /**
   * Patches every target whose status differs from its verdict's, one at a time (the API server's
   * rate limits are per client). A target without a verdict yet (statuses not computed) is skipped.
   */
  async write(
    targets: readonly StatusTarget[],
    verdictOf: (target: StatusTarget) => ObjectVerdict | undefined,
  ): Promise<number> {
    const now = new Date().toISOString();
    const live = new Set<string>();
    let patched = 0;
    for (const target of targets) {
      const verdict = verdictOf(target);
      const { metadata, spec } = target.object;
      const uid = metadata?.uid ?? `${metadata?.namespace}/${metadata?.name}`;
      const resourceVersion = metadata?.resourceVersion;
      live.add(uid);
      if (!verdict) continue;
      const pending = this.written.get(uid);
      const status =
        pending && pending.resourceVersion === resourceVersion
          ? pending.status
          : target.object.status;
      const next = desiredStatus(
        target.kind.kind,
        { generation: metadata?.generation, status, spec },
        verdict,
        now,
      );
      // Keys sorted: the API server gives objects back with its own key order.
      if (sortedJson(next) === sortedJson(status ?? {})) continue;
      if (await this.patch(target, next)) {
        this.written.set(uid, { resourceVersion, status: next });
        patched++;
      }
    }
    for (const uid of this.written.keys()) if (!live.has(uid)) this.written.delete(uid);
    return patched;
  }

  private async patch(target: StatusTarget, status: Record<string, unknown>): Promise<boolean> {
    const { group, version, plural } = target.kind;
    const { namespace, name, resourceVersion } = target.object.metadata ?? {};
    try {
      await this.api.patchNamespacedCustomObjectStatus(
        {
          group,
          version,
          plural,
          namespace: namespace!,
          name: name!,
          // The resourceVersion makes the patch conditional: a status computed from an object
          // that has changed since is refused (409), and the change's watch event brings a new pass.
          body: { metadata: { resourceVersion }, status },
          fieldManager: 'weft-control-plane',
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return true;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.onError(new Error(`status of ${target.kind.kind} ${namespace}/${name}: ${reason}`));
      return false;
    }
  }
}
