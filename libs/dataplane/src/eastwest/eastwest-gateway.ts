// The east-west gateway's listener: TLS passthrough routed by SNI. It reads a connection's
// ClientHello without terminating TLS, maps its server name to one exported instance of this
// cluster, and pipes the bytes both ways: mTLS runs end to end between the caller's proxy and the
// instance, which sees the caller's own identity. Plain `node:net`; nothing is decrypted here.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { parseEastWestSni } from '@app/protocol';
import { eventCounter, LogThrottle, stateGauge, type Logger } from '@app/runtime';
import { readClientHelloSni } from './client-hello-sni.js';
import type { ExportedInstances, InstanceAddress, Unroutable } from './exported-instances.js';

export interface EastWestGatewayLimits {
  /** Open connections at most (0: no limit, as WEFT_MAX_CONNECTIONS says); more are refused. */
  readonly maxConnections: number;
  /** Bytes held while waiting for a whole ClientHello (a real one is well under 2 KiB). */
  readonly maxHelloBytes: number;
  /** Time a new connection has to send its ClientHello. */
  readonly helloTimeoutMs: number;
  /** Time an instance has to accept the connection. */
  readonly connectTimeoutMs: number;
}

export const DEFAULT_EASTWEST_LIMITS: EastWestGatewayLimits = {
  maxConnections: 0,
  maxHelloBytes: 16 * 1024,
  helloTimeoutMs: 10_000,
  connectTimeoutMs: 5_000,
};

/** How a connection ended up: `routed`, or why it was refused. */
type Outcome =
  | 'routed'
  | 'not_tls'
  | 'no_sni'
  | 'unknown_sni'
  | 'hello_too_large'
  | 'hello_timeout'
  | 'upstream_unreachable'
  | Unroutable;

const connections = eventCounter(
  'weft_eastwest_connections_total',
  'Connections the east-west gateway took, by outcome (routed, or why it refused them)',
  '{connection}',
);
const bytes = eventCounter(
  'weft_eastwest_bytes_total',
  'Bytes the east-west gateway passed, by direction (to the instance, from it)',
  'By',
);
const active = stateGauge(
  'weft_eastwest_active_connections',
  'Connections the east-west gateway is passing now',
  '{connection}',
);

export class EastWestGateway {
  private readonly server: Server;
  private readonly open = new Set<Socket>();
  private readonly refusals = new LogThrottle(5, 60_000);

  constructor(
    private readonly table: ExportedInstances,
    private readonly log: Logger,
    private readonly limits: EastWestGatewayLimits = DEFAULT_EASTWEST_LIMITS,
  ) {
    this.server = createServer((socket) => this.accept(socket));
    this.server.maxConnections = limits.maxConnections > 0 ? limits.maxConnections : Infinity;
  }

