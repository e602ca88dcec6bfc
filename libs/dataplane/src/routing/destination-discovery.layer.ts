// Pipeline layer: a host the table does not know, at a proxy that follows only its destinations, is
// read first (RouteTableHolder.discover); the request then starts over, once.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteTableHolder } from './route-table-holder.js';
import type { HostSelector } from './route-match.layer.js';

/** Routes a request again from the top, after its host's destination was read. */
export type StartOver = (req: IncomingMessage, res: ServerResponse) => void;

/** True when the request waits for its host to be read (`again` then takes it); false: go on. */
export function heldForDiscovery(
  routes: RouteTableHolder,
  hosts: HostSelector,
  host: string,
  req: IncomingMessage,
  res: ServerResponse,
  again: StartOver,
): boolean {
  // Proxies that follow the whole bucket set no `discover`: one property read, no lookup.
  if (!routes.discover || hosts(routes.current, host)) return false;
  const lookup = routes.discover(host);
  if (!lookup) return false;
  void lookup.then(() => again(req, res));
  return true;
}
