// Builds an edge router's per-port host tables from its Gateway and the HTTPRoutes attached to it.
import {
  attachRoute,
  hostnameCovers,
  hostnamePrecision,
  type Gateway,
  type HTTPRoute,
  type Listener,
} from '@app/protocol';
import { ANY_HOST, GatewayRoutes, HostTable } from './gateway-routes.js';
import { VirtualHost, type CompiledMatch } from './route-table.js';

/**
 * `compile` turns one route into its matches (called once per route, whatever it attaches to);
 * `byPrecedence` orders the matches of one host. A request goes to the listener of its port whose
 * hostname is the most precise match (Gateway API), so a route's hostname is served on a listener
 * only where no more precise listener of the same port also takes it.
 */
export function compileGatewayRoutes<T extends CompiledMatch>(
  gateway: Gateway,
  routes: readonly HTTPRoute[],
  compile: (route: HTTPRoute) => T[],
  byPrecedence: (a: T, b: T) => number,
): GatewayRoutes {
  const { name, namespace } = gateway.metadata;
  const byPort = new Map<number, Map<string, T[]>>();
  for (const listener of gateway.spec.listeners) byPort.set(listener.port, new Map());
  for (const route of routes) {
    let matches: T[] | undefined;
    const placed = new Set<string>();
    for (const parent of route.spec.parentRefs) {
      const isOurs =
        (parent.kind ?? 'Gateway') === 'Gateway' &&
        parent.name === name &&
        (parent.namespace ?? route.metadata.namespace) === namespace;
      if (!isOurs) continue;
      const attachment = attachRoute(route, parent, gateway);
      if (!attachment.ok) continue;
      for (const { listener, hostnames } of attachment.listeners) {
        for (const host of hostnames.length > 0 ? hostnames : [ANY_HOST]) {
          const key = `${listener.port} ${host}`;
          if (placed.has(key) || servingListener(gateway, listener.port, host) !== listener)
            continue;
          placed.add(key);
          matches ??= compile(route);
          const hosts = byPort.get(listener.port)!;
          hosts.set(host, [...(hosts.get(host) ?? []), ...matches]);
        }
      }
    }
  }
  const ports = new Map<number, HostTable>();
  for (const [port, hosts] of byPort) {
    const vhosts = new Map<string, VirtualHost>();
    for (const [host, matches] of hosts) {
      const label = `Gateway ${namespace}/${name} host ${host}`;
      vhosts.set(host, new VirtualHost(label, matches.sort(byPrecedence)));
    }
    ports.set(port, new HostTable(vhosts));
  }
  return new GatewayRoutes(gateway, ports);
}

/** The listener of `port` that takes requests for `host` (a name, a wildcard or any host). */
function servingListener(gateway: Gateway, port: number, host: string): Listener | undefined {
  let best: Listener | undefined;
  for (const listener of gateway.spec.listeners) {
    if (listener.port !== port) continue;
    const takes = listener.hostname === undefined || hostnameCovers(listener.hostname, host);
    if (takes && (!best || hostnamePrecision(listener.hostname) > hostnamePrecision(best.hostname)))
      best = listener;
  }
  return best;
}
