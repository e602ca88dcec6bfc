// Pipeline layer for a host the route table does not know: an IP address goes straight through to
// itself, unchanged (Istio's passthrough, MeshConfig outboundTrafficPolicy ALLOW_ANY), unless the
// mesh allows only registered destinations (REGISTRY_ONLY: 404 no_route) or it is this proxy's own
// listener (403 passthrough_denied). A name goes on to its 404 no_route.
import type { Exchange } from '../exchange.js';
import { sendLocalReply } from '../http/local-reply.js';
import type { StepOutcome } from '../pipeline.js';
import { isUpgrade } from '../upstream/upgrade-tunnel.js';
import type { OutboundTraffic } from './outbound-traffic.js';
import type { PassthroughForwarder } from './passthrough-forwarder.js';
import { isOwnEndpoint, passthroughAddress, type OwnEndpoints } from './passthrough-target.js';

/** What a sidecar or node proxy's outbound listener passes through with. */
export interface Passthrough {
  readonly traffic: OutboundTraffic;
  readonly own: OwnEndpoints;
  readonly forwarder: PassthroughForwarder;
}

/**
 * Step, run only for a host the table does not know: 'held' while passed through, 'answered' when
 * refused, 'next' for what it does not take (a name, an Upgrade).
 */
export function passthrough(p: Passthrough): (ex: Exchange) => StepOutcome {
  return (ex) => {
    const { host, port } = ex.target!;
    const address = passthroughAddress(host);
    if (address === undefined || isUpgrade(ex.req)) return 'next';
    if (p.traffic.registryOnly) {
      const message = `no Service covers ${host}:${port}, and the mesh passes requests only to registered destinations (MeshConfig outboundTrafficPolicy REGISTRY_ONLY)`;
      sendLocalReply(ex.res, 'no_route', message);
      return 'answered';
    }
    if (isOwnEndpoint(address, port, p.own)) {
      const message = `${host}:${port} is one of this proxy's own listeners: never passed through`;
      sendLocalReply(ex.res, 'passthrough_denied', message);
      return 'answered';
    }
    p.forwarder.forward(ex, address, port);
    return 'held';
  };
}
