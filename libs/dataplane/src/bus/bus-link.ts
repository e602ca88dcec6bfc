// One side of one bus exchange: its own inbox token, the peer's inbox, keepalive bookkeeping.
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import type { BusFrame, BusFrameKind } from '@app/protocol';
import { frameHeaders, type FrameFields } from './bus-headers.js';

/** A peer silent for this many keepalives is gone (its process died, or its link to NATS). */
export const SILENT_KEEPALIVES = 5;

const EMPTY = new Uint8Array(0);

export abstract class BusLink {
  /** The peer's exchange inbox, once known (from the reply subject of its first frame). */
  peer: string | undefined;
  private lastSent = Date.now();
  private lastHeard = Date.now();

  constructor(
    protected readonly nc: NatsConnection,
    /** This side's exchange inbox: the reply subject of every frame it sends. */
    readonly inbox: string,
    protected readonly keepaliveMs: number,
  ) {}

  /** A valid frame for this exchange arrived. */
  abstract onFrame(frame: BusFrame, msg: Msg): void;

  /** Garbage or an out-of-order frame arrived for this exchange: it cannot go on. */
  abstract onBroken(reason: string): void;

  /** The peer has been silent too long. */
  protected abstract onSilent(): void;

  /** Every frame goes through here: keeps the clock and learns the peer's inbox. */
  hear(frame: BusFrame, msg: Msg): void {
    this.lastHeard = Date.now();
    if (this.peer === undefined && msg.reply) this.peer = msg.reply;
    this.onFrame(frame, msg);
  }

  /** Keepalive tick: ping after a quiet keepalive, give up after SILENT_KEEPALIVES of silence. */
  sweep(now: number): void {
    if (now - this.lastHeard > SILENT_KEEPALIVES * this.keepaliveMs) this.onSilent();
    else if (now - this.lastSent >= this.keepaliveMs) this.send('ping');
  }

  /** Sends a frame to the peer (dropped while the peer is unknown, or NATS refuses it). */
  protected send(kind: BusFrameKind, fields?: FrameFields, payload: Uint8Array = EMPTY): void {
    if (this.peer !== undefined) this.publish(this.peer, kind, fields, payload);
  }

  protected publish(
    subject: string,
    kind: BusFrameKind,
    fields: FrameFields | undefined,
    payload: Uint8Array,
    extra?: (h: ReturnType<typeof frameHeaders>) => void,
  ): void {
    const headers = frameHeaders(kind, fields);
    extra?.(headers);
    this.lastSent = Date.now();
    try {
      this.nc.publish(subject, payload, { headers, reply: this.inbox });
    } catch (err) {
      // Closed connection or an oversized frame: the exchange cannot go on either way.
      this.onBroken(`publish failed: ${(err as Error).message}`);
    }
  }
}
