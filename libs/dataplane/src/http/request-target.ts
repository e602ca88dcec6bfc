// Where a downstream request is going: host (from an absolute-form URL or the Host header) and path.
import type { IncomingMessage } from 'node:http';
import type { Exchange } from '../exchange.js';
import type { StepOutcome } from '../pipeline.js';
import { sendLocalReply } from './local-reply.js';

export interface RequestTarget {
  /** Lower-case, without port. */
  readonly host: string;
  /** Path without the query string, for matching. */
  readonly path: string;
  /** Query string without the `?` (empty when none). */
  readonly query: string;
  /** Origin-form request target (path and query) to send upstream. */
  readonly pathAndQuery: string;
}

/** Step: where the request goes; without a Host header or an absolute URL, 400 bad_request. */
export function readTarget(ex: Exchange): StepOutcome {
  ex.target = requestTarget(ex.req);
  if (ex.target) return 'next';
  const message = 'request has neither a Host header nor an absolute URL';
  sendLocalReply(ex.res, 'bad_request', message);
  return 'answered';
}

/** Parses `req`; undefined when it has neither an absolute URL nor a Host header. */
export function requestTarget(req: IncomingMessage): RequestTarget | undefined {
  const url = req.url ?? '/';
  // `HTTP_PROXY`-style clients send the absolute form: `GET http://reviews/x HTTP/1.1`.
  if (url.charCodeAt(0) !== 47 /* / */) return absoluteTarget(url);
  const host = req.headers.host;
  if (!host) return undefined;
  const q = url.indexOf('?');
  return {
    host: stripPort(host),
    path: q === -1 ? url : url.slice(0, q),
    query: q === -1 ? '' : url.slice(q + 1),
    pathAndQuery: url,
  };
}

function absoluteTarget(url: string): RequestTarget | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:') return undefined;
    return {
      host: parsed.hostname.toLowerCase(),
      path: parsed.pathname,
      query: parsed.search.slice(1),
      pathAndQuery: parsed.pathname + parsed.search,
    };
  } catch {
    return undefined;
  }
}

function stripPort(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.lastIndexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}
