// `GET /v1/clusters` on a proxy's admin port: the Services it routes to and their endpoints, read-only
// (Envoy's `/clusters`): what this proxy believes now, to compare with the control plane's view.
import { Controller, Get } from '@nestjs/common';
import { DataPlaneEngine } from '../engine.js';

export interface ProxyClusters {
  /** Revision of the route table in use (0 before the first). */
  readonly revision: number;
  readonly clusters: readonly {
    /** `<namespace>/<service>` */
    readonly name: string;
    readonly endpoints: readonly { instanceId: string; address: string; port: number }[];
  }[];
}

@Controller('v1')
export class ClustersController {
  constructor(private readonly engine: DataPlaneEngine) {}

  @Get('clusters')
  clusters(): ProxyClusters {
    const clusters = [...this.engine.clusters.keys()].sort().map((name) => ({
      name,
      endpoints: this.engine.clusters
        .get(name)
        .all.map(({ instanceId, address, port }) => ({ instanceId, address, port })),
    }));
    return { revision: this.engine.routes.current.revision, clusters };
  }
}
