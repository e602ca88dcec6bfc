// Hears the Services other clusters export (every replica), keeps them in `ServiceImports`, and makes
// each imported Service known here: its endpoint set exists (with this cluster's own instances, if
// any), so its names resolve and a bus call to it crosses the link to the exporting cluster; an
// exporter with an east-west gateway adds its instances to the set, reached through that gateway.
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import {
  decodeMessage,
  formatErrors,
  endpointsKey,
  parseServiceKey,
  ServiceExportAnnouncement,
} from '@app/protocol';
import { LOGGER, reportInvalid, type Logger } from '@app/runtime';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { EndpointPublisher } from '../discovery/endpoint-publisher.service.js';
import { bootSubjects } from '../nats/boot-subjects.js';
import { gatewayEndpoints } from './gateway-endpoints.js';
import { ServiceImports, type ServiceImport } from './service-imports.js';

@Injectable()
export class ServiceImporter implements OnApplicationShutdown {
  private readonly imports: ServiceImports;
  private readonly expiry: NodeJS.Timeout;

  constructor(
    env: ControlPlaneEnv,
    private readonly endpoints: EndpointPublisher,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.imports = new ServiceImports(env.WEFT_CLUSTER, {
      ttlMs: env.WEFT_CLUSTERSET_TTL_MS,
      maxImports: env.WEFT_MAX_IMPORTS,
    });
    this.expiry = setInterval(
      () => {
        if (!this.imports.expire(Date.now())) return;
        this.log.warn('clusterset imports expired');
        this.endpoints.setRemote(gatewayEndpoints(this.imports.list()));
      },
      Math.min(env.WEFT_CLUSTERSET_TTL_MS, 5_000),
    );
    this.expiry.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.expiry);
  }

  list(): ServiceImport[] {
    return this.imports.list();
  }

  /** One announcement as it arrived on `subject`: validated, checked against its subject, applied. */
  onAnnouncement(data: Uint8Array, subject: string): void {
    const decoded = decodeMessage(ServiceExportAnnouncement, data, subject);
    if (!decoded.ok)
      return reportInvalid(this.log, 'clusterset', subject, formatErrors(decoded.errors));
    const a = decoded.value;
    if (subject !== bootSubjects().clustersetExport(a.cluster, a.namespace, a.service)) {
      return reportInvalid(
        this.log,
        'clusterset',
        subject,
        'announcement published on another subject',
      );
    }
    const outcome = this.imports.onAnnouncement(a, Date.now());
    if (outcome === 'refused') {
      return reportInvalid(this.log, 'clusterset', subject, 'WEFT_MAX_IMPORTS reached');
    }
    if (outcome === 'own' || outcome === 'unchanged') return;
    this.log.info(
      { cluster: a.cluster, namespace: a.namespace, service: a.service, outcome },
      'clusterset import',
    );
    const keys = [...this.imports.serviceKeys()].map((key) => {
      const { namespace, name } = parseServiceKey(key)!;
      return endpointsKey(namespace, name);
    });
    this.endpoints.keepKnown(keys);
    this.endpoints.setRemote(gatewayEndpoints(this.imports.list()));
  }
}
