// Pipeline layer: the request's virtual host and its first matching rule; without either, 404 no_route.
import type { Exchange } from '../exchange.js';
import { sendLocalReply } from '../http/local-reply.js';
import type { StepOutcome } from '../pipeline.js';
import type { RouteTable, VirtualHost } from './route-table.js';
import type { RouteTableHolder } from './route-table-holder.js';

/**
 * How a listener finds a request's virtual host in the table: by mesh name and Service port, or by
 * Gateway listener port.
 */
export type HostSelector = (
  table: RouteTable,
  host: string,
  port: number,
) => VirtualHost | undefined;

/** A mesh listener's selector: the Service names of the table, and the port the request is for. */
export const MESH_HOSTS: HostSelector = (table, host, port) => table.host(host, port);

/**
 * Step: the rule the request matches in Gateway API precedence order, in the table current when
 * the request is routed (read once); its route's policy governs the exchange from here.
 */
export function routeMatch(
  routes: RouteTableHolder,
  hosts: HostSelector,
  /** What a host the table does not know gets first (a sidecar's passthrough); 'next': 404. */
  unknownHost?: (ex: Exchange) => StepOutcome,
): (ex: Exchange) => StepOutcome {
  return (ex) => {
    const target = ex.target!;
    const vhost = hosts(routes.current, target.host, target.port);
    if (!vhost) {
      const outcome = unknownHost?.(ex);
      if (outcome !== undefined && outcome !== 'next') return outcome;
      sendLocalReply(ex.res, 'no_route', `no route for host "${target.host}"`);
      return 'answered';
    }
    const method = ex.req.method ?? 'GET';
    const match = vhost.resolve(target.path, target.query, method, ex.req.headers);
    if (!match) {
      const message = `no route of ${vhost.service} matches ${method} ${target.path}`;
      sendLocalReply(ex.res, 'no_route', message);
      return 'answered';
    }
    ex.match = match;
    ex.route = match.route;
    ex.policy = match.route;
    return 'next';
  };
}
