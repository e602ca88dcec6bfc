// The process's NATS connection as an injectable: connecting in the background, closed on shutdown.
import type { NatsConnection } from '@nats-io/transport-node';
import { EventEmitter } from 'node:events';
import type { CommonEnv } from './env.js';
import type { Logger } from './logger.js';
import { connectNats, type NatsLinkState } from './nats-connector.js';

/** Emits `disconnect` and `reconnect` as the link to NATS drops and comes back. */
export class NatsClient extends EventEmitter<Record<NatsLinkState, []>> {
  readonly connection: Promise<NatsConnection>;
  private nc: NatsConnection | undefined;

  constructor(env: CommonEnv, name: string, log: Logger) {
    super();
    this.connection = connectNats(env, name, log, (state) => this.emit(state)).then(
      (nc) => (this.nc = nc),
    );
  }

  /** The connection once established; undefined before (callers then skip or wait). */
  get current(): NatsConnection | undefined {
    return this.nc;
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
