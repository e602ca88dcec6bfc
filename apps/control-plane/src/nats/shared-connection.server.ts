// Nest's NATS transport on the process's one NATS connection, so handlers and KV share its fate.
import type { NatsConnection } from '@nats-io/transport-node';
import { ServerNats, type NatsOptions } from '@nestjs/microservices';
import type { NatsClient } from '@app/runtime';

/**
 * With one connection, "disconnected" means one thing: the registry's expiry pause (driven by
 * NatsClient) then covers exactly the time heartbeats could not arrive.
 */
export class SharedConnectionNatsServer extends ServerNats {
  constructor(
    private readonly shared: NatsClient,
    options: NatsOptions['options'],
  ) {
    super(options ?? {});
  }

  override createNatsClient(): Promise<NatsConnection> {
    return this.shared.connection;
  }

  /**
   * Nest first tries `JSON.parse` on every message's subject (patterns may be JSON objects); for a
   * NATS subject that throws, and at 10,000 heartbeats a second the throw alone cost a tenth of
   * the control plane's CPU. Only a subject that opens like an object is worth that attempt.
   */
  protected override getRouteFromPattern(pattern: string): string {
    return pattern.startsWith('{')
      ? super.getRouteFromPattern(pattern)
      : this.normalizePattern(pattern);
  }
}
