// What `weft status` says of sites (GET /v1/workloads): one row per site outside any cluster, with
// the registered workloads there and how many are ready.
import type { RegisteredWorkload } from '@app/protocol';
import { formatTable } from './output.js';

/** Sites with their registered workloads (`<instance> (<service>.<namespace>)`); no lines when none. */
export function siteTable(workloads: readonly RegisteredWorkload[] | undefined): string[] {
  if (!workloads || workloads.length === 0) return [];
  const bySite = new Map<string, RegisteredWorkload[]>();
  for (const w of workloads) {
    const list = bySite.get(w.site);
    if (list) list.push(w);
    else bySite.set(w.site, [w]);
  }
  const sites = [...bySite.keys()].sort();
  return formatTable(
    ['SITE', 'READY', 'WORKLOADS'],
    sites.map((site) => {
      const here = bySite.get(site)!;
      return [
        site,
        `${here.filter((w) => w.ready).length}/${here.length}`,
        here.map((w) => `${w.instanceId} (${w.service}.${w.namespace})`).join(','),
      ];
    }),
  );
}
