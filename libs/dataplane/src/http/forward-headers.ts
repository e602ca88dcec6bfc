// Request headers for the upstream hop: hop-by-hop ones dropped (RFC 9110 §7.6.1), x-forwarded-* set.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Exchange } from '../exchange.js';
import type { StepOutcome } from '../pipeline.js';
import type { ExchangePolicy } from '../routing/route-table.js';

/** Never forwarded. `expect` is answered by this hop's server, and undici refuses it. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

/**
 * `<namespace>/<service>` of the calling proxy, for the callee's traffic edges. Set only by an
 * outbound proxy: whatever an app or an outside caller sent is dropped at every hop.
 */
export const CALLER_HEADER = 'x-weft-caller';

/**
 * Rewritten below: `x-forwarded-*` from the request's values (other `x-forwarded-*` headers pass
 * through), `traceparent` naming this hop's client span (`tracestate` passes through), the caller.
 */
const REWRITTEN = new Set([
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'traceparent',
  CALLER_HEADER,
]);

/** What nearly every `Connection` header says: no header name beyond those dropped anyway. */
const PLAIN_CONNECTION = /^\s*(keep-alive|close)\s*$/i;

/** Header names a `Connection` header lists are hop-by-hop too (none to build for the usual ones). */
function connectionListed(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined || (typeof value === 'string' && PLAIN_CONNECTION.test(value)))
    return undefined;
  const joined = Array.isArray(value) ? value.join(',') : value;
  return new Set(joined.split(',').map((t) => t.trim().toLowerCase()));
}

/**
 * Flat `[name, value, …]` list from the raw headers (case and order kept), minus hop-by-hop ones,
 * with this hop appended to `x-forwarded-for`, `x-forwarded-proto`/`-host` set when absent,
 * `traceparent` naming this hop's client span, and `x-weft-caller` set to `caller` (none for '').
 */
export function upstreamRequestHeaders(
  req: IncomingMessage,
  proto: 'http' | 'https',
  traceparent: string,
  caller: string,
): string[] {
  const raw = req.rawHeaders;
  const listed = connectionListed(req.headers.connection);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(lower) || listed?.has(lower) || REWRITTEN.has(lower)) {
      // `TE: trailers` (the one TE HTTP/2 allows) says the client takes trailers: gRPC needs it.
      if (lower !== 'te' || raw[i + 1].trim().toLowerCase() !== 'trailers') continue;
    }
    out.push(raw[i], raw[i + 1]);
  }
  const peer = req.socket.remoteAddress ?? 'unknown';
  const prior = req.headers['x-forwarded-for'];
  out.push('x-forwarded-for', prior ? `${String(prior)}, ${peer}` : peer);
  out.push('x-forwarded-proto', firstValue(req.headers['x-forwarded-proto']) ?? proto);
  const host = firstValue(req.headers['x-forwarded-host']) ?? req.headers.host;
  if (host) out.push('x-forwarded-host', host);
  out.push('traceparent', traceparent);
  if (caller) out.push(CALLER_HEADER, caller);
  return out;
}

/**
 * A try's upstream headers: the forwarded set (`upstreamRequestHeaders`), then URLRewrite's host,
 * then RequestHeaderModifier.
 */
export function upstreamHeaders(
  req: IncomingMessage,
  policy: ExchangePolicy,
  traceparent: string,
  caller: string,
): string[] {
  const headers = upstreamRequestHeaders(req, 'http', traceparent, caller);
  const hosted = policy.hostRewrite ? replaceHost(headers, policy.hostRewrite) : headers;
  return policy.requestHeaders ? policy.requestHeaders.applyToFlat(hosted) : hosted;
}

/** Step of an edge listener: its own scheme, not what the client claims, is `x-forwarded-proto`. */
export function edgeScheme(scheme: 'http' | 'https'): (ex: Exchange) => StepOutcome {
  return (ex) => {
    ex.req.headers['x-forwarded-proto'] = scheme;
    return 'next';
  };
}

/** The flat list with every Host entry replaced by `host` (URLRewrite hostname). */
export function replaceHost(flat: readonly string[], host: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i].toLowerCase() !== 'host') out.push(flat[i], flat[i + 1]);
  }
  out.push('host', host);
  return out;
}

/** Response headers for the downstream hop, minus hop-by-hop ones. */
export function downstreamResponseHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const listed = connectionListed(headers.connection);
  const out: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || listed?.has(name)) continue;
    out[name] = headers[name];
  }
  return out;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
