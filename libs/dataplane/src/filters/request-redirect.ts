// Gateway API RequestRedirect: answers the client with a 3xx and a Location, the upstream untouched.
import type { ServerResponse } from 'node:http';
import type { HTTPRequestRedirectFilter } from '@app/protocol';
import { rewritePath } from './path-rewrite.js';

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443 };

export interface RedirectSource {
  readonly scheme: 'http' | 'https';
  /** Host header, port included when it had one. */
  readonly host: string;
  readonly path: string;
  readonly query: string;
}

/** The Location for `from`; an unspecified port is dropped when the scheme changes (Gateway API). */
export function redirectLocation(
  spec: HTTPRequestRedirectFilter,
  from: RedirectSource,
  prefixLength: number,
): string {
  const scheme = spec.scheme ?? from.scheme;
  const [hostOnly, hostPort] = splitHost(from.host);
  const hostname = spec.hostname ?? hostOnly;
  const port = spec.port ?? (spec.scheme && spec.scheme !== from.scheme ? undefined : hostPort);
  const portPart = port && port !== DEFAULT_PORTS[scheme] ? `:${port}` : '';
  const path = spec.path
    ? rewritePath(spec.path, from.path, from.query, prefixLength)
    : `${from.path}${from.query ? `?${from.query}` : ''}`;
  return `${scheme}://${hostname}${portPart}${path}`;
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
