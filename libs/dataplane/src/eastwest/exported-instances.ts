// What an east-west gateway may route to: the ready instances of the Services its own cluster
// exports, as its control plane's leader announces them to other clusters (every few seconds and at
// each change). A Service without a ServiceExport is never announced, so never reachable here.
import type { EastWestTarget, ServiceExportAnnouncement } from '@app/protocol';

/** Where one exported instance's inbound mTLS listener is. */
export interface InstanceAddress {
  readonly address: string;
  readonly port: number;
}

/** Why a target is not routed. */
export type Unroutable = 'other_cluster' | 'not_exported' | 'unknown_instance';

export interface ExportedInstancesLimits {
  /** An export not announced again for this long is dropped (its control plane is gone). */
  readonly ttlMs: number;
  /** Exported Services held at most: a bound on what announcements can make the gateway hold. */
  readonly maxServices: number;
}

interface Held {
  readonly instances: ReadonlyMap<string, InstanceAddress>;
  heardAt: number;
}

export class ExportedInstances {
  /** `<namespace>/<service>` → its instances by id. */
  private readonly services = new Map<string, Held>();

  constructor(
    private readonly cluster: string,
    private readonly limits: ExportedInstancesLimits,
  ) {}

  /** An announcement of this cluster's leader (validated): the Service's instances now, or its withdrawal. */
  onAnnouncement(a: ServiceExportAnnouncement, now: number): void {
    if (a.cluster !== this.cluster) return;
    const key = `${a.namespace}/${a.service}`;
    if (!a.exported) {
      this.services.delete(key);
      return;
    }
    if (!this.services.has(key) && this.services.size >= this.limits.maxServices) return;
    const instances = new Map<string, InstanceAddress>();
    // Only meshed instances of this cluster: a plaintext one could not end the caller's mTLS.
    for (const e of a.endpoints)
      if (!e.plaintext && !e.unmeshed && e.sni === undefined)
        instances.set(e.instanceId, { address: e.address, port: e.port });
    this.services.set(key, { instances, heardAt: now });
  }

  /** Drops the exports not announced within the TTL. */
  expire(now: number): void {
    for (const [key, held] of this.services)
      if (now - held.heardAt > this.limits.ttlMs) this.services.delete(key);
  }

  /** The address of the instance `target` names, or why there is none. */
  resolve(target: EastWestTarget): InstanceAddress | Unroutable {
    if (target.cluster !== this.cluster) return 'other_cluster';
    const held = this.services.get(`${target.namespace}/${target.service}`);
    if (!held) return 'not_exported';
    return held.instances.get(target.instanceId) ?? 'unknown_instance';
  }

  get size(): number {
    return this.services.size;
  }
}
