// The endpoints HTTP callers here get for the instances other clusters export through their
// east-west gateways: each instance at its cluster's gateway, with the server name that names it
// there and its own service account (the caller still checks the instance's identity end to end).
import { eastWestSni, endpointsKey, type EndpointEntry } from '@app/protocol';
import type { ServiceImport } from './service-imports.js';

/** Endpoints key → the remote instances reached through gateways, over every import. */
export function gatewayEndpoints(imports: readonly ServiceImport[]): Map<string, EndpointEntry[]> {
  const byKey = new Map<string, EndpointEntry[]>();
  for (const imp of imports) {
    const { gateway } = imp;
    if (!gateway) continue;
    const key = endpointsKey(imp.namespace, imp.service);
    const entries = byKey.get(key) ?? [];
    for (const e of imp.endpoints) {
      // A plaintext or unmeshed instance cannot end the caller's mTLS; another cluster's (already
      // through a gateway) is not this exporter's to offer.
      if (e.plaintext || e.unmeshed || e.sni !== undefined) continue;
      const { cluster, namespace, service } = imp;
      entries.push({
        ...e,
        cluster,
        address: gateway.address,
        port: gateway.port,
        sni: eastWestSni({ instanceId: e.instanceId, service, namespace, cluster }),
      });
    }
    byKey.set(key, entries);
  }
  return byKey;
}
