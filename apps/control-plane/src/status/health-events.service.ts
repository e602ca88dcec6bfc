// Instance health changes and proxy ACK/NACKs as control-plane events, for `weft events` and the
// dashboard: a heartbeat that repeats what is known is never one.
import { Injectable } from '@nestjs/common';
import { encode, PROTOCOL_VERSION, type ProxyStatus } from '@app/protocol';
import { NatsClient } from '@app/runtime';
import { InstanceRegistry, type InstanceHealth } from '../discovery/instance-registry.service.js';
import { LeaderElection } from '../leader/leader-election.service.js';
import { bootSubjects } from '../nats/boot-subjects.js';
import { ProxyRegistry } from '../proxies/proxy-registry.service.js';

/** Every replica hears the same heartbeats and ACKs; only the leader announces them. */
@Injectable()
export class HealthEventsService {
  constructor(
    instances: InstanceRegistry,
    proxies: ProxyRegistry,
    private readonly nats: NatsClient,
    private readonly election: LeaderElection,
  ) {
    instances.on('health', (h) => this.publish(`instance.${h.state}`, h));
    proxies.on('ack', (p) =>
      this.publish(p.status === 'NACK' ? 'proxy.nack' : 'proxy.ack', ack(p)),
    );
  }

  private publish(name: string, body: InstanceHealth | ProxyAckEvent): void {
    if (!this.election.isLeader) return;
    this.nats.current?.publish(
      bootSubjects().event(name),
      encode({ v: PROTOCOL_VERSION, ...body }),
    );
  }
}

/** `proxy.ack` / `proxy.nack`: which proxy, and the revision it applied or rejected (and why). */
type ProxyAckEvent = Pick<ProxyStatus, 'mode' | 'namespace' | 'service' | 'revision' | 'error'> & {
  readonly proxyId: string;
};

function ack({ id, mode, namespace, service, revision, error }: ProxyStatus): ProxyAckEvent {
  return { proxyId: id, mode, namespace, service, revision, error };
}
