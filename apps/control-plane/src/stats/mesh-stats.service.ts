// Holds the stats window over every proxy's metric snapshots for the admin API and the live stream.
import { serviceKey } from '@app/protocol';
import { Injectable } from '@nestjs/common';
import type { MeshStats, MetricsSnapshot } from '@app/protocol';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { EndpointPublisher } from '../discovery/endpoint-publisher.service.js';
import { StatsWindow } from './stats-window.js';

@Injectable()
export class MeshStatsService {
  private readonly window: StatsWindow;

  constructor(
    env: ControlPlaneEnv,
    private readonly endpoints: EndpointPublisher,
  ) {
    this.window = new StatsWindow(env.WEFT_STATS_WINDOW_MS, env.WEFT_MAX_PROXIES);
  }

  onSnapshot(snapshot: MetricsSnapshot): void {
    this.window.add(snapshot, Date.now());
  }

  /** Services are label selectors: each instance's traffic counts for every Service selecting it. */
  current(): MeshStats {
    const selecting = new Map<string, string[]>();
    for (const set of this.endpoints.endpointSets()) {
      for (const { instanceId } of set.endpoints) {
        const list = selecting.get(instanceId) ?? [];
        list.push(serviceKey(set.namespace, set.service));
        selecting.set(instanceId, list);
      }
    }
    // A sidecar's proxy id is its instance id.
    return this.window.stats(Date.now(), (proxyId) => selecting.get(proxyId));
  }
}
