// Pipeline layer of an inbound listener: every request goes to the local application, counted by
// the calling service, untouched and with no timeout of its own.
import type { Exchange } from '../exchange.js';
import { CALLER_HEADER } from '../http/forward-headers.js';
import type { TrafficStats } from '../metrics/traffic-stats.js';
import type { StepOutcome } from '../pipeline.js';
import type { Cluster } from '../upstream/cluster.js';
import type { ExchangePolicy } from './route-table.js';

/**
 * The local application's exchange: no timeout (the caller's route timeout governs the exchange,
 * as Istio's inbound, so a long route is not cut at this hop), no rewrites.
 */
const LOCAL_APP: ExchangePolicy = { timeoutMs: 0 };

/**
 * Step: the request counts under the edge from its caller (`x-weft-caller`, which the caller's
 * proxy sets) to `destination`, and goes to `app`; with `h2cApp`, an HTTP/2 request goes to the app
 * over h2c (callers speak h2c to this hop only for a Service whose port says its app does).
 */
export function localApp(
  stats: TrafficStats,
  app: Cluster,
  h2cApp?: Cluster,
  /** The Service the app is an instance of (`<namespace>/<service>`): a node proxy's workload's. */
  destination?: string,
): (ex: Exchange) => StepOutcome {
  return (ex) => {
    const req = ex.req;
    const caller = req.headers[CALLER_HEADER];
    ex.edge = stats.inbound(typeof caller === 'string' ? caller : undefined, destination);
    if (ex.notes) ex.notes.upstream = app.key;
    ex.cluster = h2cApp && req.httpVersionMajor === 2 ? h2cApp : app;
    ex.policy = LOCAL_APP;
    ex.path = req.url ?? '/';
    return 'next';
  };
}
