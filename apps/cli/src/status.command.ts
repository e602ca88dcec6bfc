// `weft status`: every proxy's applied revision and ACK/NACK against the control plane's revision,
// and, in a multi-cluster mesh, the control plane's cluster, the Services it imports and the sites
// whose registered workloads it knows.
import { Command } from 'commander';
import type { LeaderInfo, ProxyList } from '@app/protocol';
import { withAdmin } from './cli-context.js';
import { clusterNote, importTable } from './clusterset-view.js';
import { out } from './output.js';
import { withProgress } from './progress.js';
import { proxyTable } from './proxy-table.js';
import { siteTable } from './site-workloads-view.js';

export function statusCommand(): Command {
  return new Command('status')
    .description(
      'proxy convergence: applied revision, ACK/NACK and last heartbeat of every proxy; the cluster, its imported Services and its sites',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { base, list, leader, clusterset, workloads } = await withAdmin(cmd, async (admin) => ({
        base: admin.base,
        list: await withProgress('asking the control plane', () => admin.proxies()),
        leader: await admin.leader().catch(() => undefined),
        // An older control plane has no /v1/clusterset: then nothing is said of clusters.
        clusterset: await admin.clusterset().catch(() => undefined),
        // Nor of sites, by an older control plane without /v1/workloads.
        workloads: await admin.workloads().catch(() => undefined),
      }));
      out(
        `control plane ${base} at revision ${list.revision}${leaderNote(leader)}${clusterNote(clusterset)}`,
      );
      if (list.items.length === 0) out('no proxy has reported to the control plane');
      else {
        out();
        for (const line of proxyTable(list.items, { layout: 'status' })) out(line);
        out();
        out(summary(list));
      }
      for (const table of [importTable(clusterset), siteTable(workloads)]) {
        if (table.length === 0) continue;
        out();
        for (const line of table) out(line);
      }
    });
}

/** `(leader)`, `(follower of <holder>)` or `(no leader)`; nothing when the server did not say. */
function leaderNote(info: LeaderInfo | undefined): string {
  if (!info) return '';
  if (info.role === 'leader') return ' (leader)';
  return info.leader ? ` (follower of ${info.leader.holder})` : ' (no leader)';
}

/** `3 proxies: 2 in sync, 1 NACK, 0 stale` against the current revision. */
function summary({ revision, items }: ProxyList): string {
  const synced = items.filter((p) => p.status === 'ACK' && p.revision === revision).length;
  const nacked = items.filter((p) => p.status === 'NACK').length;
  const stale = items.filter((p) => p.stale).length;
  const behind = items.length - synced - nacked;
  const total = `${items.length} ${items.length === 1 ? 'proxy' : 'proxies'}`;
  return `${total}: ${synced} in sync with revision ${revision}, ${behind} behind, ${nacked} NACK, ${stale} stale`;
}
