// gRPC's status on the HTTP path: a trailers-only answer's status moved to trailers.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** The headers a gRPC status is made of (PROTOCOL-HTTP2.md, "Trailers"). */
const STATUS_HEADERS = ['grpc-status', 'grpc-message', 'grpc-status-details-bin'] as const;

/**
 * Takes the gRPC status out of a response's headers, for sending as trailers: a trailers-only
 * answer (its HEADERS frame ended the stream) cannot stay one through this hop, whose response
 * headers go out before it knows the body is empty, and a gRPC client reads a status that arrives
 * in headers followed by an empty body as no status at all. Undefined when there is none.
 */
export function takeGrpcStatus(headers: IncomingHttpHeaders): OutgoingHttpHeaders | undefined {
  if (headers['grpc-status'] === undefined) return undefined;
  const trailers: OutgoingHttpHeaders = {};
  for (const name of STATUS_HEADERS) {
    if (headers[name] === undefined) continue;
    trailers[name] = headers[name];
    delete headers[name];
  }
  return trailers;
}
