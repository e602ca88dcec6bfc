// The caller's side of one bus exchange, as an undici dispatch: the forwarder's UpstreamTry
// drives it exactly like an HTTP request (pause/resume for back-pressure, abort to cancel).
import type { Readable } from 'node:stream';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { errors, type Dispatcher } from 'undici';
import { busFlag, type BusFrame } from '@app/protocol';
import { appendFlatHeaders, flatHeadersOf, headerMapOf } from './bus-headers.js';
import type { BusInbox, InboxOwner } from './bus-inbox.js';
import { BusLink } from './bus-link.js';
import type { BusMetrics, BusOutcome } from './bus-metrics.js';
import { IncomingBody, OutgoingBody } from './credit-window.js';
import { NO_RESPONDERS_CODE } from '../http/local-reply.js';

export interface BusCallContext {
  readonly nc: NatsConnection;
  readonly inbox: BusInbox;
  /** Largest data frame: our default, or less when the server's max_payload says so. */
  frameBytes(): number;
  readonly window: number;
  readonly keepaliveMs: number;
  readonly metrics: BusMetrics;
}

/** The error a caller sees when no instance subscribes (mapped to 503). */
export class NoRespondersError extends Error {
  readonly code = NO_RESPONDERS_CODE;
}

export class BusCall extends BusLink implements Dispatcher.DispatchController, InboxOwner {
  private done = false;
  private accepted = false;
  /** Done, but kept in the inbox until the responder's first frame, to cancel it then. */
  private lingering = false;
  private isPaused = false;
  private abortReason: Error | null = null;
  private status = 0;
  private lastData = Date.now();
  private headersTimer: NodeJS.Timeout | undefined;
  private readonly response: IncomingBody;
  /** Response frames that arrived while the downstream was paused, in order. */
  private readonly held: Buffer[] = [];
  private endHeld = false;
  private readonly request: OutgoingBody | undefined;
  private readonly body: Readable | null;

  constructor(
    private readonly ctx: BusCallContext,
    private readonly subject: string,
    private readonly options: Dispatcher.DispatchOptions,
    private readonly handler: Dispatcher.DispatchHandler,
  ) {
    super(ctx.nc, ctx.inbox.subject(), ctx.keepaliveMs);
    this.response = new IncomingBody(ctx.window, (credit) => this.send('credit', { credit }));
    this.body = (options.body as Readable | null | undefined) ?? null;
    if (this.body) {
      this.request = new OutgoingBody(ctx.frameBytes(), (kind, seq, chunk) =>
        this.send(kind, { seq }, chunk),
      );
    }
  }

  get aborted(): boolean {
    return this.abortReason !== null;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  get reason(): Error | null {
    return this.abortReason;
  }

  start(): void {
    this.ctx.inbox.add(this);
    this.ctx.metrics.started('caller');
    this.handler.onRequestStart?.(this, {});
    if (this.done) return;
    const fields = {
      method: this.options.method,
      path: this.options.path,
      body: busFlag(this.body !== null),
      window: this.ctx.window,
      keepalive: this.ctx.keepaliveMs,
    };
    const flat = this.options.headers as string[] | null | undefined;
    this.publish(this.subject, 'open', fields, new Uint8Array(0), (h) => {
      if (flat) appendFlatHeaders(h, flat);
    });
    const timeout = this.options.headersTimeout ?? 0;
    if (timeout > 0 && !this.done) {
      this.headersTimer = setTimeout(
        () => this.fail(new errors.HeadersTimeoutError(), 'timeout'),
        timeout,
      );
      this.headersTimer.unref();
    }
  }

  pause(): void {
    this.isPaused = true;
  }

  resume(): void {
    this.isPaused = false;
    while (!this.isPaused && this.held.length > 0 && !this.done) this.deliver(this.held.shift()!);
    if (!this.isPaused && this.endHeld) this.finish();
  }

  abort(reason: Error): void {
    if (this.done) return;
    this.abortReason = reason;
    this.fail(reason, 'cancelled');
  }

  onFrame(frame: BusFrame, msg: Msg): void {
    if (this.done) return this.cancelLate();
    switch (frame.kind) {
      case 'accept':
        // The responder's answer to a request with a body: where to stream it, and how much.
        if (this.accepted || !this.body) return this.onBroken('unexpected accept frame');
        this.accepted = true;
        this.pumpRequestBody(this.body, frame.window);
        return;
      case 'head':
        return this.onHead(frame.status, frame.end === true, msg);
      case 'data':
        if (this.status === 0 || !this.response.receive(frame.seq)) {
          return this.onBroken(`data frame ${frame.seq} out of order`);
        }
        this.lastData = Date.now();
        return this.deliver(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.length));
      case 'end':
        if (this.status === 0 || !this.response.endsAt(frame.seq)) {
          return this.onBroken(`end after ${frame.seq} frames, ${this.response.received} came`);
        }
        if (this.isPaused || this.held.length > 0) this.endHeld = true;
        else this.finish();
        return;
      case 'credit':
        this.request?.grant(frame.credit);
        return;
      case 'ping':
        return;
      case 'cancel':
        return this.fail(
          new errors.SocketError(`bus responder cancelled: ${frame.reason}`),
          'broken',
        );
      case 'open':
        return this.onBroken('open frame sent to a caller');
    }
  }

