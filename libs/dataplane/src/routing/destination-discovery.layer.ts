// Pipeline layer: a host the table does not know, at a proxy that follows only its destinations, is
// read first (its DestinationDiscovery: DestinationSync.discover); the request then starts over, once.
import type { Exchange } from '../exchange.js';
import type { StepOutcome } from '../pipeline.js';
import type { RouteTableHolder } from './route-table-holder.js';
import type { HostSelector } from './route-match.layer.js';

/**
 * What a proxy that follows only its destinations does for a host its table does not know: its
 * ConfigFollower, DestinationSync.discover (sidecars, node proxies; routers pass none).
 */
export interface DestinationDiscovery {
  /**
   * Reads the destination `host` names and resolves once the table has it (or gives up); undefined
   * when there is nothing to read.
   */
  discover(host: string): Promise<void> | undefined;
  /** A request for a host the table knows: it keeps the host's destination followed. */
  called(host: string): void;
}

/**
 * Step: holds a request whose host must be read first ('held'; `startOver` then routes it again
 * from the top); every other request goes on.
 */
export function destinationDiscovery(
  /** Proxies that follow the whole bucket pass none: one check, no lookup. */
  discovery: DestinationDiscovery | undefined,
  routes: RouteTableHolder,
  hosts: HostSelector,
  startOver: (ex: Exchange) => void,
): (ex: Exchange) => StepOutcome {
  return (ex) => {
    if (ex.discovered || !discovery) return 'next';
    const { host, port } = ex.target!;
    if (hosts(routes.current, host, port)) {
      discovery.called(host);
      return 'next';
    }
    const lookup = discovery.discover(host);
    if (!lookup) return 'next';
    ex.discovered = true;
    void lookup.then(() => startOver(ex));
    return 'held';
  };
}
