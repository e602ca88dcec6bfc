// A proxy listener: a node:http server that also takes h2c prior knowledge (or, terminating TLS, a
// node:http2 one that also speaks HTTP/1.1; or, a workload's inbound, mutual TLS beside plaintext as
// its PeerAuthentication says) that makes one Exchange per request for its request path, counts
// in-flight requests and upgraded connections, holds to its limits, and drains gracefully.
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import {
  createServer as createH2cServer,
  createSecureServer,
  type Http2SecureServer,
  type Http2Session,
  type SecureServerOptions,
} from 'node:http2';
import type { SecureContext, SecureContextOptions, TLSSocket } from 'node:tls';
import type { EventEmitter } from 'node:events';
import { Socket, type AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { Exchange, type ExchangeOwner } from '../exchange.js';
import type { ExchangeHandler } from '../pipeline.js';
import type { AccessLog } from '../telemetry/access-log.js';
import { ExchangeNotes } from '../telemetry/exchange-notes.js';
import { endHttpSpan, type HopTracer } from '../telemetry/hop-tracer.js';
import { bodyBytesOf, CountedRequest } from './counted-request.js';
import {
  KNOWN_METHODS,
  methodIndex,
  protocolIndex,
  type TrafficEdge,
} from '../metrics/traffic-stats.js';
import { ProxyHttp2Request, ProxyHttp2Response } from './http2-compat.js';
import type { SniCertificates } from './sni-certificates.js';
import type { MeshTls } from '../upstream/mesh-tls.js';
import { sniffH2c } from './h2c-sniffer.js';
import { notePeer, peerOf, TLS_HANDSHAKE_RECORD, type InboundMtls } from './inbound-mtls.js';
import { FIRST_BYTES_TIMEOUT_MS } from '@app/protocol';
import { watchTlsHandshakes } from '@app/runtime';
import { ReasonCounter } from '../metrics/proxy-metrics.js';
import type { ConnectionGate, OverloadManager } from '../resilience/overload-manager.js';
import {
  applyHttp1Limits,
  DEFAULT_LISTENER_LIMITS,
  limitHttp2Session,
  type Http1Settings,
  type ListenerLimits,
} from './listener-limits.js';
import { clientErrorReply } from './client-error-reply.js';
import { shedWhenOverloaded } from '../resilience/overload-shedding.layer.js';

/** What the listener needs of its server, plain or TLS. */
type ProxyServer = Pick<
  Server,
  | 'listen'
  | 'close'
  | 'address'
  | 'closeIdleConnections'
  | 'closeAllConnections'
  | 'on'
  | 'once'
  | 'off'
  | 'emit'
  | 'maxConnections'
>;

/** The span attribute naming a request's verified caller (Istio's `source.principal`). */
const PEER_ATTRIBUTE = 'weft.source.principal';

export class HttpListener implements ExchangeOwner, ConnectionGate {
  private readonly server: ProxyServer;
  /** Terminates TLS: its requests' `url.scheme` is `https`. */
  private readonly tls: boolean;
  private inflight = 0;
  /** Requests in progress by method index (`KNOWN_METHODS`). */
  private readonly inflightByMethod = new Uint32Array(KNOWN_METHODS.length);
  private sockets = 0;
  private draining = false;
  private idle: (() => void) | undefined;
  /** Client sockets an Upgrade handed over: the server no longer tracks them. */
  private readonly upgraded = new Set<Socket>();
  /** A workload's inbound: its TLS server, once the workload holds a certificate. */
  private mtlsServer: ProxyServer | undefined;
  private limits: ListenerLimits = DEFAULT_LISTENER_LIMITS;
  private overload: OverloadManager | undefined;
  /** false while the overload manager refuses new connections. */
  private admitting = true;
  /** Connections refused or closed by a limit, by limit (`max_connections`, `overload`, `headers_timeout`). */
  readonly limited = new ReasonCounter();
  /**
   * An outbound listener of one workload of a node proxy: calls into the mesh present that
   * workload's certificate (undefined: the proxy's own).
   */
  callerTls: MeshTls | undefined = undefined;

  constructor(
    readonly name: string,
    private handler: ExchangeHandler,
    private readonly tracer: HopTracer,
    /** Where a request counts when the pipeline answered it before knowing its edge. */
    private readonly fallbackEdge: TrafficEdge,
    private readonly accessLog?: AccessLog,
    /** Terminate TLS with these (SNI picks one), offering h2 and http/1.1 by ALPN. */
    private certificates?: SniCertificates,
    /** A workload's inbound: mutual TLS and plaintext by its PeerAuthentication (mesh mode). */
    private readonly mtls?: InboundMtls,
  ) {
    this.tls = certificates !== undefined;
    const plain = createServer({ IncomingMessage: CountedRequest }, this.handle);
    const server = certificates ? this.secureServer(certificates, plain) : this.withH2c(plain);
    this.server = mtls ? this.withMtls(server, plain, mtls) : server;
    applyHttp1Limits(this.server as unknown as Http1Settings, this.limits);
    this.server.on('clientError', this.clientError);
    this.server.on('upgrade', this.upgrade);
    this.server.on('connect', this.connect);
    this.server.on('connection', (socket) => {
      this.sockets++;
      this.overload?.opened();
      socket.once('close', () => {
        this.sockets--;
        this.overload?.closed();
      });
    });
    // Refused at accept: the listener's own cap, or the whole proxy overloaded.
    this.server.on('drop', () =>
      this.limited.inc({ reason: this.admitting ? 'max_connections' : 'overload' }),
    );
  }

  /**
   * Holds the listener to `limits` (before it listens), and, with `overload`, refuses new
   * connections and sheds new requests while the overload manager says so.
   */
  limit(limits: ListenerLimits, overload?: OverloadManager): void {
    this.limits = limits;
    applyHttp1Limits(this.server as unknown as Http1Settings, limits);
    if (this.mtlsServer) this.limitInner(this.mtlsServer);
    this.admit(this.admitting);
    if (overload && !this.overload) this.handler = shedWhenOverloaded(overload, this.handler);
    this.overload = overload;
    overload?.add(this);
  }

  /** The overload manager's door: closed, every new connection is refused as it is accepted. */
  admit(open: boolean): void {
    this.admitting = open;
    const cap = this.limits.maxConnections;
    this.server.maxConnections = !open ? 0 : cap > 0 ? cap : Infinity;
  }

  /** Requests in progress. */
  get active(): number {
    return this.inflight;
  }

  /** Requests in progress by method, indexed as `KNOWN_METHODS`. */
  get activeByMethod(): ArrayLike<number> {
    return this.inflightByMethod;
  }

  get scheme(): 'http' | 'https' {
    return this.tls ? 'https' : 'http';
  }

  /** Client connections open. */
  get connections(): number {
    return this.sockets;
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /**
   * Drain: for `graceMs` keep answering (with `connection: close`) while callers learn we are
   * leaving, then stop accepting, close idle connections and wait for in-flight requests, at most
   * `timeoutMs` in all.
   */
  async drain(graceMs: number, timeoutMs: number): Promise<void> {
    this.draining = true;
    await sleep(Math.min(graceMs, timeoutMs));
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const idle =
      this.inflight === 0 ? Promise.resolve() : new Promise<void>((r) => (this.idle = r));
    await Promise.race([Promise.all([idle, closed]), sleep(Math.max(0, timeoutMs - graceMs))]);
    this.closeAllConnections();
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.closeAllConnections();
    });
  }

  private closeAllConnections(): void {
    this.server.closeAllConnections();
    for (const socket of this.upgraded) socket.destroy();
  }

  /** Malformed HTTP, or headers too slow: answer and keep serving everyone else. */
  private readonly clientError = (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') this.limited.inc({ reason: 'headers_timeout' });
    if (socket.writable) socket.end(clientErrorReply(err));
    else socket.destroy(err);
  };

  /**
   * Holds a server that never listens (the mTLS one, handed connections by the plaintext one) to
   * the listener's limits. Node checks headers timeouts on a timer it starts on `listening`: without
   * it a connection that trickles its headers after the handshake would be held forever.
   */
  private limitInner(server: ProxyServer): void {
    applyHttp1Limits(server as unknown as Http1Settings, this.limits);
    server.emit('listening');
  }

  /** New TLS handshakes use these; connections already open keep theirs. */
  setCertificates(certificates: SniCertificates): void {
    this.certificates = certificates;
    const { cert, key } = certificates.fallback;
    (this.server as unknown as Http2SecureServer).setSecureContext({ cert, key });
  }

  /**
   * HTTP/2 and HTTP/1.1 over TLS (ALPN), one request handler for both. Node's HTTP/2 server closes
   * only HTTP/1.1 connections on `closeIdleConnections` and has no `closeAllConnections`: both are
   * completed here, HTTP/2 sessions closing gracefully (GOAWAY, open streams finish).
   */
  private secureServer(
    initial: SniCertificates | undefined,
    plain: ProxyServer,
    /** Without SNI certificates (mutual TLS): the workload's certificate and client checks. */
    options: SecureServerOptions = {},
  ): ProxyServer {
    const server = createSecureServer({
      allowHTTP1: true,
      ...options,
      ...(initial && {
        cert: initial.fallback.cert,
        key: initial.fallback.key,
        SNICallback: (servername: string, done: (err: null, ctx: SecureContext) => void) =>
          done(null, this.certificates!.select(servername)),
      }),
      Http1IncomingMessage: CountedRequest,
      Http2ServerRequest: ProxyHttp2Request,
      Http2ServerResponse: ProxyHttp2Response,
    });
    // The plain server (never listened on) hands over its request handler: one request path.
    for (const handler of (plain as Server).listeners('request'))
      server.on('request', handler as never);
    const sockets = new Set<Socket>();
    const sessions = new Http2Sessions(server, () => this.limits);
    server.on('secureConnection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    // Present at run time since Node 18.2 (HTTP/1.1 connection tracking), missing from the types.
    const http1 = server as unknown as Pick<Server, 'closeIdleConnections'>;
    const closeIdleHttp1 = http1.closeIdleConnections.bind(server);
    return Object.assign(server, {
      closeIdleConnections: () => {
        closeIdleHttp1();
        sessions.close();
      },
      closeAllConnections: () => {
        for (const socket of sockets) socket.destroy();
      },
    }) as unknown as ProxyServer;
  }

  /**
   * HTTP/1.1 and h2c prior knowledge on one plaintext port: a connection's first bytes choose the
   * server it goes to. Node's HTTP/1.1 server takes a connection in its own `connection` listener,
   * moved here behind the sniffer, and is given the bytes read as data (its native read path stays
   * as it is); the HTTP/2 server reads them back from the socket.
   */
  private withH2c(plain: Server): ProxyServer {
    const h2c = createH2cServer({
      Http2ServerRequest: ProxyHttp2Request,
      Http2ServerResponse: ProxyHttp2Response,
    });
    h2c.on('request', this.handle as never);
    h2c.on('connect', this.handle as never);
    const sessions = new Http2Sessions(h2c, () => this.limits);
    const [http1] = plain.listeners('connection') as ((socket: Socket) => void)[];
    plain.removeListener('connection', http1);
    plain.on('connection', (socket: Socket) =>
      sniffH2c(socket, this.limits.headersTimeoutMs || FIRST_BYTES_TIMEOUT_MS, (isH2c, head) => {
        if (this.mtls && !this.mtlsAdmits(socket, isH2c, head)) return;
        if (isH2c) {
          socket.pause();
          socket.unshift(head);
          h2c.emit('connection', socket);
        } else {
          http1.call(plain, socket);
          socket.emit('data', head);
        }
      }),
    );
    const closeIdleHttp1 = plain.closeIdleConnections.bind(plain);
    const closeAllHttp1 = plain.closeAllConnections.bind(plain);
    return Object.assign(plain, {
      closeIdleConnections: () => {
        closeIdleHttp1();
        sessions.close();
      },
      closeAllConnections: () => {
        closeAllHttp1();
        sessions.destroy();
      },
    });
  }

  /**
   * A workload's inbound: the plaintext server (HTTP/1.1 and h2c) listens, and a connection whose
   * first byte opens a TLS handshake goes to a TLS 1.3 server that requires a client certificate
   * chaining to the trust bundle and offers h2 and http/1.1 by ALPN (`mtlsAdmits`). That server
   * takes the workload's certificate whenever it changes, for new handshakes only.
   */
  private withMtls(server: ProxyServer, plain: Server, mtls: InboundMtls): ProxyServer {
    let secure: ProxyServer | undefined;
    const take = (context: SecureContextOptions): void => {
      if (secure) return (secure as unknown as Http2SecureServer).setSecureContext(context);
      secure = this.secureServer(undefined, plain, {
        ...context,
        requestCert: true,
        rejectUnauthorized: true,
      });
      secure.on('upgrade', this.upgrade);
      secure.on('clientError', this.clientError);
      this.limitInner(secure);
      secure.on('secureConnection', (socket: TLSSocket) => {
        // The chain was verified; a certificate that names no workload is no peer.
        if (!notePeer(socket)) mtls.refuse(this.name, socket, 'not_a_workload');
      });
      if (mtls.failures) watchTlsHandshakes(secure, this.name, mtls.failures);
      this.mtlsServer = secure;
    };
    if (mtls.secureContext) take(mtls.secureContext);
    mtls.on('certificate', take);
    const closeIdle = server.closeIdleConnections.bind(server);
    const closeAll = server.closeAllConnections.bind(server);
    return Object.assign(server, {
      closeIdleConnections: () => {
        closeIdle();
        this.mtlsServer?.closeIdleConnections();
      },
      closeAllConnections: () => {
        closeAll();
        this.mtlsServer?.closeAllConnections();
      },
    });
  }

  /**
   * Whether the plaintext servers take a new connection, by its first bytes and the mode: TLS goes
   * to the mTLS server (refused under DISABLE, and until the workload holds a certificate);
   * plaintext is refused under STRICT. A refused connection is closed, and counted with its reason.
   */
  private mtlsAdmits(socket: Socket, isH2c: boolean, head: Buffer): boolean {
    const mtls = this.mtls!;
    if (!isH2c && head[0] === TLS_HANDSHAKE_RECORD) {
      if (mtls.mode === 'DISABLE') mtls.refuse(this.name, socket, 'tls_disabled');
      else if (!this.mtlsServer) mtls.refuse(this.name, socket, 'no_certificate_yet');
      else {
        socket.pause();
        socket.unshift(head);
        this.mtlsServer.emit('connection', socket);
      }
      return false;
    }
    if (mtls.mode !== 'STRICT') return true;
    mtls.refuse(this.name, socket, 'plaintext');
    return false;
  }

  /**
   * An Upgrade request (WebSocket) runs the same request path with a response bound to its socket:
   * routing, limits and local replies as for any request, and it counts once, as its final status
   * (101 while the tunnel lasts, until the socket closes). Any answer but 101 ends the connection,
   * which the HTTP parser has let go of.
   */
  private readonly upgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    // Bytes the client sent after its headers belong to the tunnel.
    if (head.length > 0) socket.unshift(head);
    this.upgraded.add(socket);
    socket.once('close', () => this.upgraded.delete(socket));
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    res.once('finish', () => res.statusCode === 101 || socket.end());
    this.handle(req, res);
  };

  /**
   * CONNECT: HTTP/1.1 hands over the socket, as for an Upgrade; HTTP/2 a stream's response. Either
   * way it runs the request path, which refuses it (405) and ends the connection or stream.
   */
  private readonly connect = (
    req: IncomingMessage,
    to: Socket | ServerResponse,
    head?: Buffer,
  ): void => {
    if (to instanceof Socket) this.upgrade(req, to, head ?? Buffer.alloc(0));
    else this.handle(req, to);
  };

  /**
   * One request, with this listener's metrics, span, access log and drain accounting: the server's
   * requests, and those a bus responder hands over with the caller's verified identity (`peer`).
   * Its Exchange goes down the request path.
   */
  readonly handle = (req: IncomingMessage, res: ServerResponse, peer?: string): void => {
    const arrivedAt = performance.now();
    const span = this.tracer.server(req, this.name);
    const notes = this.accessLog?.begin() ? new ExchangeNotes() : undefined;
    const method = methodIndex(req.method);
    this.inflight++;
    this.inflightByMethod[method]++;
    // Node only says `connection: close` on the last answer maxRequestsPerSocket allows: close it.
    if (this.draining || (res as LimitedResponse).maxRequestsOnConnectionReached)
      res.shouldKeepAlive = false;
    const ex = new Exchange(this, req, res, span, notes, method, arrivedAt);
    ex.callerTls = this.callerTls;
    const verified = peer ?? peerOf(req);
    if (verified !== undefined) {
      ex.peer = verified;
      span.setAttribute(PEER_ATTRIBUTE, verified);
    }
    this.handler(ex);
  };

  /** The exchange's response closed: its count, status, span and access log record. */
  finished(ex: Exchange): void {
    const { req, res } = ex;
    this.inflight--;
    this.inflightByMethod[ex.method]--;
    const ms = performance.now() - ex.arrivedAt;
    // 0: the client got no complete answer.
    const status = res.writableFinished ? res.statusCode : 0;
    const protocol = protocolIndex(req.httpVersion, this.tls);
    (ex.edge ?? this.fallbackEdge).record(req.method, status, ms, protocol);
    endHttpSpan(ex.span, status, SpanKind.SERVER);
    if (ex.notes) this.logAccess(ex, status, ms, ex.notes);
    if (this.inflight === 0) this.idle?.();
  }

  private logAccess(ex: Exchange, status: number, durationMs: number, notes: ExchangeNotes): void {
    const req = ex.req;
    notes.bytesIn = bodyBytesOf(req);
    this.accessLog!.write(
      {
        time: Date.now(),
        traceId: ex.span.spanContext().traceId,
        listener: this.name,
        method: req.method ?? '',
        host: req.headers.host ?? '',
        path: req.url ?? '',
        status,
        durationMs,
        sourcePrincipal: ex.peer ?? '',
      },
      notes,
    );
  }
}

/**
 * A server's open HTTP/2 sessions, which Node's `closeIdleConnections` leaves alone, each held to
 * the listener's limits.
 */
class Http2Sessions {
  private readonly open = new Set<Http2Session>();

  constructor(server: EventEmitter, limits: () => ListenerLimits) {
    server.on('session', (session: Http2Session) => {
      this.open.add(session);
      session.once('close', () => this.open.delete(session));
      limitHttp2Session(session, limits());
    });
  }

  /** Gracefully: GOAWAY, streams in progress finish. */
  close(): void {
    for (const session of this.open) session.close();
  }

  destroy(): void {
    for (const session of this.open) session.destroy();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** What Node's HTTP/1.1 server marks on the last response a connection may serve. */
interface LimitedResponse {
  readonly maxRequestsOnConnectionReached?: boolean;
}
