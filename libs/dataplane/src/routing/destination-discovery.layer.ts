// Pipeline layer: a host the table does not know, at a proxy that follows only its destinations, is
// read first (RouteTableHolder.discover); the request then starts over, once.
import type { Exchange } from '../exchange.js';
import type { StepOutcome } from '../pipeline.js';
import type { RouteTableHolder } from './route-table-holder.js';
import type { HostSelector } from './route-match.layer.js';

/**
 * Step: holds a request whose host must be read first ('held'; `startOver` then routes it again
 * from the top); every other request goes on.
 */
export function destinationDiscovery(
  routes: RouteTableHolder,
  hosts: HostSelector,
  startOver: (ex: Exchange) => void,
): (ex: Exchange) => StepOutcome {
  return (ex) => {
    // Proxies that follow the whole bucket set no `discover`: one property read, no lookup.
    if (ex.discovered || !routes.discover) return 'next';
    const host = ex.target!.host;
    if (hosts(routes.current, host)) return 'next';
    const lookup = routes.discover(host);
    if (!lookup) return 'next';
    ex.discovered = true;
    void lookup.then(() => startOver(ex));
    return 'held';
  };
}
