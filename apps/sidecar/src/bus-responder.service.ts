// Each workload's bus responder: answers the rpc subjects of the Services its instance is an endpoint
// of (as the control plane's endpoint sets say), through that workload's inbound path to its app.
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Subjects } from '@app/protocol';
import { BusMetrics, BusResponder, DataPlaneEngine } from '@app/dataplane';
import { LOGGER, NatsClient, NatsService, reportInvalid, type Logger } from '@app/runtime';
import { ListenersService } from './listeners.service.js';
import { SidecarEnv } from './sidecar-env.dto.js';

@Injectable()
export class BusResponderService implements OnApplicationBootstrap, OnApplicationShutdown {
  /** By workload instance id. */
  private readonly responders = new Map<string, BusResponder>();

  constructor(
    private readonly env: SidecarEnv,
    private readonly engine: DataPlaneEngine,
    private readonly listeners: ListenersService,
    private readonly nats: NatsClient,
    private readonly service: NatsService,
    private readonly metrics: BusMetrics,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.env.WEFT_MODE === 'standalone' || this.listeners.inbound.size === 0) return;
    const started = this.nats.connection.then((nc) => {
      const subjects = new Subjects(this.env.WEFT_SUBJECT_PREFIX);
      const garbage = (where: string, reason: string): void =>
        reportInvalid(this.log, 'bus', where, reason);
      for (const [instanceId, { listener }] of this.listeners.inbound) {
        const responder = new BusResponder(
          nc,
          subjects,
          this.env.busSettings,
          this.metrics,
          garbage,
          {
            handlerFor: () => listener.handle,
            endpoints: this.service,
            metadata: { instance: instanceId },
            trustDomain: this.env.WEFT_TRUST_DOMAIN,
          },
        );
        this.responders.set(instanceId, responder);
        // The Services whose endpoint sets list this instance, now and after each change.
        this.engine.served.followInstance(instanceId, (keys) => responder.retain(keys));
      }
    });
    started.catch((err: Error) =>
      this.log.error({ err: err.message }, 'bus responders not started'),
    );
  }

  /** Takes no new bus exchanges; those in flight finish within the inbound listeners' drain. */
  async drain(): Promise<void> {
    await Promise.all([...this.responders.values()].map((r) => r.drain()));
  }

  onApplicationShutdown(): void {
    for (const responder of this.responders.values()) responder.close();
  }
}
