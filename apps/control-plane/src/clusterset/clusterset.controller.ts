// NATS handler of the clusterset announcements other clusters' control planes publish.
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, NatsContext, Payload } from '@nestjs/microservices';
import { bootSubjects } from '../nats/boot-subjects.js';
import { ServiceImporter } from './service-importer.service.js';

@Controller()
export class ClustersetController {
  constructor(private readonly importer: ServiceImporter) {}

  @EventPattern<string>(bootSubjects().clustersetExportAll)
  onExport(@Payload() data: Uint8Array, @Ctx() ctx: NatsContext): void {
    this.importer.onAnnouncement(data, ctx.getSubject());
  }
}