  /**
   * NATS answers a frame nobody subscribes to with a 503 status. For the open frame that means no
   * instance serves the Service; once the responder answered, that its connection is gone.
   */
  onStatus(code: number): void {
    if (this.done) return this.ctx.inbox.delete(this);
    if (this.peer === undefined && code === 503) {
      const error = new NoRespondersError(`no instance of ${this.subject} answers on the bus`);
      return this.fail(error, 'no_responders');
    }
    this.fail(new errors.SocketError(`bus responder gone (status ${code})`), 'peer_gone');
  }

  onBroken(reason: string): void {
    this.fail(new errors.SocketError(`bus exchange broken: ${reason}`), 'broken');
  }

  override sweep(now: number): void {
    super.sweep(now);
    const bodyTimeout = this.options.bodyTimeout ?? 0;
    if (this.status > 0 && !this.isPaused && bodyTimeout > 0 && now - this.lastData > bodyTimeout) {
      this.fail(new errors.BodyTimeoutError(), 'timeout');
    }
  }

  protected onSilent(): void {
    if (this.done) return this.ctx.inbox.delete(this);
    this.fail(new errors.SocketError('bus responder went silent'), 'peer_gone');
  }

  /**
   * Cancelled before the responder's first frame told us its inbox: the exchange lingered in the
   * inbox for that frame; now the responder hears the cancel (or, silent, the sweep drops it).
   */
  private cancelLate(): void {
    if (!this.lingering) return;
    this.lingering = false;
    this.send('cancel', { reason: 'caller gone' });
    this.ctx.inbox.delete(this);
  }

  /** The answer's status and headers; a small answer's body (frame 1) and end come with them. */
  private onHead(status: number, end: boolean, msg: Msg): void {
    if (this.status !== 0) return this.onBroken('second head frame');
    clearTimeout(this.headersTimer);
    this.status = status;
    this.lastData = Date.now();
    const headers = msg.headers ? headerMapOf(flatHeadersOf(msg.headers)) : {};
    this.handler.onResponseStart?.(this, status, headers, '');
    if (this.done) return;
    if (msg.data.length > 0) {
      this.response.receive(1);
      this.deliver(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.length));
    }
    if (!end || this.done) return;
    if (this.isPaused || this.held.length > 0) this.endHeld = true;
    else this.finish();
  }

  /** Streams the downstream body once the responder said where, pausing it while credit lacks. */
  private pumpRequestBody(body: Readable, window: number): void {
    const out = this.request!;
    out.onDrain = () => body.resume();
    body.on('data', (chunk: Buffer) => {
      if (!this.done && !out.write(chunk)) body.pause();
    });
    body.once('end', () => this.done || out.end());
    body.once('error', (err: Error) => this.abort(err));
    out.grant(window);
  }

  private deliver(chunk: Buffer): void {
    if (this.isPaused) {
      this.held.push(chunk);
      return;
    }
    this.handler.onResponseData?.(this, chunk);
    this.response.consumed();
  }

  private finish(): void {
    if (this.done) return;
    this.close('ok');
    this.handler.onResponseEnd?.(this, {});
  }

  private fail(error: Error, outcome: BusOutcome): void {
    if (this.done) return;
    // The responder only needs telling when it is still working for us.
    const tell = outcome === 'cancelled' || outcome === 'timeout' || outcome === 'broken';
    if (tell) this.send('cancel', { reason: error.message.slice(0, 200) });
    this.lingering = tell && this.peer === undefined;
    this.close(outcome);
    this.handler.onResponseError?.(this, error);
  }

  private close(outcome: BusOutcome): void {
    this.done = true;
    clearTimeout(this.headersTimer);
    this.held.length = 0;
    if (!this.lingering) this.ctx.inbox.delete(this);
    this.ctx.metrics.finished('caller', outcome);
  }
}
