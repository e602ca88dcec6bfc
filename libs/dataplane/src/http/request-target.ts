// Where a downstream request is going: host and port (from an absolute-form URL, which then replaces
// the Host header, or from the Host header) and path.
import type { IncomingMessage } from 'node:http';
import type { Exchange } from '../exchange.js';
import type { StepOutcome } from '../pipeline.js';
import { authorityHost, authorityPort, isValidAuthority } from './host-syntax.js';
import { sendLocalReply } from './local-reply.js';

export interface RequestTarget {
  /** Lower-case, without port. */
  readonly host: string;
  /** The port the authority names, else 80: the Service port a mesh request is for. */
  readonly port: number;
  /** Path without the query string, for matching. */
  readonly path: string;
  /** Query string without the `?` (empty when none). */
  readonly query: string;
  /** Origin-form request target (path and query) to send upstream. */
  readonly pathAndQuery: string;
}

/**
 * Step: where the request goes. An absolute-form target's authority becomes the request's Host
 * (RFC 9112 §3.2.2) for routing, the upstream and `x-forwarded-host`. Without a Host header or an
 * absolute http URL, 400 bad_request.
 */
export function readTarget(ex: Exchange): StepOutcome {
  const req = ex.req;
  const target = requestTarget(req);
  if (typeof target !== 'string') {
    ex.target = target;
    return 'next';
  }
  sendLocalReply(ex.res, 'bad_request', target);
  return 'answered';
}

/** Parses `req`'s target (see readTarget); a string says why it has none. */
export function requestTarget(req: IncomingMessage): RequestTarget | string {
  const url = req.url ?? '/';
  // `HTTP_PROXY`-style clients send the absolute form: `GET http://reviews/x HTTP/1.1`.
  if (url.charCodeAt(0) !== 47 /* / */) return absoluteTarget(req, url);
  const host = req.headers.host;
  if (!host) return 'request has neither a Host header nor an absolute URL';
  const q = url.indexOf('?');
  return {
    host: authorityHost(host),
    port: authorityPort(host),
    path: q === -1 ? url : url.slice(0, q),
    query: q === -1 ? '' : url.slice(q + 1),
    pathAndQuery: url,
  };
}

function absoluteTarget(req: IncomingMessage, url: string): RequestTarget | string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'the request target is neither a path nor an absolute URL';
  }
  if (parsed.protocol !== 'http:')
    return `absolute-form target of scheme ${JSON.stringify(parsed.protocol.slice(0, -1))}: only http is proxied`;
  const authority = parsed.host;
  if (!isValidAuthority(authority))
    return `the authority of the absolute-form target is not a host[:port]`;
  replaceHost(req, authority);
  return {
    host: authorityHost(authority),
    port: authorityPort(authority),
    path: parsed.pathname,
    query: parsed.search.slice(1),
    pathAndQuery: parsed.pathname + parsed.search,
  };
}

/** Makes `authority` the request's one Host, in its parsed and raw headers. */
function replaceHost(req: IncomingMessage, authority: string): void {
  req.headers.host = authority;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 4 && raw[i].toLowerCase() === 'host') {
      raw[i + 1] = authority;
      return;
    }
  }
  raw.push('Host', authority);
}
