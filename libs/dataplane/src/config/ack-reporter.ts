// Publishes a proxy's ACK/NACK of each config revision on `weft.v1.proxy.<proxyId>.ack`.
import {
  encode,
  PROTOCOL_VERSION,
  type ProxyAck,
  type ProxyMode,
  type Subjects,
} from '@app/protocol';
import type { NatsConnection } from '@nats-io/transport-node';

export interface ProxyIdentity {
  readonly proxyId: string;
  readonly mode: ProxyMode;
  readonly namespace: string;
  readonly service: string;
}

export class AckReporter {
  constructor(
    private readonly subjects: Subjects,
    private readonly identity: ProxyIdentity,
  ) {}

  report(nc: NatsConnection, revision: number, error?: string): void {
    const ack: ProxyAck = {
      v: PROTOCOL_VERSION,
      ...this.identity,
      revision,
      status: error === undefined ? 'ACK' : 'NACK',
      error,
      sentAt: Date.now(),
    };
    nc.publish(this.subjects.proxyAck(this.identity.proxyId), encode(ack));
  }
}
