// Builds a Service's virtual host from the HTTPRoutes attached to it (GAMMA): one per Service port a
// route is bound to, and a consumer's routes instead of the producer's for callers in its namespace.
import {
  attachedServicePort,
  isConsumerRoute,
  serviceKey,
  type HTTPRoute,
  type Service,
} from '@app/protocol';
import { VirtualHost, type CompiledMatch } from './route-table.js';

/** A route bound to one Service, on every port or on some. */
interface Binding {
  readonly route: HTTPRoute;
  readonly consumer: boolean;
  /** The Service ports it is bound to; undefined: all of them. */
  readonly ports: ReadonlySet<number> | undefined;
}

/** What a Service's host is built from, with the compiler's own helpers. */
export interface ServiceHostSources<T extends CompiledMatch> {
  readonly namespace: string;
  readonly name: string;
  /** Its Service resource, when there is one (the ports a parentRef may name). */
  readonly service: Service | undefined;
  /** Every route; those whose parentRefs name this Service are bound to it. */
  readonly routes: readonly HTTPRoute[];
  /** The namespace of the callers this table serves: consumer routes of another are not theirs. */
  readonly callerNamespace: string;
  /** One route's matches (called at most once per route). */
  readonly compile: (route: HTTPRoute) => T[];
  readonly byPrecedence: (a: T, b: T) => number;
  /** The Service's own route when no route is bound to a port (straight to its endpoints). */
  readonly fallback: () => T;
}

/**
 * The Service's host. GEP-1294: a route in the Service's namespace (producer) applies to every
 * caller; one in another namespace (consumer) only to callers of that namespace, and for them it
 * replaces the producer's routes (merged among themselves, never with the producer's). A parentRef
 * with a `port` binds the route to that Service port only (GEP-957); which group applies is decided
 * per port, as route presence is per Service and port.
 */
export function compileServiceHost<T extends CompiledMatch>(
  src: ServiceHostSources<T>,
): VirtualHost {
  const bindings = bindingsOf(src);
  const compiled = new Map<HTTPRoute, T[]>();
  const matchesOf = (route: HTTPRoute): T[] => {
    let matches = compiled.get(route);
    if (!matches) compiled.set(route, (matches = src.compile(route)));
    return matches;
  };
  const hostFor = (port: number | undefined, ports?: ReadonlyMap<number, VirtualHost>) => {
    const applies = bindings.filter(
      (b) => b.ports === undefined || (port !== undefined && b.ports.has(port)),
    );
    const consumer = applies.filter((b) => b.consumer);
    const chosen = consumer.length > 0 ? consumer : applies;
    const matches = chosen.flatMap((b) => matchesOf(b.route)).sort(src.byPrecedence);
    return new VirtualHost(src.name, matches.length > 0 ? matches : [src.fallback()], ports);
  };
  const explicit = new Set(bindings.flatMap((b) => [...(b.ports ?? [])]));
  if (explicit.size === 0) return hostFor(undefined);
  const ports = new Map([...explicit].map((port) => [port, hostFor(port)]));
  return hostFor(undefined, ports);
}

/**
 * The routes bound to the Service that this table's callers see: the producer's, and consumers'
 * from the callers' namespace. A parentRef naming a port the Service does not have binds nothing
 * (the control plane reports it Accepted=False).
 */
function bindingsOf<T extends CompiledMatch>(src: ServiceHostSources<T>): Binding[] {
  const key = serviceKey(src.namespace, src.name);
  const out: Binding[] = [];
  for (const route of src.routes) {
    const consumer = isConsumerRoute(route, src.namespace);
    if (consumer && route.metadata.namespace !== src.callerNamespace) continue;
    let all = false;
    const ports = new Set<number>();
    for (const parent of route.spec.parentRefs) {
      if ((parent.kind ?? 'Gateway') !== 'Service') continue;
      if (serviceKey(parent.namespace ?? route.metadata.namespace, parent.name) !== key) continue;
      const port = attachedServicePort(parent, src.service);
      if (port === 'all') all = true;
      else if (port !== 'none') ports.add(port);
    }
    if (all || ports.size > 0) out.push({ route, consumer, ports: all ? undefined : ports });
  }
  return out;
}
