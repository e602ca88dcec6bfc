// Admin API for the live mesh: endpoint sets and proxy convergence.
import { Controller, Get } from '@nestjs/common';
import { EndpointPublisher } from '../discovery/endpoint-publisher.service.js';
import {
  PROTOCOL_VERSION,
  type EndpointSet,
  type ProxyStatus,
  type VersionInfo,
} from '@app/protocol';
import { ProxyRegistry } from '../proxies/proxy-registry.service.js';
import { ConfigStore } from '../config/config-store.service.js';

@Controller('v1')
export class MeshController {
  constructor(
    private readonly endpoints: EndpointPublisher,
    private readonly proxies: ProxyRegistry,
    private readonly store: ConfigStore,
  ) {}

  @Get('endpoints')
  endpointSets(): { items: EndpointSet[] } {
    return { items: this.endpoints.endpointSets() };
  }

  /** Protocol version this control plane speaks, and its current config revision. */
  @Get('version')
  version(): VersionInfo {
    return { protocol: PROTOCOL_VERSION, revision: this.store.currentRevision };
  }

  @Get('proxies')
  proxyStatus(): { revision: number; items: ProxyStatus[] } {
    return { revision: this.store.currentRevision, items: this.proxies.list() };
  }
}
