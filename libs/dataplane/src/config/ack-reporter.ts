// Publishes a proxy's ACK/NACK of each config revision on `weft.v1.proxy.<ns>.<service>.<proxyId>.ack`.
import {
  encode,
  PROTOCOL_VERSION,
  type ProxyAck,
  type ProxyMode,
  type Subjects,
  type TrustReport,
} from '@app/protocol';
import type { NatsConnection } from '@nats-io/transport-node';

export interface ProxyIdentity {
  readonly proxyId: string;
  readonly mode: ProxyMode;
  readonly namespace: string;
  readonly service: string;
}

export class AckReporter {
  private last: ProxyAck | undefined;
  /** What the proxy trusts, sent with every report (a root rotation waits on it). */
  trust: TrustReport | undefined;

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
      trust: this.trust,
    };
    this.last = ack;
    nc.publish(this.subject, encode(ack));
  }

  private get subject(): string {
    const { namespace, service, proxyId } = this.identity;
    return this.subjects.proxyAck(namespace, service, proxyId);
  }

  /** Sends the last report again (a new control plane knows nothing of earlier ones). */
  repeat(nc: NatsConnection): void {
    if (this.last) {
      nc.publish(this.subject, encode({ ...this.last, sentAt: Date.now(), trust: this.trust }));
    }
  }
}
