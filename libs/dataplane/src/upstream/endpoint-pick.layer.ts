// Pipeline layer: the chosen Service's transport (a bus Service's stand-in; an upgrade goes direct)
// and the endpoint of the first try; a Service without a healthy endpoint answers 503 no_endpoints.
import type { Exchange } from '../exchange.js';
import type { BusRoutes } from '../bus/bus-routes.js';
import { sendLocalReply } from '../http/local-reply.js';
import type { StepOutcome } from '../pipeline.js';
import { isUpgrade } from './upgrade-tunnel.js';

/**
 * Step: the same routing decision either way; only the transport to the chosen Service differs.
 * The bus carries request/reply exchanges, not a socket to hand over: an upgrade goes direct.
 */
export function endpointPick(bus: BusRoutes | undefined): (ex: Exchange) => StepOutcome {
  return (ex) => {
    let cluster = ex.cluster!;
    if (bus && !isUpgrade(ex.req)) ex.cluster = cluster = bus.clusterFor(cluster.key) ?? cluster;
    ex.first = cluster.pick(undefined, ex.req.headers);
    if (ex.first) return 'next';
    sendLocalReply(ex.res, 'no_endpoints', `no healthy endpoints for ${cluster.key}`);
    return 'answered';
  };
}
