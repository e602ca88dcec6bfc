// What authorization reads of one request: the verified peer, method, normalized path, Host and
// headers. One instance per listener is refilled for each request (evaluation is synchronous), so
// deciding allocates nothing.
import type { IncomingHttpHeaders } from 'node:http';

const SPIFFE_SCHEME = 'spiffe://';
const NS_SEGMENT = '/ns/';

export class AuthzRequest {
  /** The peer's SPIFFE ID (mTLS certificate, or the bus subject's caller); undefined: none verified. */
  peer: string | undefined = undefined;
  /** Where Istio's principal form (`<trust-domain>/ns/<ns>/sa/<sa>`) starts in `peer`. */
  principalStart = 0;
  /** The peer's namespace is `peer` from `nsStart` to `nsEnd`; `nsStart` -1: none. */
  nsStart = -1;
  nsEnd = -1;
  method = '';
  /** The normalized request target (path and query); the path is its first `pathEnd` characters. */
  target = '/';
  pathEnd = 1;
  /** The Host header (`:authority`) as sent, port included; '' when none. */
  host = '';
  headers: IncomingHttpHeaders = {};

  /** Fills the view for one request. */
  set(
    peer: string | undefined,
    method: string,
    target: string,
    pathEnd: number,
    host: string,
    headers: IncomingHttpHeaders,
  ): this {
    this.peer = peer;
    this.method = method;
    this.target = target;
    this.pathEnd = pathEnd;
    this.host = host;
    this.headers = headers;
    this.principalStart = 0;
    this.nsStart = -1;
    this.nsEnd = -1;
    if (peer !== undefined) {
      if (peer.startsWith(SPIFFE_SCHEME)) this.principalStart = SPIFFE_SCHEME.length;
      const ns = peer.indexOf(NS_SEGMENT, this.principalStart);
      if (ns !== -1) {
        const start = ns + NS_SEGMENT.length;
        const end = peer.indexOf('/', start);
        this.nsStart = start;
        this.nsEnd = end === -1 ? peer.length : end;
      }
    }
    return this;
  }
}
