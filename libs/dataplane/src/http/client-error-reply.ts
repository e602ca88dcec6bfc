// What a listener answers on a connection Node's HTTP parser gave up on: the usual JSON local reply,
// as raw bytes (no request object stands for it), then the connection closes.
import { rawLocalReply } from './local-reply.js';

/** The reply to a `clientError`: 408 for headers too slow, 431 for headers too large, else 400. */
export function clientErrorReply(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return rawLocalReply('request_timeout', 'the request headers did not arrive in time');
    case 'HPE_HEADER_OVERFLOW':
      return rawLocalReply('headers_too_large', 'the request headers are too large');
    default:
      return rawLocalReply('bad_request', `malformed HTTP request (${err.code ?? err.message})`);
  }
}
