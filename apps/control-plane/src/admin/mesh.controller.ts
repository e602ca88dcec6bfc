// Admin API for the live mesh: endpoint sets and proxy convergence.
import { Controller, Get } from '@nestjs/common';
import type { EndpointSet } from '@app/protocol';
import { EndpointPublisher } from '../discovery/endpoint-publisher.service.js';
import { ProxyRegistry, type ProxyStatus } from '../proxies/proxy-registry.service.js';
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

  @Get('proxies')
  proxyStatus(): { revision: number; items: ProxyStatus[] } {
    return { revision: this.store.currentRevision, items: this.proxies.list() };
  }
}
