// Pipeline layer, first on every listener: requests no upstream should see are answered here (400,
// or 405 for CONNECT), so a client's mistake never reaches an app nor counts against an endpoint.
import type { IncomingMessage } from 'node:http';
import type { Exchange } from '../exchange.js';
import type { StepOutcome } from '../pipeline.js';
import { CountedRequest } from './counted-request.js';
import { isValidAuthority } from './host-syntax.js';
import { sendLocalReply } from './local-reply.js';

/** What a 405 offers instead of CONNECT (RFC 9110 §15.5.6: a 405 lists what the target allows). */
const ALLOW = 'GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, PATCH';
/** How much of a bad Host a message quotes. */
const QUOTED = 64;

/**
 * Step: refuses CONNECT (405: a mesh proxy opens no tunnels), a request line of any version but
 * HTTP/1.0 and 1.1 on an HTTP/1 connection (`GET / HTTP/2.0` is no HTTP/2 request), the
 * asterisk form (`OPTIONS *` asks about this hop, which forwards it nowhere), more than one Host
 * (RFC 9112 §3.2), a Host that is no `host[:port]`, and an HTTP/1.1 request without Host (400).
 */
export function refuseMalformed(ex: Exchange): StepOutcome {
  const why = malformation(ex.req);
  if (why === undefined) return 'next';
  if (why === CONNECT) {
    sendLocalReply(ex.res, 'method_not_allowed', CONNECT, undefined, { allow: ALLOW });
  } else {
    ex.res.shouldKeepAlive = false;
    sendLocalReply(ex.res, 'bad_request', why);
  }
  return 'answered';
}

const CONNECT = 'CONNECT is not proxied: the mesh opens no tunnels';

/** Why the request is malformed, or undefined when it is not. */
export function malformation(req: IncomingMessage): string | undefined {
  if (req.method === 'CONNECT') return CONNECT;
  const version = req.httpVersion;
  // Requests of the HTTP/1 parser (HTTP/2 ones have no request line; the bus's say 1.1).
  const http1 = req instanceof CountedRequest;
  if (http1 && version !== '1.1' && version !== '1.0')
    return `HTTP/${version} is no HTTP/1 version: HTTP/2 has no request line (use prior knowledge or ALPN)`;
  if (req.url === '*')
    return 'the asterisk-form target ("OPTIONS *") asks about this hop and is not forwarded';
  const raw = req.rawHeaders;
  let hosts = 0;
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 4 && name.toLowerCase() === 'host') {
      hosts++;
      host = raw[i + 1];
    }
  }
  if (hosts > 1) return `${hosts} Host headers: a request names one host (RFC 9112 §3.2)`;
  // An absolute-form target replaces the Host header (RFC 9112 §3.2.2): its value does not matter.
  if (host !== undefined && req.url?.charCodeAt(0) === 47 /* / */ && !isValidAuthority(host))
    return `Host ${JSON.stringify(host.slice(0, QUOTED))} is not a host[:port]`;
  // A bus call is no HTTP/1.1 message: it names its destination by subject, with or without Host.
  if (host === undefined && http1 && version === '1.1')
    return 'HTTP/1.1 request without a Host header (RFC 9112 §3.2)';
  return undefined;
}
