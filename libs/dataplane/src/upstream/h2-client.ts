// An undici-style dispatcher for one HTTP/2 origin on node:http2 (h2c, or h2 over TLS): one session,
// requests multiplexed on it, trailers passed on (undici 7's HTTP/2 client ends a response before its
// trailers arrive on Node 20, which loses gRPC's status).
import {
  connect,
  constants,
  type ClientHttp2Session,
  type SecureClientSessionOptions,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import type { Duplex, Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

/** Connection-specific headers HTTP/2 forbids (RFC 9113 §8.2.2); node:http2 throws on them. */
const CONNECTION_SPECIFIC = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/** An h2c origin's sessions: no TLS settings. */
const NO_TLS = (): SecureClientSessionOptions => ({});

export class H2Client {
  private session: ClientHttp2Session | undefined;
  private closed = false;

  constructor(
    /** `http://…` for h2c, `https://…` for h2 over TLS. */
    private readonly origin: string,
    /** A session with no stream for this long is closed; the next request opens another. */
    private readonly idleMs: number,
    /** TLS settings of an `https:` origin for each new session (node:http2 offers ALPN `h2` itself). */
    private readonly tls: () => SecureClientSessionOptions = NO_TLS,
    /** A connection already open to the origin (one that negotiated `h2`), used by the first session. */
    private firstSocket?: Duplex,
  ) {}

  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    new H2Stream(this.current(), options, handler);
    return true;
  }

  /** Closes the session once its streams finish. */
  close(): Promise<void> {
    this.closed = true;
    const session = this.session;
    this.session = undefined;
    if (!session || session.closed) return Promise.resolve();
    return new Promise((resolve) => session.close(() => resolve()));
  }

  private current(): ClientHttp2Session {
    const open = this.session;
    if (open && !open.closed && !open.destroyed && !this.closed) return open;
    const socket = this.firstSocket;
    this.firstSocket = undefined;
    const tls = this.tls();
    const session = connect(this.origin, socket ? { ...tls, createConnection: () => socket } : tls);
    // Its streams report the failure; the next request opens a new session.
    session.on('error', () => undefined);
    const forget = (): void => {
      if (this.session === session) this.session = undefined;
    };
    session.once('close', forget);
    session.once('goaway', forget);
    session.setTimeout(this.idleMs, () => session.close());
    this.session = session;
    return session;
  }
}

/** One request on the session, reported to an undici handler; also its controller. */
class H2Stream implements Dispatcher.DispatchController {
  aborted = false;
  paused = false;
  reason: Error | null = null;
  private readonly stream: ClientHttp2Stream | undefined;
  private headersTimer: NodeJS.Timeout | undefined;
  private answered = false;
  private done = false;
  private trailers: IncomingHttpHeaders = {};

  constructor(
    session: ClientHttp2Session,
    options: Dispatcher.DispatchOptions,
    private readonly handler: Dispatcher.DispatchHandler,
  ) {
    handler.onRequestStart?.(this, {});
    if (this.aborted) return;
    const body = options.body as Readable | Buffer | string | null | undefined;
    const stream = session.request(requestHeaders(options), { endStream: body == null });
    this.stream = stream;
    const headersMs = options.headersTimeout ?? 0;
    if (headersMs > 0) {
      this.headersTimer = setTimeout(
        () => this.fail(codedError('UND_ERR_HEADERS_TIMEOUT', 'headers timeout')),
        headersMs,
      );
    }
    stream.once('response', (headers) => this.onResponse(headers, options.bodyTimeout ?? 0));
    stream.on('data', (chunk: Buffer) => this.handler.onResponseData?.(this, chunk));
    stream.once('trailers', (trailers: IncomingHttpHeaders) => {
      this.trailers = trailers;
    });
    stream.once('error', (error: NodeJS.ErrnoException) => this.fail(streamError(error)));
    // The answer is whole once its body was read to the end and the stream closed (trailers come
    // in between, or after the end: Node emits them a tick late).
    stream.once('end', this.onSettled);
    stream.once('close', this.onSettled);
    if (typeof body === 'string' || Buffer.isBuffer(body)) stream.end(body);
    else if (body) body.pipe(stream);
  }

  pause(): void {
    this.paused = true;
    this.stream?.pause();
  }

  resume(): void {
    this.paused = false;
    this.stream?.resume();
  }

  abort(reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.fail(reason);
  }

  private onResponse(headers: IncomingHttpHeaders, bodyTimeoutMs: number): void {
    clearTimeout(this.headersTimer);
    const status = Number(headers[':status']);
    if (status < 200) return;
    this.answered = true;
    for (const name in headers) if (name.charCodeAt(0) === 58 /* : */) delete headers[name];
    if (bodyTimeoutMs > 0) {
      this.stream!.setTimeout(bodyTimeoutMs, () =>
        this.fail(codedError('UND_ERR_BODY_TIMEOUT', 'body timeout')),
      );
    }
    this.handler.onResponseStart?.(this, status, headers, '');
  }

  private readonly onSettled = (): void => {
    const stream = this.stream!;
    if (this.done || !stream.closed) return;
    clearTimeout(this.headersTimer);
    if (this.answered && stream.readableEnded) {
      this.done = true;
      this.handler.onResponseEnd?.(this, this.trailers);
    } else if (stream.rstCode !== constants.NGHTTP2_NO_ERROR || !this.answered) {
      this.fail(codedError('UND_ERR_SOCKET', `stream closed (code ${stream.rstCode})`));
    }
    // Closed cleanly with body still buffered (paused): 'end' follows once it is read.
  };

  private fail(error: Error): void {
    clearTimeout(this.headersTimer);
    if (this.done) return;
    this.done = true;
    if (this.stream && !this.stream.closed) this.stream.close(constants.NGHTTP2_CANCEL);
    this.handler.onResponseError?.(this, error);
  }
}

/** The flat `[name, value, …]` list as HTTP/2 headers: `host` becomes `:authority`. */
function requestHeaders(options: Dispatcher.DispatchOptions): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ':method': options.method, ':path': options.path };
  const flat = (options.headers ?? []) as string[];
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i].toLowerCase();
    if (name === 'host') out[':authority'] = flat[i + 1];
    if (CONNECTION_SPECIFIC.has(name)) continue;
    const prior = out[name];
    out[name] =
      prior === undefined
        ? flat[i + 1]
        : ([] as string[]).concat(prior as string | string[], flat[i + 1]);
  }
  return out;
}

/** A stream's error, named as undici names them where the exchange tells them apart. */
function streamError(error: NodeJS.ErrnoException): Error {
  const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
  if (cause?.code) return cause;
  if (error.code === 'ERR_HTTP2_STREAM_ERROR') return codedError('UND_ERR_SOCKET', error.message);
  return error;
}

function codedError(code: string, message: string): Error {
  const error: NodeJS.ErrnoException = new Error(message);
  error.code = code;
  return error;
}
