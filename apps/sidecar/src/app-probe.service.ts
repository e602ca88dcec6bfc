// Checks every heartbeat interval that the local app accepts connections; readiness follows it.
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { connect } from 'node:net';
import { LOGGER, Readiness, type Logger } from '@app/runtime';
import { SidecarEnv } from './sidecar-env.dto.js';

/**
 * An instance whose app stopped answering leaves its Service's endpoints (it heartbeats as not
 * ready) instead of failing every request routed to it, and returns when the app is back.
 */
@Injectable()
export class AppProbeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private up: boolean | undefined;

  constructor(
    private readonly env: SidecarEnv,
    private readonly readiness: Readiness,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    if (env.WEFT_MODE === 'sidecar') readiness.require('app');
  }

  onApplicationBootstrap(): void {
    if (this.env.WEFT_MODE !== 'sidecar') return;
    this.probe();
    this.timer = setInterval(() => this.probe(), this.env.WEFT_HEARTBEAT_INTERVAL_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private probe(): void {
    const socket = connect({ host: this.env.WEFT_APP_ADDRESS, port: this.env.WEFT_APP_PORT });
    socket.setTimeout(this.env.WEFT_HEARTBEAT_INTERVAL_MS);
    socket.once('connect', () => {
      socket.destroy();
      this.report(true);
    });
    socket.once('timeout', () => socket.destroy(new Error('connect timed out')));
    socket.once('error', (err) => this.report(false, err.message));
  }

  private report(up: boolean, reason?: string): void {
    if (up !== this.up) {
      const where = `${this.env.WEFT_APP_ADDRESS}:${this.env.WEFT_APP_PORT}`;
      if (up) this.log.info({ app: where }, 'local app answers');
      else this.log.warn({ app: where, reason }, 'local app does not answer; not ready');
    }
    this.up = up;
    this.readiness.set('app', up);
  }
}
