// The Services other clusters export to this one, as their control planes announce them: one entry
// per exporting cluster and Service, dropped when withdrawn or no longer announced, and bounded.
import {
  serviceKey,
  type EastWestGatewayAddress,
  type EndpointEntry,
  type ServiceExportAnnouncement,
} from '@app/protocol';

/** One Service as one other cluster exports it. */
export interface ServiceImport {
  readonly cluster: string;
  readonly namespace: string;
  readonly service: string;
  readonly endpoints: readonly EndpointEntry[];
  /** The exporting cluster's east-west gateway, when it has one. */
  readonly gateway?: EastWestGatewayAddress;
  /** When it was last announced, by this process's clock. */
  readonly heardAt: number;
}

export interface ServiceImportLimits {
  /** An import not announced again for this long expires. */
  readonly ttlMs: number;
  /** Imports held at most: a new one past it is refused (announced again, it is retried). */
  readonly maxImports: number;
}

/** What an announcement did. */
export type ImportOutcome = 'added' | 'updated' | 'removed' | 'unchanged' | 'refused' | 'own';

export class ServiceImports {
  /** `<cluster>/<namespace>/<service>` → the import. */
  private readonly imports = new Map<string, ServiceImport>();

  constructor(
    /** This cluster's name: its own announcements come back over no link, but are ignored anyway. */
    private readonly localCluster: string | undefined,
    private readonly limits: ServiceImportLimits,
  ) {}

  /** An announcement heard at `now` (validated, its subject checked against its body). */
  onAnnouncement(a: ServiceExportAnnouncement, now: number): ImportOutcome {
    if (a.cluster === this.localCluster) return 'own';
    const id = `${a.cluster}/${a.namespace}/${a.service}`;
    const held = this.imports.get(id);
    if (!a.exported) {
      if (!held) return 'unchanged';
      this.imports.delete(id);
      return 'removed';
    }
    if (!held && this.imports.size >= this.limits.maxImports) return 'refused';
    // Every endpoint is the exporter's: a `cluster` naming another (or none) is replaced.
    const endpoints = a.endpoints.map((e) => ({ ...e, cluster: a.cluster }));
    const gateway = a.gateway && { address: a.gateway.address, port: a.gateway.port };
    const same =
      held &&
      JSON.stringify([held.endpoints, held.gateway]) === JSON.stringify([endpoints, gateway]);
    const { cluster, namespace, service } = a;
    this.imports.set(id, {
      cluster,
      namespace,
      service,
      endpoints,
      ...(gateway && { gateway }),
      heardAt: now,
    });
    return !held ? 'added' : same ? 'unchanged' : 'updated';
  }

  /** Drops the imports not announced within the TTL; true when any was dropped. */
  expire(now: number): boolean {
    let dropped = false;
    for (const [id, held] of this.imports) {
      if (now - held.heardAt <= this.limits.ttlMs) continue;
      this.imports.delete(id);
      dropped = true;
    }
    return dropped;
  }

  /** The Services imported from at least one cluster, as `namespace/service` keys. */
  serviceKeys(): Set<string> {
    return new Set([...this.imports.values()].map((i) => serviceKey(i.namespace, i.service)));
  }

  /** Every import, by cluster, namespace and Service. */
  list(): ServiceImport[] {
    return [...this.imports.values()].sort((a, b) =>
      `${a.cluster}/${a.namespace}/${a.service}`.localeCompare(
        `${b.cluster}/${b.namespace}/${b.service}`,
      ),
    );
  }
}
