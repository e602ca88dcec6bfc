// Announces this instance on its health subject: every interval, and at once on every state change.
import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  encode,
  PROTOCOL_VERSION,
  Subjects,
  type Heartbeat,
  type InstanceState,
} from '@app/protocol';
import { NatsClient, Readiness } from '@app/runtime';
import { ListenersService } from './listeners.service.js';
import { SidecarEnv } from './sidecar-env.dto.js';

@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private leaving: InstanceState | undefined;
  private readonly subject: string;

  constructor(
    private readonly env: SidecarEnv,
    private readonly nats: NatsClient,
    private readonly readiness: Readiness,
    private readonly listeners: ListenersService,
  ) {
    const subjects = new Subjects(env.WEFT_SUBJECT_PREFIX);
    this.subject = subjects.health(env.WEFT_NAMESPACE, env.WEFT_SERVICE, env.instanceId);
  }

  onApplicationBootstrap(): void {
    if (this.env.WEFT_MODE !== 'sidecar') return;
    this.timer = setInterval(() => this.publish(), this.env.WEFT_HEARTBEAT_INTERVAL_MS);
    void this.nats.connection.then(() => this.publish());
    // `ready` goes out the moment it holds, not at the next tick: callers route to us sooner.
    this.readiness.on('change', () => this.publish());
    // A new connection id goes out at once, so the control plane can tell an old connection's
    // disconnect advisory from ours (and re-add us if that advisory removed us).
    this.nats.on('reconnect', () => this.publish());
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** `draining` or `down`: published now and kept for every later beat. */
  announce(state: 'draining' | 'down'): void {
    this.leaving = state;
    this.publish();
  }

  private get state(): InstanceState {
    return this.leaving ?? (this.readiness.ready ? 'ready' : 'starting');
  }

  private publish(): void {
    const nc = this.nats.current;
    if (!nc || this.env.WEFT_MODE !== 'sidecar') return;
    const beat: Heartbeat = {
      v: PROTOCOL_VERSION,
      namespace: this.env.WEFT_NAMESPACE,
      service: this.env.WEFT_SERVICE,
      instanceId: this.env.instanceId,
      proxyId: this.env.instanceId,
      mode: this.env.WEFT_MODE,
      address: this.env.WEFT_ADVERTISE_ADDRESS,
      port: this.listeners.inboundPort || this.env.WEFT_INBOUND_PORT,
      labels: this.env.labels,
      state: this.state,
      sentAt: Date.now(),
      connection: nc.info && { server: nc.info.server_id, cid: nc.info.client_id },
    };
    nc.publish(this.subject, encode(beat));
  }
}
