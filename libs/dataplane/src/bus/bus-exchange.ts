// The responder's side of one bus exchange: the request frames become a BusRequest for the inbound
// path (the same handler the inbound HTTP listener runs), its BusResponse goes back as frames.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { busFlag, type BusFrame, type BusOpenFrame } from '@app/protocol';
import { appendHeaderMap, flatHeadersOf, headerMapOf } from './bus-headers.js';
import type { BusInbox, InboxOwner } from './bus-inbox.js';
import { BusLink } from './bus-link.js';
import type { BusMetrics, BusOutcome } from './bus-metrics.js';
import { BusRequest } from './bus-request.js';
import { BusResponse, type ResponseSink } from './bus-response.js';
import { IncomingBody, OutgoingBody } from './credit-window.js';

export interface BusExchangeContext {
  readonly nc: NatsConnection;
  readonly inbox: BusInbox;
  readonly frameBytes: number;
  readonly window: number;
  readonly metrics: BusMetrics;
  /**
   * The inbound path: where the request goes (the inbound listener's handler, metrics and spans),
   * with the caller's SPIFFE ID as its verified peer.
   */
  readonly handle: (req: IncomingMessage, res: ServerResponse, peer: string) => void;
}

const EMPTY = new Uint8Array(0);

export class BusExchange extends BusLink implements ResponseSink, InboxOwner {
  private done = false;
  private readonly req: BusRequest;
  private readonly res: BusResponse;
  private readonly requestBody: IncomingBody;
  private readonly responseBody: OutgoingBody;
  /** The Writable's callback for the frames that wait for credit. */
  private waiting: (() => void) | undefined;
  /** The head, held for one turn of the event loop so a small answer goes out in one frame. */
  private heldHead: { status: number; headers: OutgoingHttpHeaders } | undefined;
  /** The first body chunk, held with the head. */
  private heldChunk: Buffer | undefined;

  constructor(
    private readonly ctx: BusExchangeContext,
    private readonly open: BusOpenFrame,
    msg: Msg,
    /** The caller's SPIFFE ID, from the rpc subject nats-server bound to its credentials. */
    principal: string,
  ) {
    super(ctx.nc, ctx.inbox.subject(), open.keepaliveMs);
    this.peer = msg.reply;
    this.requestBody = new IncomingBody(ctx.window, (credit) => this.send('credit', { credit }));
    this.responseBody = new OutgoingBody(ctx.frameBytes, (kind, seq, chunk) => {
      this.send(kind, { seq }, chunk);
      if (kind === 'end') this.close('ok');
    });
    this.responseBody.onDrain = () => {
      const done = this.waiting;
      this.waiting = undefined;
      done?.();
    };
    const flat = msg.headers ? flatHeadersOf(msg.headers) : [];
    const headers = headerMapOf(flat);
    // A body without a length comes chunked: say so, or the inbound path would send none.
    if (open.body && headers['content-length'] === undefined) {
      headers['transfer-encoding'] = 'chunked';
    }
    this.req = new BusRequest(
      open.method,
      open.path,
      flat,
      headers,
      principal,
      ctx.frameBytes,
      (frames) => this.requestBody.consumed(frames),
    );
    this.res = new BusResponse(this, ctx.frameBytes);
  }

  start(): void {
    this.ctx.inbox.add(this);
    this.ctx.metrics.started('responder');
    // Only a request body needs the caller to learn our inbox before we answer.
    if (this.open.body) this.send('accept', { window: this.ctx.window });
    this.responseBody.grant(this.open.window);
    if (!this.open.body) this.req.push(null);
    // The shims carry what the inbound path reads and writes of node's request and response.
    this.ctx.handle(
      this.req as unknown as IncomingMessage,
      this.res as unknown as ServerResponse,
      this.req.principal,
    );
  }

  onFrame(frame: BusFrame, msg: Msg): void {
    if (this.done) return;
    switch (frame.kind) {
      case 'data':
        if (!this.open.body || !this.requestBody.receive(frame.seq)) {
          return this.onBroken(`request data frame ${frame.seq} out of order`);
        }
        return this.req.pushFrame(
          Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.length),
        );
      case 'end':
        if (!this.open.body || !this.requestBody.endsAt(frame.seq)) {
          return this.onBroken(`request end after ${frame.seq} frames`);
        }
        this.req.push(null);
        return;
      case 'credit':
        this.responseBody.grant(frame.credit);
        return;
      case 'ping':
        return;
      case 'cancel':
        return this.abort('cancelled');
      default:
        return this.onBroken(`${frame.kind} frame sent to a responder`);
    }
  }

  onBroken(reason: string): void {
    if (this.done) return;
    this.send('cancel', { reason: reason.slice(0, 200) });
    this.abort('broken');
  }

  protected onSilent(): void {
    this.abort('peer_gone');
  }

  /** A frame of ours found no subscriber: the caller's connection is gone. */
  onStatus(): void {
    this.abort('peer_gone');
  }

  /**
   * Held until the event loop turns: by then a small answer's body and end (the inbound path
   * writes them in the same turn) travel in the head frame, one message instead of three.
   */
  head(status: number, headers: OutgoingHttpHeaders): void {
    this.heldHead = { status, headers };
    setImmediate(this.flushHead);
  }

  data(chunk: Buffer, done: () => void): void {
    if (this.heldHead && !this.heldChunk && chunk.length <= this.ctx.frameBytes) {
      this.heldChunk = chunk;
      return done();
    }
    this.flushHead();
    if (this.responseBody.write(chunk)) done();
    else this.waiting = done;
  }

  end(): void {
    if (this.heldHead) this.flushHead(true);
    else this.responseBody.end();
  }

  private readonly flushHead = (end = false): void => {
    const head = this.heldHead;
    if (!head || this.done) return;
    this.heldHead = undefined;
    const chunk = this.heldChunk;
    this.heldChunk = undefined;
    if (chunk) this.responseBody.sentInline();
    const fields = end ? { status: head.status, end: busFlag(true) } : { status: head.status };
    this.publish(this.peer!, 'head', fields, chunk ?? EMPTY, (h) =>
      appendHeaderMap(h, head.headers),
    );
    if (end) this.close('ok');
  };

  closed(finished: boolean): void {
    if (finished || this.done) return;
    // The inbound path gave up (upstream reset, proxy error) after or before the head.
    this.send('cancel', { reason: 'upstream closed the response' });
    this.abort('broken');
  }

  /** Ends the exchange without an answer: the inbound path aborts its upstream request. */
  private abort(outcome: BusOutcome): void {
    if (this.done) return;
    this.close(outcome);
    this.req.destroy();
    this.res.destroy();
  }

  private close(outcome: BusOutcome): void {
    this.done = true;
    this.waiting = undefined;
    this.heldHead = undefined;
    this.ctx.inbox.delete(this);
    this.ctx.metrics.finished('responder', outcome);
  }
}
