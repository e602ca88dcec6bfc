// The compiled, immutable routing table: host → ordered matches → weighted backend clusters.
import type { IncomingHttpHeaders } from 'node:http';
import type { Cluster } from '../upstream/cluster.js';
import type { HeaderMatcher } from './header-matcher.js';
import { MatchIndex } from './match-index.js';
import type { HTTPPathModifier, HTTPRequestRedirectFilter } from '@app/protocol';
import type { HeaderModifier } from '../filters/header-modifier.js';
import type { PathMatcher } from './path-matcher.js';
import type { QueryMatcher } from './query-matcher.js';
import type { GatewayRoutes } from './gateway-routes.js';

/** A backend of a rule; `cluster` is undefined when the reference resolves to no Service. */
export interface WeightedBackend {
  readonly name: string;
  readonly cluster: Cluster | undefined;
  /** The backendRef's port (metrics' `server.port`); undefined when it names none. */
  readonly port?: number;
  /** Running total of weights up to and including this backend. */
  readonly cumulativeWeight: number;
  /** The policy of a request sent to it, when it has filters of its own (else its rule's). */
  readonly policy?: ExchangePolicy;
}

/** When a backend answer is retried: these codes, this many more times, this long apart at least. */
export interface RetryPolicy {
  readonly codes: ReadonlySet<number>;
  readonly attempts: number;
  readonly backoffMs: number;
}

/** What the forwarder does to one exchange: timeouts, retries, header/host rewrites. */
export interface ExchangePolicy {
  /**
   * Per try (`backendRequest`, else `request`, else the default): from when the try has a
   * connection until its answer begins (Envoy's per-try timeout, which stops counting once the
   * response has started downstream).
   */
  readonly timeoutMs: number;
  /**
   * `timeouts.request`: the whole exchange, from when the request is routed until the response is
   * complete, body included (Envoy's route timeout): every try, retry and backoff within it. 0 or
   * unset for none.
   */
  readonly requestTimeoutMs?: number;
  readonly retry?: RetryPolicy;
  readonly requestHeaders?: HeaderModifier;
  readonly responseHeaders?: HeaderModifier;
  /** URLRewrite hostname: the Host the upstream sees. */
  readonly hostRewrite?: string;
}

/** A mirror target: the cluster, and the share of requests sent to it (0–100). */
export interface CompiledMirror {
  readonly cluster: Cluster | undefined;
  readonly percent: number;
}

export interface CompiledRoute extends ExchangePolicy {
  /** `HTTPRoute/<ns>/<name>#<rule>` or `default/<ns>/<service>`: for logs and metrics. */
  readonly name: string;
  readonly backends: readonly WeightedBackend[];
  readonly totalWeight: number;
  readonly pathRewrite?: HTTPPathModifier;
  readonly redirect?: HTTPRequestRedirectFilter;
  readonly mirrors: readonly CompiledMirror[];
}

export interface CompiledMatch {
  readonly path: PathMatcher;
  readonly method: string | undefined;
  readonly headers: readonly HeaderMatcher[];
  readonly query: readonly QueryMatcher[];
  readonly route: CompiledRoute;
}

export class VirtualHost {
  private readonly index: MatchIndex;
  private readonly request = new MatchRequest();

  /** `matches` must already be in Gateway API precedence order. */
  constructor(
    readonly service: string,
    matches: readonly CompiledMatch[],
    /**
     * The Service ports some route is bound to (parentRef `port`), each with its own host; any
     * other port is served by this one.
     */
    private readonly ports?: ReadonlyMap<number, VirtualHost>,
  ) {
    this.index = new MatchIndex(matches);
  }

  /** The host of requests to Service port `port`. */
  forPort(port: number): VirtualHost {
    return this.ports?.get(port) ?? this;
  }

  /** The first match in precedence order; `query` is the raw query string (without `?`). */
  resolve(
    path: string,
    query: string,
    method: string,
    headers: IncomingHttpHeaders,
  ): CompiledMatch | undefined {
    const request = this.request;
    request.method = method;
    request.headers = headers;
    request.query = query;
    const found = this.index.find(path, fitsRequest, request);
    request.headers = NO_HEADERS;
    request.params = undefined;
    return found;
  }
}

const NO_HEADERS: IncomingHttpHeaders = {};

/**
 * What a lookup checks a match against besides the path. One per host, reused: a lookup runs start
 * to end at once, and a request's objects are let go when it ends.
 */
class MatchRequest {
  method = '';
  headers: IncomingHttpHeaders = NO_HEADERS;
  query = '';
  /** The query parsed, the first time a match has query conditions. */
  params: URLSearchParams | undefined = undefined;
}

/** Whether `m`'s method, header and query conditions hold for the request (its path matched). */
function fitsRequest(m: CompiledMatch, request: MatchRequest): boolean {
  if (m.method !== undefined && m.method !== request.method) return false;
  // Indexed loops, as in MatchIndex.find: no iterator per lookup.
  const headers = m.headers;
  for (let i = 0; i < headers.length; i++) if (!headers[i](request.headers)) return false;
  const query = m.query;
  if (query.length === 0) return true;
  const params = (request.params ??= new URLSearchParams(request.query));
  for (let i = 0; i < query.length; i++) if (!query[i](params)) return false;
  return true;
}

export class RouteTable {
  static readonly EMPTY = new RouteTable(0, new Map());

  constructor(
    readonly revision: number,
    private readonly hosts: ReadonlyMap<string, VirtualHost>,
    /** An edge router's Gateway listeners and their routes; undefined for other proxies. */
    readonly gateway?: GatewayRoutes,
  ) {}

  /**
   * `host` is lower-case and without port; `port` is the Service port the request is for (without
   * one: the host of the ports no route is bound to).
   */
  host(host: string, port?: number): VirtualHost | undefined {
    const vhost = this.hosts.get(host);
    return port === undefined ? vhost : vhost?.forPort(port);
  }

  get hostCount(): number {
    return this.hosts.size;
  }
}

/**
 * Picks a backend by weight. `null` when every weight is zero; a backend with no cluster means an
 * unresolved reference (Gateway API: such requests get a 500).
 */
export function pickBackend(
  route: CompiledRoute,
  random: number = Math.random(),
): WeightedBackend | null {
  if (route.totalWeight === 0) return null;
  const target = random * route.totalWeight;
  for (const backend of route.backends) {
    if (target < backend.cumulativeWeight) return backend;
  }
  return route.backends[route.backends.length - 1];
}
