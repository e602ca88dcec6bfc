// The process's NATS connection as an injectable: connecting in the background, closed on shutdown.
import type { NatsConnection } from '@nats-io/transport-node';
import type { CommonEnv } from './env.js';
import type { Logger } from './logger.js';
import { connectNats } from './nats-connector.js';

export class NatsClient {
  /** Nest calls this on shutdown for every provider that has it. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  readonly connection: Promise<NatsConnection>;
  private nc: NatsConnection | undefined;

  constructor(env: CommonEnv, name: string, log: Logger) {
    this.connection = connectNats(env, name, log).then((nc) => (this.nc = nc));
  }

  /** The connection once established; undefined before (callers then skip or wait). */
  get current(): NatsConnection | undefined {
    return this.nc;
  }

  /** Flushes what was published, then closes. */
  async close(): Promise<void> {
    if (!this.nc || this.nc.isClosed()) return;
    await this.nc.flush().catch(() => undefined);
    await this.nc.close();
  }
}
