// HTTP/2 requests and responses shaped like HTTP/1.1 ones, so the one request pipeline serves both:
// `:authority` becomes `host`, pseudo-headers stay off the forwarded list, no reason phrases.
import {
  Http2ServerRequest,
  Http2ServerResponse,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { chunkBytes } from './counted-request.js';

/**
 * A request body arrives as DATA frames, with no `content-length` or `transfer-encoding` needed;
 * the forwarder sends a body only where one of them says so, so a body without a length is
 * marked chunked here, which is what it becomes on the HTTP/1.1 hop upstream.
 */
export class ProxyHttp2Request extends Http2ServerRequest {
  /** Body bytes received (see CountedRequest): Node's stream hands each DATA frame to `push`. */
  bodyBytes = 0;

  constructor(
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    options: ConstructorParameters<typeof Http2ServerRequest>[2],
    rawHeaders: string[],
  ) {
    const authority = headers[':authority'];
    if (headers.host === undefined && authority !== undefined) {
      headers.host = authority;
      rawHeaders.push('host', authority);
    }
    if (
      !stream.endAfterHeaders &&
      headers['content-length'] === undefined &&
      headers['transfer-encoding'] === undefined
    ) {
      headers['transfer-encoding'] = 'chunked';
    }
    // Pseudo-headers (`:method`, `:path`, …) are not headers to forward.
    for (let i = rawHeaders.length - 2; i >= 0; i -= 2) {
      if (rawHeaders[i].charCodeAt(0) === 58 /* : */) rawHeaders.splice(i, 2);
    }
    super(stream, headers, options, rawHeaders);
  }

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    this.bodyBytes += chunkBytes(chunk, encoding);
    return super.push(chunk, encoding);
  }
}

export class ProxyHttp2Response extends Http2ServerResponse<ProxyHttp2Request> {
  /** HTTP/2 has no reason phrase (RFC 9113 §8.3.2); Node warns when given one. */
  override writeHead(
    statusCode: number,
    statusMessageOrHeaders?: string | OutgoingHttpHeaders | readonly string[],
    headers?: OutgoingHttpHeaders | readonly string[],
  ): this {
    if (typeof statusMessageOrHeaders === 'string') return super.writeHead(statusCode, headers);
    return super.writeHead(statusCode, statusMessageOrHeaders);
  }
}

// As `ServerResponse.destroyed`, which the pipeline reads to skip work for a gone client: Node's
// HTTP/2 response lacks it at run time (its types claim it, hence no class accessor).
Object.defineProperty(ProxyHttp2Response.prototype, 'destroyed', {
  get(this: Http2ServerResponse): boolean {
    return this.stream.destroyed;
  },
});
