// The caller's side of the bus transport: one inbox per connection, one dispatcher per rpc subject.
import type { NatsConnection } from '@nats-io/transport-node';
import type { Dispatcher } from 'undici';
import { BusCall, NoRespondersError, type BusCallContext } from './bus-call.js';
import { BusInbox, type GarbageReport } from './bus-inbox.js';
import type { BusMetrics } from './bus-metrics.js';

export interface BusSettings {
  /** Largest data frame we send (capped by the server's max_payload). */
  readonly chunkBytes: number;
  /** Data frames we let a peer have in flight to us. */
  readonly window: number;
  readonly keepaliveMs: number;
}

/** Room kept in every frame for its NATS headers (the frame fields are a few dozen bytes). */
const FRAME_HEADROOM = 1024;
/** The server's default max_payload, assumed until its INFO says otherwise. */
const NATS_DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/** What the forwarder dispatches to: an undici-shaped dispatcher. */
export type BusDispatcher = Pick<Dispatcher, 'dispatch'>;

/** Controller of a call that never started (no NATS connection yet). */
const NOT_STARTED: Dispatcher.DispatchController = {
  aborted: true,
  paused: false,
  reason: null,
  abort: () => undefined,
  pause: () => undefined,
  resume: () => undefined,
};

export class BusClient {
  private ctx: BusCallContext | undefined;

  constructor(
    private readonly connection: () => NatsConnection | undefined,
    private readonly settings: BusSettings,
    private readonly metrics: BusMetrics,
    private readonly garbage: GarbageReport,
  ) {}

  /** Exchanges in progress. */
  get inflight(): number {
    return this.ctx?.inbox.size ?? 0;
  }

  dispatcher(subject: string): BusDispatcher {
    return {
      dispatch: (options, handler) => {
        const ctx = this.context();
        if (!ctx) {
          this.metrics.started('caller');
          this.metrics.finished('caller', 'unavailable');
          handler.onResponseError?.(NOT_STARTED, new NoRespondersError('not connected to NATS'));
          return false;
        }
        new BusCall(ctx, subject, options, handler).start();
        return true;
      },
    };
  }

  close(): void {
    this.ctx?.inbox.close();
    this.ctx = undefined;
  }

  private context(): BusCallContext | undefined {
    if (this.ctx) return this.ctx;
    const nc = this.connection();
    if (!nc || nc.isClosed()) return undefined;
    const { chunkBytes, window, keepaliveMs } = this.settings;
    this.ctx = {
      nc,
      inbox: new BusInbox(nc, keepaliveMs, this.garbage),
      frameBytes: () => frameBytesFor(nc, chunkBytes),
      window,
      keepaliveMs,
      metrics: this.metrics,
    };
    return this.ctx;
  }
}

/** Our frame size, or less so that a frame with its headers fits the server's max_payload. */
export function frameBytesFor(nc: NatsConnection, chunkBytes: number): number {
  const max = nc.info?.max_payload ?? NATS_DEFAULT_MAX_PAYLOAD;
  return Math.max(1, Math.min(chunkBytes, max - FRAME_HEADROOM));
}
