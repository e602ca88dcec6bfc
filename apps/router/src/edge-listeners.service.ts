// Edge mode: the router serves the listeners of its Gateway (WEFT_GATEWAY), opened and updated as
// the Gateway and its certificate files change; ready once every listener is served.
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DataPlaneEngine, GatewayListeners } from '@app/dataplane';
import { LOGGER, Readiness, type Logger } from '@app/runtime';
import { RouterEnv } from './router-env.dto.js';

@Injectable()
export class EdgeListenersService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly listeners: GatewayListeners;

  constructor(
    private readonly env: RouterEnv,
    engine: DataPlaneEngine,
    private readonly readiness: Readiness,
    @Inject(LOGGER) log: Logger,
  ) {
    readiness.require('gateway');
    this.listeners = new GatewayListeners(
      engine,
      {
        gateway: `${env.WEFT_NAMESPACE}/${env.WEFT_GATEWAY}`,
        certDir: env.WEFT_CERT_DIR,
        bindAddress: env.WEFT_BIND_ADDRESS,
      },
      log,
      (ready) => readiness.set('gateway', ready),
    );
  }

  onApplicationBootstrap(): void {
    this.listeners.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.listeners.close();
  }

  drain(): Promise<void> {
    this.readiness.set('draining', false);
    return this.listeners.drain(this.env.WEFT_DRAIN_GRACE_MS, this.env.WEFT_DRAIN_TIMEOUT_MS);
  }
}
