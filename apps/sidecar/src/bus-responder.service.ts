// The sidecar's bus responder: answers the rpc subjects of the Services this instance is an endpoint
// of (as the control plane's endpoint sets say), through the inbound listener's path to the app.
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Subjects } from '@app/protocol';
import { BusMetrics, BusResponder, DataPlaneEngine } from '@app/dataplane';
import { LOGGER, NatsClient, reportInvalid, type Logger } from '@app/runtime';
import { ListenersService } from './listeners.service.js';
import { SidecarEnv } from './sidecar-env.dto.js';

@Injectable()
export class BusResponderService implements OnApplicationBootstrap, OnApplicationShutdown {
  private responder: BusResponder | undefined;
  /** `namespace/service` of every endpoint set that lists this instance. */
  private readonly memberOf = new Set<string>();

  constructor(
    private readonly env: SidecarEnv,
    engine: DataPlaneEngine,
    private readonly listeners: ListenersService,
    private readonly nats: NatsClient,
    private readonly metrics: BusMetrics,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    // Set before any config is applied (constructors run before bootstrap), so no set is missed.
    engine.configurator.onEndpointSet = (key, set) => {
      const listed = set?.endpoints.some((e) => e.instanceId === env.instanceId) ?? false;
      if (listed === this.memberOf.has(key)) return;
      if (listed) this.memberOf.add(key);
      else this.memberOf.delete(key);
      this.responder?.retain(this.memberOf);
    };
  }

  onApplicationBootstrap(): void {
    const inbound = this.listeners.inbound;
    if (this.env.WEFT_MODE !== 'sidecar' || !inbound) return;
    void this.nats.connection.then((nc) => {
      this.responder = new BusResponder(
        nc,
        new Subjects(this.env.WEFT_SUBJECT_PREFIX),
        this.env.busSettings,
        this.metrics,
        (where, reason) => reportInvalid(this.log, 'bus', where, reason),
        inbound.handle,
      );
      this.responder.retain(this.memberOf);
    });
  }

  /** Takes no new bus exchanges; those in flight finish within the inbound listener's drain. */
  async drain(): Promise<void> {
    await this.responder?.drain();
  }

  onApplicationShutdown(): void {
    this.responder?.close();
  }
}
