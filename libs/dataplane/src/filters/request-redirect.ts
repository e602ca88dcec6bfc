// Gateway API RequestRedirect: answers the client with a 3xx and a Location, the upstream untouched.
import type { ServerResponse } from 'node:http';
import type { HTTPRequestRedirectFilter } from '@app/protocol';
import { rewritePath } from './path-rewrite.js';

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443 };

export interface RedirectSource {
  readonly scheme: 'http' | 'https';
  /** Host header, port included when it had one. */
  readonly host: string;
  /**
   * The port of the listener the request came in on: a Gateway listener's own port at the edge;
   * in the mesh, where the listener stands for the Service, the Host's port (undefined: none).
   */
  readonly listenerPort: number | undefined;
  readonly path: string;
  readonly query: string;
}

/**
 * The Location for `from`. Gateway API's port rules: the filter's `port`; else, with a `scheme`,
 * that scheme's well-known port; else the listener's port. A scheme's well-known port is omitted.
 */
export function redirectLocation(
  spec: HTTPRequestRedirectFilter,
  from: RedirectSource,
  prefixLength: number,
): string {
  const scheme = spec.scheme ?? from.scheme;
  const [hostOnly] = splitHost(from.host);
  const hostname = spec.hostname ?? hostOnly;
  const port = spec.port ?? (spec.scheme ? DEFAULT_PORTS[spec.scheme] : from.listenerPort);
  const portPart = port && port !== DEFAULT_PORTS[scheme] ? `:${port}` : '';
  const path = spec.path
    ? rewritePath(spec.path, from.path, from.query, prefixLength)
    : `${from.path}${from.query ? `?${from.query}` : ''}`;
  return `${scheme}://${hostname}${portPart}${path}`;
}

/** The port a Host header names, if any. */
export function hostPort(host: string): number | undefined {
  return splitHost(host)[1];
}

export function sendRedirect(
  res: ServerResponse,
  spec: HTTPRequestRedirectFilter,
  location: string,
): void {
  res.writeHead(spec.statusCode ?? 302, { location, 'content-length': 0 });
  res.end();
}

function splitHost(host: string): [string, number | undefined] {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  return match ? [match[1], match[2] ? Number(match[2]) : undefined] : [host, undefined];
}
