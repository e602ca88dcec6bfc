// What `weft status` says of the clusterset (GET /v1/clusterset): the control plane's cluster on its
// first line, and the Services this cluster imports from others, one row per exporting cluster.
import type { ClustersetInfo } from '@app/protocol';
import { formatTable, NONE } from './output.js';

/** `, cluster east`; nothing for a one-cluster mesh (WEFT_CLUSTER unset) or a server that did not say. */
export function clusterNote(info: ClustersetInfo | undefined): string {
  return info?.cluster ? `, cluster ${info.cluster}` : '';
}

/** The imported Services with their exporting cluster and its instances; no lines when none. */
export function importTable(info: ClustersetInfo | undefined): string[] {
  if (!info || info.imports.length === 0) return [];
  return formatTable(
    ['IMPORTED SERVICE', 'FROM CLUSTER', 'ENDPOINTS', 'INSTANCES'],
    info.imports.map((i) => [
      `${i.service}.${i.namespace}`,
      i.cluster,
      String(i.endpoints.length),
      i.endpoints.map((e) => e.instanceId).join(',') || NONE,
    ]),
  );
}
