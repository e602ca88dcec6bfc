// A dispatcher for one TLS origin that speaks what ALPN picks, as Envoy's auto_config does: HTTP/2 on
// Weft's node:http2 client (trailers intact) when the server chooses `h2`, else HTTP/1.1 on a pool.
import { isIP } from 'node:net';
import { connect, type ConnectionOptions, type SecureContext } from 'node:tls';
import { buildConnector, Pool, type Dispatcher } from 'undici';
import { H2Client } from './h2-client.js';
import { connectionOptions, type UpstreamTls } from './upstream-tls.js';

type Delegate = Pick<Dispatcher, 'dispatch'> & { close(): Promise<void> };
type Waiting = readonly [Dispatcher.DispatchOptions, Dispatcher.DispatchHandler];

export class TlsOriginClient {
  /** The protocol's client once the first handshake chose it; kept for the origin's life. */
  private chosen: Delegate | undefined;
  /** Requests that arrived during the first handshake. */
  private waiting: Waiting[] = [];
  private negotiating = false;
  /** HTTP/1.1 pool, also where waiting requests go when the handshake failed: it reports why. */
  private http1: Pool | undefined;
  /** undici's connector for the pool, and the mesh certificate it presents (rebuilt on renewal). */
  private connector:
    | { readonly connect: buildConnector.connector; readonly context: SecureContext | undefined }
    | undefined;

  constructor(
    /** `https://host:port` */
    private readonly origin: string,
    private readonly tls: UpstreamTls,
    /** Settings of the HTTP/1.1 pool (connection limits); its TLS settings are added here. */
    private readonly poolOptions: Pool.Options,
    private readonly idleMs: number,
    /** Offered by ALPN; without `h2` no handshake is spent negotiating: HTTP/1.1 on the pool. */
    private readonly alpn: readonly string[] = ['h2', 'http/1.1'],
  ) {
    if (!alpn.includes('h2')) this.chosen = this.pool();
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    // undici names each request's TLS server after its Host header and reconnects when that
    // changes; one name for every request keeps the connections (the connector sets the real one).
    (options as { servername?: string }).servername = this.origin;
    if (this.chosen) return this.chosen.dispatch(options, handler);
    this.waiting.push([options, handler]);
    if (!this.negotiating) this.negotiate();
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([this.chosen?.close(), this.http1?.close()]);
  }

  /** One handshake offering `h2` and `http/1.1`; an `h2` connection becomes the first session's. */
  private negotiate(): void {
    this.negotiating = true;
    const socket = connect({ ...this.connectOptions(), ALPNProtocols: [...this.alpn] });
    const failed = (): void => {
      // Nothing chosen: the next request negotiates again; these learn the cause from the pool.
      this.negotiating = false;
      this.flush(this.pool());
    };
    socket.once('error', failed);
    socket.once('secureConnect', () => {
      socket.off('error', failed);
      // The HTTP/2 session reports later errors; until it listens, none may go unhandled.
      socket.on('error', () => undefined);
      if (socket.alpnProtocol === 'h2') {
        this.chosen = new H2Client(this.origin, this.idleMs, () => this.connectOptions(), socket);
      } else {
        socket.destroy();
        this.chosen = this.pool();
      }
      this.flush(this.chosen);
    });
  }

  private flush(to: Delegate): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const [options, handler] of waiting) to.dispatch(options, handler);
  }

  private pool(): Pool {
    if (!this.http1) {
      this.http1 = new Pool(this.origin, {
        ...this.poolOptions,
        // The configured server name, not the one the request carries (see dispatch).
        connect: (options, callback) =>
          this.currentConnector()({ ...options, servername: undefined }, callback),
      });
    }
    return this.http1;
  }

  /** The pool's connector for the current settings: a renewed mesh certificate makes a new one. */
  private currentConnector(): buildConnector.connector {
    const context = this.tls.secureContext?.();
    if (!this.connector || this.connector.context !== context) {
      this.connector = { connect: buildConnector(this.connectOptions()), context };
    }
    return this.connector.connect;
  }

  /** The TLS settings with the server name: the configured one, else the address unless an IP. */
  private connectOptions(): ConnectionOptions {
    const { hostname, port } = new URL(this.origin);
    const host = hostname.replace(/^\[|\]$/g, '');
    const servername = this.tls.servername ?? (isIP(host) ? undefined : host);
    return { host, port: Number(port), servername, ...connectionOptions(this.tls) };
  }
}
