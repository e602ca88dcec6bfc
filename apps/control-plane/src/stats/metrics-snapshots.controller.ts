// NATS handler (Nest microservices): every proxy's golden-signal snapshots, validated, garbage counted.
import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, NatsContext, Payload } from '@nestjs/microservices';
import { decodeMessage, formatErrors, MetricsSnapshot } from '@app/protocol';
import { LOGGER, reportInvalid, type Logger } from '@app/runtime';
import { bootSubjects } from '../nats/boot-subjects.js';
import { MeshStatsService } from './mesh-stats.service.js';

@Controller()
export class MetricsSnapshotsController {
  constructor(
    private readonly stats: MeshStatsService,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @EventPattern<string>(bootSubjects().telemetryMetricsAll)
  onSnapshot(@Payload() data: Uint8Array, @Ctx() ctx: NatsContext): void {
    const subject = ctx.getSubject();
    const snapshot = decodeMessage(MetricsSnapshot, data, subject);
    if (!snapshot.ok) {
      return reportInvalid(this.log, 'metrics', subject, formatErrors(snapshot.errors));
    }
    // One proxy's numbers must not replace another's in the window.
    const { namespace, service, proxyId } = snapshot.value;
    if (subject !== bootSubjects().telemetryMetrics(namespace, service, proxyId)) {
      return reportInvalid(
        this.log,
        'metrics',
        subject,
        `snapshot of ${namespace}/${service} proxy ${proxyId} published on another subject`,
      );
    }
    this.stats.onSnapshot(snapshot.value);
  }
}