  async listen(port: number, host?: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops taking connections; those open end on their own, or after `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    const timer = setTimeout(() => {
      for (const s of this.open) s.destroy();
    }, timeoutMs);
    await closed;
    clearTimeout(timer);
  }

  private accept(socket: Socket): void {
    new GatewayConnection(socket, this).start();
  }

  /** @internal the connection's hooks */
  opened(socket: Socket): void {
    this.open.add(socket);
    active.set(this.open.size);
  }

  /** @internal */
  closed(socket: Socket): void {
    this.open.delete(socket);
    active.set(this.open.size);
  }

  /** @internal */
  resolve(serverName: string): InstanceAddress | Outcome {
    const target = parseEastWestSni(serverName);
    return target ? this.table.resolve(target) : 'unknown_sni';
  }

  /** @internal */
  get settings(): EastWestGatewayLimits {
    return this.limits;
  }

  /** @internal counted when the instance accepted it (pooled connections stay open long). */
  routed(): void {
    connections.inc({ outcome: 'routed' });
  }

  /** @internal one access record per routed connection, when it ends; refusals at a bounded rate. */
  record(outcome: Outcome, fields: Record<string, unknown>): void {
    if (outcome === 'routed') {
      this.log.info({ outcome, ...fields }, 'east-west connection');
      return;
    }
    connections.inc({ outcome });
    const held = this.refusals.admit(outcome);
    if (held !== undefined)
      this.log.warn(
        { outcome, ...fields, ...(held > 0 && { held }) },
        'east-west connection refused',
      );
  }

  /** @internal */
  countBytes(toInstance: number, fromInstance: number): void {
    if (toInstance > 0) bytes.inc({ direction: 'to_instance' }, toInstance);
    if (fromInstance > 0) bytes.inc({ direction: 'from_instance' }, fromInstance);
  }
}

/** One caller's connection: its ClientHello read, then piped to the instance it names. */
class GatewayConnection {
  private hello: Buffer = Buffer.alloc(0);
  private timer: NodeJS.Timeout | undefined;
  private upstream: Socket | undefined;
  private serverName: string | undefined;
  private target: InstanceAddress | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly socket: Socket,
    private readonly gateway: EastWestGateway,
  ) {}

  start(): void {
    this.gateway.opened(this.socket);
    this.socket.on('data', this.onHello);
    this.socket.on('error', () => this.socket.destroy());
    this.socket.once('close', () => this.end());
    this.timer = setTimeout(
      () => this.refuse('hello_timeout'),
      this.gateway.settings.helloTimeoutMs,
    );
  }

  private readonly onHello = (chunk: Buffer): void => {
    this.hello = this.hello.length === 0 ? chunk : Buffer.concat([this.hello, chunk]);
    const read = readClientHelloSni(this.hello);
    if (read.state === 'incomplete') {
      if (this.hello.length > this.gateway.settings.maxHelloBytes) this.refuse('hello_too_large');
      return;
    }
    this.socket.off('data', this.onHello);
    this.socket.pause();
    clearTimeout(this.timer);
    if (read.state === 'not_tls') return this.refuse('not_tls');
    if (read.serverName === undefined) return this.refuse('no_sni');
    this.serverName = read.serverName;
    const target = this.gateway.resolve(read.serverName);
    if (typeof target === 'string') return this.refuse(target);
    this.pipeTo(target);
  };

  private pipeTo(target: InstanceAddress): void {
    this.target = target;
    const upstream = connect({ host: target.address, port: target.port, noDelay: true });
    this.upstream = upstream;
    upstream.setTimeout(this.gateway.settings.connectTimeoutMs, () => upstream.destroy());
    upstream.once('connect', () => {
      this.gateway.routed();
      upstream.setTimeout(0);
      upstream.write(this.hello);
      this.socket.pipe(upstream);
      upstream.pipe(this.socket);
      this.socket.resume();
    });
    upstream.on('error', () => undefined);
    upstream.once('close', () => {
      if (upstream.bytesWritten === 0) this.refuse('upstream_unreachable');
      else this.socket.destroy();
    });
  }

  private refuse(outcome: Outcome): void {
    clearTimeout(this.timer);
    if (this.socket.destroyed) return;
    this.gateway.record(outcome, this.fields());
    this.socket.destroy();
  }

  private end(): void {
    clearTimeout(this.timer);
    this.gateway.closed(this.socket);
    const upstream = this.upstream;
    if (!upstream || upstream.bytesWritten === 0) {
      upstream?.destroy();
      return;
    }
    upstream.destroy();
    // Counted as the caller sent them: the ClientHello and everything after it.
    const toInstance = upstream.bytesWritten;
    const fromInstance = upstream.bytesRead;
    this.gateway.countBytes(toInstance, fromInstance);
    this.gateway.record('routed', {
      ...this.fields(),
      bytesToInstance: toInstance,
      bytesFromInstance: fromInstance,
      durationMs: Date.now() - this.startedAt,
    });
  }

  private fields(): Record<string, unknown> {
    return {
      client: `${this.socket.remoteAddress}:${this.socket.remotePort}`,
      ...(this.serverName !== undefined && { sni: this.serverName.slice(0, 300) }),
      ...(this.target && { instance: `${this.target.address}:${this.target.port}` }),
    };
  }
}
