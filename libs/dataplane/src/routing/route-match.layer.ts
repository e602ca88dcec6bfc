// Pipeline layer: the request's virtual host and its first matching rule; without either, 404 no_route.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendLocalReply } from '../http/local-reply.js';
import type { RequestTarget } from '../http/request-target.js';
import type { CompiledMatch, RouteTable, VirtualHost } from './route-table.js';

/** How a listener finds a request's virtual host in the table: by mesh name, or by Gateway listener port. */
export type HostSelector = (table: RouteTable, host: string) => VirtualHost | undefined;

/** A mesh listener's selector: the Service names of the table. */
export const MESH_HOSTS: HostSelector = (table, host) => table.host(host);

/** The rule `req` matches in Gateway API precedence order, or undefined once 404 is sent. */
export function matchRoute(
  table: RouteTable,
  hosts: HostSelector,
  target: RequestTarget,
  req: IncomingMessage,
  res: ServerResponse,
): CompiledMatch | undefined {
  const vhost = hosts(table, target.host);
  if (!vhost) {
    sendLocalReply(res, 'no_route', `no route for host "${target.host}"`);
    return undefined;
  }
  const method = req.method ?? 'GET';
  const match = vhost.resolve(target.path, target.query, method, req.headers);
  if (!match) {
    const message = `no route of ${vhost.service} matches ${method} ${target.path}`;
    sendLocalReply(res, 'no_route', message);
  }
  return match;
}
