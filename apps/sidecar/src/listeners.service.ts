// The sidecar's proxy listeners: inbound (mesh → local app) and outbound (local app → mesh).
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DataPlaneEngine, type HttpListener } from '@app/dataplane';
import { LOGGER, Readiness, type Logger } from '@app/runtime';
import { SidecarEnv } from './sidecar-env.dto.js';

@Injectable()
export class ListenersService implements OnApplicationBootstrap {
  readonly inbound: HttpListener | undefined;
  readonly outbound: HttpListener;
  inboundPort = 0;

  constructor(
    private readonly env: SidecarEnv,
    engine: DataPlaneEngine,
    private readonly readiness: Readiness,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.outbound = engine.outboundListener('outbound');
    if (env.hasApp) {
      this.inbound = engine.inboundListener('inbound', env.WEFT_APP_ADDRESS, env.WEFT_APP_PORT);
    }
    readiness.require('listeners');
  }

  async onApplicationBootstrap(): Promise<void> {
    const outboundPort = await this.outbound.listen(this.env.WEFT_OUTBOUND_PORT, '127.0.0.1');
    if (this.inbound)
      this.inboundPort = await this.inbound.listen(
        this.env.WEFT_INBOUND_PORT,
        this.env.WEFT_BIND_ADDRESS,
      );
    this.readiness.set('listeners', true);
    this.log.info(
      { outboundPort, inboundPort: this.inboundPort || undefined },
      'proxy listeners up',
    );
  }

  /** Drains both listeners together (see HttpListener.drain). */
  async drain(): Promise<void> {
    const { WEFT_DRAIN_GRACE_MS: grace, WEFT_DRAIN_TIMEOUT_MS: timeout } = this.env;
    await Promise.all([this.inbound?.drain(grace, timeout), this.outbound.drain(grace, timeout)]);
  }
}
