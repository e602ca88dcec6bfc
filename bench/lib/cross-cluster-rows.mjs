// The rows of the cross-cluster bench: one caller sidecar in east, and per row a callee Service
// reached from it over HTTP or the bus, in east (a local hop) or only in west (a cross-cluster hop,
// by its clusterset name: over the bus through the leaf-node link, or over HTTP through west's
// east-west gateway). One function serves every row kind.
import { applyResources } from './weft.mjs';
import {
  startClusterSidecar,
  startEastWestGateway,
  waitForAck,
  waitForImport,
} from './clusters.mjs';

/** The Service whose sidecar the load calls (its outbound listener), in east. */
export const CALLER_SERVICE = 'client';

/** Every Service of the bench is in this namespace. */
const NAMESPACE = 'default';

/**
 * Each row: `id`, `label`, the callee's `service`, the `cluster` it runs in (the caller is in
 * east), `transport` (`http`: sidecar to sidecar with mTLS; `bus`), `exported` (a ServiceExport
 * in its cluster, called by its clusterset name) and `gateway` (its calls go through west's
 * east-west gateway, which the row starts: an HTTP caller in east reaches an exported Service of
 * west only that way, its instance in east's endpoint set at the gateway's address).
 */
export const CROSS_CLUSTER_ROWS = [
  {
    id: 'weft-local-http',
    label: 'local HTTP hop, mTLS (east→east)',
    service: 'local-http',
    cluster: 'east',
    transport: 'http',
    exported: false,
  },
  {
    id: 'weft-local-bus',
    label: 'local bus hop (east→east)',
    service: 'local-bus',
    cluster: 'east',
    transport: 'bus',
    exported: false,
  },
  {
    id: 'weft-cross-bus',
    label: 'cross-cluster bus hop (east→west)',
    service: 'remote-bus',
    cluster: 'west',
    transport: 'bus',
    exported: true,
  },
  {
    id: 'weft-cross-http',
    label: 'cross-cluster HTTP hop via the east-west gateway (east→west)',
    service: 'remote-http',
    cluster: 'west',
    transport: 'http',
    exported: true,
    gateway: true,
  },
];

/**
 * What a row applies: `callee` in the callee's cluster (its ServiceExport when exported), `caller`
 * in east (the TrafficPolicy that puts calls to it on the bus), and the `host` the load sends.
 */
export function pathResources({ service, transport, exported }) {
  const metadata = { name: service, namespace: NAMESPACE };
  return {
    callee: exported ? [{ apiVersion: 'weft.dev/v1alpha1', kind: 'ServiceExport', metadata }] : [],
    caller:
      transport === 'bus'
        ? [
            {
              apiVersion: 'weft.dev/v1alpha1',
              kind: 'TrafficPolicy',
              metadata,
              spec: { targetRefs: [{ kind: 'Service', name: service }], transport: 'bus' },
            },
          ]
        : [],
    host: exported ? `${service}.${NAMESPACE}.svc.clusterset.local` : service,
  };
}

/**
 * Starts `row`'s callee sidecar in its cluster (on the proxy core, its app the upstream), for a
 * gateway row that cluster's east-west gateway (on the proxy core too), and applies its resources:
 * the export first, then, once east imports it, east's TrafficPolicy, and waits until the caller
 * runs that revision (so a bus row never measures the HTTP path). Resolves to `{host, procs}`:
 * `procs` are the row's processes on the path besides the caller (their CPU is the hop's).
 */
export async function startPath(row, { clusters, caller, upstreamPort, core }) {
  const home = clusters[row.cluster];
  const gateway = row.gateway ? [await startEastWestGateway(home, { core })] : [];
  const callee = await startClusterSidecar(home, {
    service: row.service,
    appPort: upstreamPort,
    core,
  });
  const { callee: calleeResources, caller: callerResources, host } = pathResources(row);
  if (calleeResources.length) await applyResources(home, calleeResources);
  if (row.exported) await waitForImport(clusters.east, row.service, row.cluster);
  if (callerResources.length) {
    const { revision } = await applyResources(clusters.east, callerResources);
    await waitForAck(clusters.east, caller.instanceId, revision);
  }
  return { host, procs: [callee.proc, ...gateway] };
}
