// Checks every heartbeat interval that each workload's local app accepts connections.
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { LOGGER, Readiness, type Logger } from '@app/runtime';
import { SidecarEnv } from './sidecar-env.dto.js';
import { tcpConnect } from './tcp-connect.js';
import { Workloads, type Workload } from './workloads/workload.js';

/**
 * An instance whose app stopped answering leaves its Service's endpoints (it heartbeats as not
 * ready) instead of failing every request routed to it, and returns when the app is back. A
 * sidecar's readiness follows its one app; a node proxy stays ready while some of its apps are
 * down (each workload's heartbeat says its own state). Emits `change` with the instance id.
 */
@Injectable()
export class AppProbeService
  extends EventEmitter<{ change: [instanceId: string] }>
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private timer: NodeJS.Timeout | undefined;
  private readonly up = new Map<string, boolean>();

  constructor(
    private readonly env: SidecarEnv,
    private readonly workloads: Workloads,
    private readonly readiness: Readiness,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    super();
    if (this.probed) readiness.require('app');
  }

  /** Heartbeating modes probe their apps; a standalone proxy's app is not registered anywhere. */
  private get probed(): boolean {
    return this.env.WEFT_MODE === 'sidecar';
  }

  /** Whether the workload's app answered the last probe. */
  answers(instanceId: string): boolean {
    return this.up.get(instanceId) === true;
  }

  onApplicationBootstrap(): void {
    if (this.env.WEFT_MODE === 'standalone' || this.workloads.list.length === 0) return;
    const probeAll = (): void => this.workloads.list.forEach((w) => this.probe(w));
    probeAll();
    this.timer = setInterval(probeAll, this.env.WEFT_HEARTBEAT_INTERVAL_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private probe(workload: Workload): void {
    void tcpConnect(
      workload.appAddress,
      workload.appPort,
      this.env.WEFT_HEARTBEAT_INTERVAL_MS,
    ).then((err) => this.report(workload, err === undefined, err?.message));
  }

  private report(workload: Workload, up: boolean, reason?: string): void {
    const { instanceId } = workload;
    const changed = up !== this.up.get(instanceId);
    if (changed) {
      const app = `${workload.appAddress}:${workload.appPort}`;
      if (up) this.log.info({ app, instanceId }, 'local app answers');
      else this.log.warn({ app, instanceId, reason }, 'local app does not answer; not ready');
    }
    this.up.set(instanceId, up);
    if (this.probed) this.readiness.set('app', up);
    if (changed) this.emit('change', instanceId);
  }
}
