// The process's NATS connection as an injectable: connecting in the background, closed on shutdown.
import type { NatsConnection } from '@nats-io/transport-node';
import { EventEmitter } from 'node:events';
import type { CommonEnv } from './env.js';
import type { Logger } from './logger.js';
import { connectNats, type NatsLinkState } from './nats-connector.js';

/**
 * Emits `disconnect` and `reconnect` as the link to NATS drops and comes back. Connects on first
 * use, so a process that never needs NATS (a standalone proxy) never dials it.
 */
export class NatsClient extends EventEmitter<
  Record<NatsLinkState, []> & { connect: [nc: NatsConnection] }
> {
  private connecting: Promise<NatsConnection> | undefined;
  private nc: NatsConnection | undefined;
  private linked = false;

  constructor(
    private readonly env: CommonEnv,
    private readonly name: string,
    private readonly log: Logger,
  ) {
    super();
  }

  /** Resolves once connected (retrying for as long as it takes). */
  get connection(): Promise<NatsConnection> {
    this.connecting ??= connectNats(this.env, this.name, this.log, (state) => {
      this.linked = state === 'reconnect';
      this.emit(state);
    }).then((nc) => {
      this.nc = nc;
      this.linked = true;
      this.emit('connect', nc);
      return nc;
    });
    return this.connecting;
  }

  /** The connection once established; undefined before (callers then skip or wait). */
  get current(): NatsConnection | undefined {
    return this.nc;
  }

  /**
   * Publishes only while linked to a server, else returns false: while the client reconnects it
   * buffers every publish without bound, which telemetry must never make it do.
   */
  tryPublish(subject: string, payload: Uint8Array): boolean {
    const nc = this.nc;
    if (!nc || !this.linked || nc.isClosed()) return false;
    try {
      nc.publish(subject, payload);
      return true;
    } catch {
      return false;
    }
  }

  /** Nest calls this on shutdown for every provider that has it. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /** Flushes what was published, then closes. */
  async close(): Promise<void> {
    if (!this.nc || this.nc.isClosed()) return;
    await this.nc.flush().catch(() => undefined);
    await this.nc.close();
  }
}
