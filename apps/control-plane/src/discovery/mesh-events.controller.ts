// NATS handlers (Nest microservices): heartbeats and proxy ACK/NACKs, each validated, garbage counted.
import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, NatsContext, Payload } from '@nestjs/microservices';
import { decodeMessage, formatErrors, ProxyAck } from '@app/protocol';
import { LOGGER, reportInvalid, type Logger } from '@app/runtime';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { bootSubjects } from '../nats/boot-subjects.js';
import { ProxyRegistry } from '../proxies/proxy-registry.service.js';
import { HeartbeatDecoder } from './heartbeat-decoder.js';
import { InstanceRegistry } from './instance-registry.service.js';
import { WorkloadRegistrations } from './workload-registrations.service.js';

@Controller()
export class MeshEventsController {
  private readonly heartbeats: HeartbeatDecoder;

  constructor(
    env: ControlPlaneEnv,
    private readonly instances: InstanceRegistry,
    private readonly proxies: ProxyRegistry,
    private readonly registrations: WorkloadRegistrations,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    // As many as the instances it can hold: a flood of subjects is validated, not remembered.
    this.heartbeats = new HeartbeatDecoder(env.WEFT_MAX_INSTANCES);
  }

  @EventPattern<string>(bootSubjects().healthAll)
  onHealth(@Payload() data: Uint8Array, @Ctx() ctx: NatsContext): void {
    const subject = ctx.getSubject();
    const hb = this.heartbeats.decode(data, subject);
    if (!hb.ok) return reportInvalid(this.log, 'health', subject, formatErrors(hb.errors));
    // nats-server lets a proxy publish only on its own identity's subjects: the body must say the
    // same, and its `app` label must be its Service (else it could join another's selector).
    const { namespace, service, serviceAccount, instanceId, labels } = hb.value;
    const expected = bootSubjects().health(namespace, service, serviceAccount, instanceId);
    if (subject !== expected) {
      return reportInvalid(
        this.log,
        'health',
        subject,
        `heartbeat for ${expected} published on another subject`,
      );
    }
    if (labels.app !== service) {
      return reportInvalid(this.log, 'health', subject, `label app must be ${service}`);
    }
    const holder = this.instances.heldByOther(hb.value);
    if (holder) {
      const by = `${holder.namespace}/${holder.service} (service account ${holder.serviceAccount})`;
      return reportInvalid(this.log, 'health', subject, `instance ${instanceId} is held by ${by}`);
    }
    // A workload outside any cluster joins only under a WorkloadGroup (secure by default).
    const admitted = this.registrations.admit(hb.value, subject);
    if (!admitted.ok) return;
    this.instances.onHeartbeat(admitted.heartbeat);
    this.proxies.onHeartbeat(admitted.heartbeat);
  }

  @EventPattern<string>(bootSubjects().proxyAckAll)
  onAck(@Payload() data: Uint8Array, @Ctx() ctx: NatsContext): void {
    const subject = ctx.getSubject();
    const ack = decodeMessage(ProxyAck, data, subject);
    if (!ack.ok) return reportInvalid(this.log, 'ack', subject, formatErrors(ack.errors));
    const { namespace, service, proxyId } = ack.value;
    if (subject !== bootSubjects().proxyAck(namespace, service, proxyId)) {
      return reportInvalid(
        this.log,
        'ack',
        subject,
        `ACK of ${namespace}/${service} proxy ${proxyId} published on another subject`,
      );
    }
    this.proxies.onAck(ack.value);
    if (ack.value.status === 'NACK')
      this.log.warn(
        { proxyId: ack.value.proxyId, revision: ack.value.revision, error: ack.value.error },
        'proxy rejected config',
      );
  }
}
