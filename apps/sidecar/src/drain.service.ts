// Graceful exit on SIGTERM: announce draining, finish in-flight requests, announce down, exit.
import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, NatsClient, Readiness, type Logger } from '@app/runtime';
import { BusResponderService } from './bus-responder.service.js';
import { HeartbeatService } from './heartbeat.service.js';
import { ListenersService } from './listeners.service.js';

@Injectable()
export class DrainService {
  private draining: Promise<void> | undefined;

  constructor(
    private readonly heartbeat: HeartbeatService,
    private readonly listeners: ListenersService,
    private readonly bus: BusResponderService,
    private readonly nats: NatsClient,
    private readonly readiness: Readiness,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  /** Idempotent: a second signal waits for the first drain. */
  drain(): Promise<void> {
    this.draining ??= this.run();
    return this.draining;
  }

  private async run(): Promise<void> {
    this.log.info('draining: announcing, then finishing in-flight requests');
    this.readiness.set('draining', false);
    this.heartbeat.announce('draining');
    await Promise.all([this.listeners.drain(), this.bus.drain()]);
    this.heartbeat.announce('down');
    await this.nats.close();
    this.log.info('drained');
  }
}
