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
}
