// Pipeline layer: a host the table does not know, at a proxy that follows only its destinations, is
// read first (its DestinationDiscovery: DestinationSync.discover); the request then starts over, once.
import type { IncomingMessage, ServerResponse } from 'node:http';
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
}

/** Routes a request again from the top, after its host's destination was read. */
export type StartOver = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * True when the request waits for its host to be read (`again` then takes it); false: go on.
 * Proxies that follow the whole bucket pass no `discovery`: one check, no lookup.
 */
export function heldForDiscovery(
  discovery: DestinationDiscovery | undefined,
  routes: RouteTableHolder,
  hosts: HostSelector,
  host: string,
  req: IncomingMessage,
  res: ServerResponse,
  again: StartOver,
): boolean {
  if (!discovery || hosts(routes.current, host)) return false;
  const lookup = discovery.discover(host);
  if (!lookup) return false;
  void lookup.then(() => again(req, res));
  return true;
}
