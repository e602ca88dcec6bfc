// Which workloads outside any cluster may join their Service: a heartbeat that names a site (its
// proxy's WEFT_SITE) is admitted only under a WorkloadGroup covering its identity and site, and
// carries the group's labels and locality into the endpoint sets. In-cluster heartbeats pass as sent.
import type { Heartbeat, InstanceOwner, WorkloadGroup } from '@app/protocol';

/** A site heartbeat admitted as `heartbeat` (the group's labels and locality applied) or refused. */
export type Admission =
  | { readonly ok: true; readonly heartbeat: Heartbeat }
  | { readonly ok: false; readonly reason: string };

type Identity = Pick<InstanceOwner, 'namespace' | 'service' | 'serviceAccount' | 'site'>;

export class WorkloadAdmission {
  /** `<namespace>/<service>/<serviceAccount>` → the groups naming that identity, by name. */
  private byIdentity = new Map<string, readonly WorkloadGroup[]>();

  /** The WorkloadGroups in force now (the config store's, every revision). */
  setGroups(groups: readonly WorkloadGroup[]): void {
    const next = new Map<string, WorkloadGroup[]>();
    const sorted = [...groups].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    for (const group of sorted) {
      const { service, serviceAccount = service } = group.spec;
      const key = identityKey(group.metadata.namespace, service, serviceAccount);
      const list = next.get(key);
      if (list) list.push(group);
      else next.set(key, [group]);
    }
    this.byIdentity = next;
  }

  /**
   * The group that registers `workload` (the first by name whose sites include its site, or that
   * lists none); undefined for a workload of no site or one no group covers.
   */
  groupOf(workload: Identity): WorkloadGroup | undefined {
    const { namespace, service, serviceAccount, site } = workload;
    if (site === undefined) return undefined;
    const groups = this.byIdentity.get(identityKey(namespace, service, serviceAccount));
    return groups?.find((g) => g.spec.sites === undefined || g.spec.sites.includes(site));
  }

  /** Whether `workload` may stay registered: it runs in a cluster, or a group covers it. */
  covers(workload: Identity): boolean {
    return workload.site === undefined || this.groupOf(workload) !== undefined;
  }

  /** `hb` as it joins the endpoint sets, or why it may not. Costs nothing for in-cluster proxies. */
  admit(hb: Heartbeat): Admission {
    if (hb.site === undefined) return { ok: true, heartbeat: hb };
    const group = this.groupOf(hb);
    if (!group) {
      return {
        ok: false,
        reason:
          `no WorkloadGroup in namespace ${hb.namespace} registers service ${hb.service} ` +
          `(service account ${hb.serviceAccount}) at site ${hb.site}`,
      };
    }
    const { labels, locality } = group.spec;
    const heartbeat: Heartbeat = {
      ...hb,
      labels: labels ? { ...hb.labels, ...labels } : hb.labels,
      ...(locality?.region !== undefined && { region: locality.region }),
      ...(locality?.zone !== undefined && { zone: locality.zone }),
    };
    return { ok: true, heartbeat };
  }
}

function identityKey(namespace: string, service: string, serviceAccount: string): string {
  return `${namespace}/${service}/${serviceAccount}`;
}
