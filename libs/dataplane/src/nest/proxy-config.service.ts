// Keeps a proxy's engine configured through its ConfigFollower: disk cache at boot, then the
// bucket; the follower reads again after a reconnect, and ACKs are repeated when asked.
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Subjects } from '@app/protocol';
import { LOGGER, NatsClient, type Logger } from '@app/runtime';
import { CONFIG_FOLLOWER, type ConfigFollower } from '../config/config-follower.js';
import { ConfigReports } from './config-reports.service.js';
import { PROXY_OPTIONS, type ProxyOptions } from './proxy-options.js';

@Injectable()
export class ProxyConfigService implements OnApplicationBootstrap, OnApplicationShutdown {
  private presence: NodeJS.Timeout | undefined;

  constructor(
    @Inject(PROXY_OPTIONS) private readonly options: ProxyOptions,
    @Inject(CONFIG_FOLLOWER) private readonly follower: ConfigFollower,
    private readonly reports: ConfigReports,
    private readonly nats: NatsClient,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    // What was announced while NATS was away is lost: the follower reads what it follows again.
    nats.on('reconnect', () => follower.resync());
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.follower.loadCache();
    if (this.follower.hasConfig) this.reports.servingCache();
    this.follower.run();
    // A control plane that (re)starts asks every proxy for its last report.
    const ready = new Subjects(this.options.subjectPrefix).controlPlaneReady;
    this.nats.connection
      .then((nc) => nc.subscribe(ready, { callback: () => this.reports.repeat() }))
      .catch((err: Error) => this.log.error({ err: err.message }, 'ACK repeats not set up'));
    const every = this.options.presenceIntervalMs;
    if (every !== undefined)
      this.presence = setInterval(() => this.reports.repeat(), every).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.presence);
    this.follower.stop();
  }
}
