// Eastwest mode: this cluster's east-west gateway. It learns what it may route to from its own
// control plane's export announcements (the ServiceExports and their ready instances) and passes
// other clusters' proxies' mTLS connections through to those instances by SNI.
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { decodeMessage, formatErrors, ServiceExportAnnouncement, Subjects } from '@app/protocol';
import { DEFAULT_EASTWEST_LIMITS, EastWestGateway, ExportedInstances } from '@app/dataplane';
import { LOGGER, NatsClient, Readiness, reportInvalid, type Logger } from '@app/runtime';
import { RouterEnv } from './router-env.dto.js';

@Injectable()
export class EastWestGatewayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly table: ExportedInstances;
  private readonly gateway: EastWestGateway;
  private readonly subjects: Subjects;
  private readonly expiry: NodeJS.Timeout;
  private subscription: Subscription | undefined;

  constructor(
    private readonly env: RouterEnv,
    private readonly nats: NatsClient,
    private readonly readiness: Readiness,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.subjects = new Subjects(env.WEFT_SUBJECT_PREFIX);
    this.table = new ExportedInstances(env.WEFT_CLUSTER, {
      ttlMs: env.WEFT_CLUSTERSET_TTL_MS,
      maxServices: 10_000,
    });
    this.gateway = new EastWestGateway(this.table, log, {
      ...DEFAULT_EASTWEST_LIMITS,
      maxConnections: env.WEFT_MAX_CONNECTIONS,
    });
    this.expiry = setInterval(
      () => this.table.expire(Date.now()),
      Math.min(env.WEFT_CLUSTERSET_TTL_MS, 5_000),
    );
    this.expiry.unref();
    readiness.require('listener');
  }

  async onApplicationBootstrap(): Promise<void> {
    const cluster = this.env.WEFT_CLUSTER;
    void this.nats.connection.then((nc) => {
      this.subscription = nc.subscribe(this.subjects.clustersetExport(cluster, '*', '*'), {
        callback: (err, msg) => {
          if (!err) this.onAnnouncement(msg.data, msg.subject);
        },
      });
    });
    const port = await this.gateway.listen(this.env.listenPort, this.env.WEFT_BIND_ADDRESS);
    this.readiness.set('listener', true);
    this.log.info({ port, cluster }, 'east-west gateway listening');
  }

  drain(): Promise<void> {
    this.readiness.set('draining', false);
    return this.gateway.close(this.env.WEFT_DRAIN_TIMEOUT_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.expiry);
    this.subscription?.unsubscribe();
  }

  private onAnnouncement(data: Uint8Array, subject: string): void {
    const decoded = decodeMessage(ServiceExportAnnouncement, data, subject);
    if (!decoded.ok)
      return reportInvalid(this.log, 'clusterset', subject, formatErrors(decoded.errors));
    const a = decoded.value;
    if (subject !== this.subjects.clustersetExport(a.cluster, a.namespace, a.service))
      return reportInvalid(
        this.log,
        'clusterset',
        subject,
        'announcement published on another subject',
      );
    this.table.onAnnouncement(a, Date.now());
  }
}
