// Matches no request can reach: an identical match of the same Service wins by Gateway API precedence.
import { serviceKey } from '@app/protocol';
import type { HTTPRoute, HTTPRouteMatch } from '@app/protocol';

/** One shadowed match of a route on one Service (`ns/name`), described for a condition message. */
export interface Shadowed {
  readonly service: string;
  readonly text: string;
}

interface MatchEntry {
  readonly route: HTTPRoute;
  readonly ruleIndex: number;
}

/**
 * Matches that tie with an earlier one on the same Service: identical path, method, headers and
 * query parameters. The data plane breaks such ties as Gateway API says (oldest route, then
 * namespace/name; Weft keeps no creation time), then by rule order within a route.
 * `routes` must be sorted by namespace/name already.
 */
export function shadowedMatches(routes: readonly HTTPRoute[]): Map<HTTPRoute, Shadowed[]> {
  const winners = new Map<string, MatchEntry>();
  const result = new Map<HTTPRoute, Shadowed[]>();
  for (const route of routes) {
    for (const service of new Set(serviceParents(route))) {
      route.spec.rules.forEach((rule, ruleIndex) => {
        const matches: readonly HTTPRouteMatch[] = rule.matches?.length ? rule.matches : [{}];
        matches.forEach((match, matchIndex) => {
          const id = `${service} ${matchKey(match)}`;
          const winner = winners.get(id);
          if (!winner) {
            winners.set(id, { route, ruleIndex });
            return;
          }
          if (winner.route === route && winner.ruleIndex === ruleIndex) return;
          const by =
            winner.route === route
              ? `rule ${winner.ruleIndex} of this route (the first rule wins)`
              : `HTTPRoute/${routeOrder(winner.route)} rule ${winner.ruleIndex} (the route first by namespace/name wins)`;
          const text = `rule ${ruleIndex} match ${matchIndex} (${describeMatch(match)}) is shadowed by an identical match of ${by} and receives no traffic`;
          result.set(route, [...(result.get(route) ?? []), { service, text }]);
        });
      });
    }
  }
  return result;
}

/** `ns/name` of every Service the route attaches to (GAMMA); Gateway parents have no Service. */
function serviceParents(route: HTTPRoute): string[] {
  return route.spec.parentRefs
    .filter((p) => (p.kind ?? 'Gateway') === 'Service')
    .map((p) => `${p.namespace ?? route.metadata.namespace}/${p.name}`);
}

/**
 * What makes two matches equal for the data plane: a PathPrefix ignores one trailing slash, header
 * names ignore case, and the order of headers and query parameters does not matter.
 */
function matchKey(match: HTTPRouteMatch): string {
  const type = match.path?.type ?? 'PathPrefix';
  const raw = match.path?.value ?? '/';
  const path = type === 'PathPrefix' && raw.endsWith('/') ? raw.slice(0, -1) : raw;
  const headers = (match.headers ?? [])
    .map((h) => `${h.type ?? 'Exact'}:${h.name.toLowerCase()}=${h.value}`)
    .sort();
  const query = (match.queryParams ?? [])
    .map((q) => `${q.type ?? 'Exact'}:${q.name}=${q.value}`)
    .sort();
  return JSON.stringify([type, path, match.method ?? '', headers, query]);
}

function describeMatch(match: HTTPRouteMatch): string {
  const parts = [`${match.path?.type ?? 'PathPrefix'} ${match.path?.value ?? '/'}`];
  if (match.method) parts.push(match.method);
  const headers = match.headers?.length ?? 0;
  if (headers > 0) parts.push(`${headers} header match${headers === 1 ? '' : 'es'}`);
  const query = match.queryParams?.length ?? 0;
  if (query > 0) parts.push(`${query} query match${query === 1 ? '' : 'es'}`);
  return parts.join(', ');
}

export function routeOrder(route: HTTPRoute): string {
  return serviceKey(route.metadata.namespace, route.metadata.name);
}
