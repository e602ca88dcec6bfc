// Publishes this proxy's golden-signal snapshot on `weft.v1.telemetry.metrics.<ns>.<service>.<proxyId>`.
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { encode, Subjects } from '@app/protocol';
import { LOGGER, NatsClient, type Logger } from '@app/runtime';
import { DataPlaneEngine } from '../engine.js';
import { SnapshotWindow } from '../metrics/snapshot-window.js';
import { PROXY_OPTIONS, type ProxyOptions } from './proxy-options.js';

/**
 * Off the request path entirely: a timer takes the window's deltas and hands them to the NATS
 * client without waiting. Not connected (or a publish that fails): the snapshot is dropped and
 * counted, and the next window starts anyway, so a snapshot never covers more than one interval.
 */
@Injectable()
export class SnapshotPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  published = 0;
  dropped = 0;
  private readonly window: SnapshotWindow;
  private readonly subject: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(PROXY_OPTIONS) private readonly options: ProxyOptions,
    engine: DataPlaneEngine,
    private readonly nats: NatsClient,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.window = new SnapshotWindow(engine.stats, options.identity);
    const { namespace, service, proxyId } = options.identity;
    this.subject = new Subjects(options.subjectPrefix).telemetryMetrics(
      namespace,
      service,
      proxyId,
    );
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.publish(), this.options.telemetry.intervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  publish(): void {
    try {
      const snapshot = this.window.take();
      if (this.nats.tryPublish(this.subject, encode(snapshot))) {
        this.published++;
        return;
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'metrics snapshot not built');
    }
    this.dropped++;
  }
}
