// How an HTTPRoute attaches to a Gateway's listeners (Gateway API): sectionName and port, the
// namespaces a listener admits, and the intersection of listener and route hostnames.
import type { Gateway, Listener } from './gateway.dto.js';
import type { HTTPRoute, ParentReference } from './http-route.dto.js';

export interface ListenerAttachment {
  readonly listener: Listener;
  /** The hostnames this route serves on this listener; empty: every host. */
  readonly hostnames: readonly string[];
}

/** Gateway API's reasons for `Accepted=False` that attachment can give. */
export type AttachmentRefusal =
  'NoMatchingParent' | 'NotAllowedByListeners' | 'NoMatchingListenerHostname';

export type Attachment =
  | { readonly ok: true; readonly listeners: readonly ListenerAttachment[] }
  | { readonly ok: false; readonly reason: AttachmentRefusal; readonly message: string };

/** The listeners of `gateway` that `route` attaches to through `parent`, or why it attaches to none. */
export function attachRoute(
  route: HTTPRoute,
  parent: ParentReference,
  gateway: Gateway,
): Attachment {
  const label = `Gateway ${gateway.metadata.namespace}/${gateway.metadata.name}`;
  let candidates = gateway.spec.listeners;
  if (parent.sectionName !== undefined) {
    candidates = candidates.filter((l) => l.name === parent.sectionName);
    if (candidates.length === 0)
      return refuse('NoMatchingParent', `${label} has no listener "${parent.sectionName}"`);
  }
  if (parent.port !== undefined) {
    candidates = candidates.filter((l) => l.port === parent.port);
    if (candidates.length === 0)
      return refuse('NoMatchingParent', `${label} has no listener on port ${parent.port}`);
  }
  const allowed = candidates.filter((l) => admitsNamespace(l, gateway, route));
  if (allowed.length === 0) {
    return refuse(
      'NotAllowedByListeners',
      `${label}: listeners ${names(candidates)} admit no routes from namespace ${route.metadata.namespace}`,
    );
  }
  const routeHosts = route.spec.hostnames ?? [];
  const listeners = allowed.flatMap((listener) => {
    const hostnames = intersectHostnames(listener.hostname, routeHosts);
    return hostnames ? [{ listener, hostnames }] : [];
  });
  if (listeners.length === 0) {
    const hosts = allowed.map((l) => `${l.name}: ${l.hostname ?? '*'}`).join(', ');
    return refuse(
      'NoMatchingListenerHostname',
      `${label}: no hostname of the route intersects a listener's (${hosts})`,
    );
  }
  return { ok: true, listeners };
}

/**
 * Gateway API hostname intersection: the hostnames a route serves on a listener; undefined when
 * they do not intersect; empty when neither sets one (every host).
 */
export function intersectHostnames(
  listener: string | undefined,
  route: readonly string[],
): string[] | undefined {
  if (route.length === 0) return listener === undefined ? [] : [listener];
  if (listener === undefined) return [...new Set(route)];
  const out = new Set<string>();
  for (const host of route) {
    if (hostnameCovers(listener, host)) out.add(host);
    else if (hostnameCovers(host, listener)) out.add(listener);
  }
  return out.size > 0 ? [...out] : undefined;
}

/**
 * True when `pattern` takes every name `name` stands for. A wildcard `*.example.com` is a suffix
 * match of one label or more: `a.example.com`, `a.b.example.com`, `*.b.example.com`, never
 * `example.com`.
 */
export function hostnameCovers(pattern: string, name: string): boolean {
  if (pattern === name) return true;
  if (!pattern.startsWith('*.')) return false;
  const suffix = pattern.slice(1);
  return name.length > suffix.length && name.endsWith(suffix);
}

/**
 * How precise a listener hostname is, for choosing among listeners that share a port: an exact name
 * beats any wildcard, a longer wildcard beats a shorter one, no hostname comes last.
 */
export function hostnamePrecision(hostname: string | undefined): number {
  if (hostname === undefined) return -1;
  return hostname.startsWith('*.') ? hostname.length : 1_000 + hostname.length;
}

function admitsNamespace(listener: Listener, gateway: Gateway, route: HTTPRoute): boolean {
  const from = listener.allowedRoutes?.namespaces?.from ?? 'Same';
  return from === 'All' || route.metadata.namespace === gateway.metadata.namespace;
}

function names(listeners: readonly Listener[]): string {
  return listeners.map((l) => l.name).join(', ');
}

function refuse(reason: AttachmentRefusal, message: string): Attachment {
  return { ok: false, reason, message };
}
