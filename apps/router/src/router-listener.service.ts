// The router's one listener: every request is routed by the mesh route table (same engine as sidecars).
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DataPlaneEngine, type HttpListener } from '@app/dataplane';
import { LOGGER, Readiness, type Logger } from '@app/runtime';
import { RouterEnv } from './router-env.dto.js';

@Injectable()
export class RouterListenerService implements OnApplicationBootstrap {
  private readonly listener: HttpListener;

  constructor(
    private readonly env: RouterEnv,
    engine: DataPlaneEngine,
    private readonly readiness: Readiness,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.listener = engine.outboundListener(env.WEFT_MODE);
    readiness.require('listener');
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = await this.listener.listen(this.env.listenPort, this.env.WEFT_BIND_ADDRESS);
    this.readiness.set('listener', true);
    this.log.info({ port, mode: this.env.WEFT_MODE }, 'router listening');
  }

  drain(): Promise<void> {
    this.readiness.set('draining', false);
    return this.listener.drain(this.env.WEFT_DRAIN_GRACE_MS, this.env.WEFT_DRAIN_TIMEOUT_MS);
  }
}
