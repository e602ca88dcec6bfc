// Announces each workload on its health subject: every interval, and at once on every state change.
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
import { AppProbeService } from './app-probe.service.js';
import { ListenersService, type Inbound } from './listeners.service.js';
import { SidecarEnv } from './sidecar-env.dto.js';

@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private leaving: InstanceState | undefined;
  private readonly subjects: Subjects;

  constructor(
    private readonly env: SidecarEnv,
    private readonly nats: NatsClient,
    private readonly readiness: Readiness,
    private readonly listeners: ListenersService,
    private readonly probe: AppProbeService,
  ) {
    this.subjects = new Subjects(env.WEFT_SUBJECT_PREFIX);
  }

  /** Sidecars and node proxies register their workloads; a standalone proxy has no NATS. */
  private get registers(): boolean {
    return this.env.WEFT_MODE !== 'standalone' && this.listeners.inbound.size > 0;
  }

  onApplicationBootstrap(): void {
    if (!this.registers) return;
    this.timer = setInterval(() => this.publishAll(), this.env.WEFT_HEARTBEAT_INTERVAL_MS);
    void this.nats.connection.then(() => this.publishAll());
    // `ready` goes out the moment it holds, not at the next tick: callers route to us sooner.
    this.readiness.on('change', () => this.publishAll());
    this.probe.on('change', (instanceId) => {
      const inbound = this.listeners.inbound.get(instanceId);
      if (inbound) this.publish(inbound);
    });
    // A new connection id goes out at once, so the control plane can tell an old connection's
    // disconnect advisory from ours (and re-add us if that advisory removed us).
    this.nats.on('reconnect', () => this.publishAll());
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** `draining` or `down`, for every workload: published now and kept for every later beat. */
  announce(state: 'draining' | 'down'): void {
    this.leaving = state;
    this.publishAll();
  }

  private stateOf(instanceId: string): InstanceState {
    if (this.leaving) return this.leaving;
    return this.readiness.ready && this.probe.answers(instanceId) ? 'ready' : 'starting';
  }

  private publishAll(): void {
    if (!this.registers) return;
    for (const inbound of this.listeners.inbound.values()) this.publish(inbound);
  }

  private publish({ workload, port }: Inbound): void {
    const nc = this.nats.current;
    // A workload on a free port is announced once its listener has one.
    const advertised = port || workload.inboundPort;
    if (!nc || advertised === 0) return;
    const beat: Heartbeat = {
      v: PROTOCOL_VERSION,
      namespace: workload.namespace,
      service: workload.service,
      serviceAccount: workload.serviceAccount,
      instanceId: workload.instanceId,
      proxyId: this.env.instanceId,
      mode: this.env.WEFT_MODE,
      address: this.env.WEFT_ADVERTISE_ADDRESS,
      port: advertised,
      labels: workload.labels,
      ...this.env.locality,
      ...(this.env.WEFT_SITE !== undefined && { site: this.env.WEFT_SITE }),
      state: this.stateOf(workload.instanceId),
      sentAt: Date.now(),
      connection: nc.info && { server: nc.info.server_id, cid: nc.info.client_id },
    };
    nc.publish(
      this.subjects.health(
        workload.namespace,
        workload.service,
        workload.serviceAccount,
        workload.instanceId,
      ),
      encode(beat),
    );
  }
}
