// The caller's side of a bus exchange against a scripted responder, with fake timers for keepalives
// and timeouts: no responders, a responder gone or silent, a headers timeout, flow control, garbage.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { headers as natsHeaders, type Msg, type NatsConnection } from '@nats-io/transport-node';
import type { Dispatcher } from 'undici';
import { BUS_HEADER } from '@app/protocol';
import { BusCall, type BusCallContext } from './bus-call.js';
import { frameHeaders, type FrameFields } from './bus-headers.js';
import { BusInbox } from './bus-inbox.js';
import type { BusMetrics } from './bus-metrics.js';
import { NO_RESPONDERS_CODE } from '../http/local-reply.js';

interface Published {
  subject: string;
  frame: string;
  headers: ReturnType<typeof natsHeaders>;
  data: Uint8Array;
}

/** Records what is published and hands frames to the inbox subscription (no server involved). */
class ScriptedNats {
  readonly published: Published[] = [];
  private deliver: ((err: null, msg: Msg) => void) | undefined;
  readonly info = { max_payload: 1024 * 1024 };

  subscribe(_subject: string, opts: { callback: (err: null, msg: Msg) => void }) {
    this.deliver = opts.callback;
    return { unsubscribe: () => undefined };
  }

  publish(subject: string, data: Uint8Array, opts: { headers: Published['headers'] }): void {
    this.published.push({
      subject,
      frame: opts.headers.get(BUS_HEADER.frame),
      headers: opts.headers,
      data,
    });
  }

  send(to: string, headers: Published['headers'], data = new Uint8Array(0)): void {
    this.deliver!(null, { subject: to, reply: 'responder.inbox', headers, data } as unknown as Msg);
  }

  frames(): string[] {
    return this.published.map((p) => p.frame);
  }
}

class RecordingHandler implements Dispatcher.DispatchHandler {
  status = 0;
  readonly chunks: string[] = [];
  error: (Error & { code?: string }) | undefined;
  ended = false;
  pauseOnData = false;

  onResponseStart(_c: Dispatcher.DispatchController, status: number): void {
    this.status = status;
  }
  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk.toString());
    if (this.pauseOnData) c.pause();
  }
  onResponseEnd(): void {
    this.ended = true;
  }
  onResponseError(_c: Dispatcher.DispatchController, error: Error): void {
    this.error = error;
  }
}

const metrics = { started: () => undefined, finished: () => undefined } as unknown as BusMetrics;

function setup(options: Partial<Dispatcher.DispatchOptions> = {}) {
  const nats = new ScriptedNats();
  const nc = nats as unknown as NatsConnection;
  const garbage: string[] = [];
  const ctx: BusCallContext = {
    nc,
    inbox: new BusInbox(nc, 1_000, (_where, reason) => garbage.push(reason)),
    frameBytes: () => 64 * 1024,
    window: 4,
    keepaliveMs: 1_000,
    metrics,
  };
  const handler = new RecordingHandler();
  const call = new BusCall(
    ctx,
    'weft.v1.rpc.default.b',
    { method: 'GET', path: '/x', headers: ['host', 'b'], ...options },
    handler,
  );
  call.start();
  const inbox = call.inbox;
  const reply = (kind: Parameters<typeof frameHeaders>[0], fields?: FrameFields, data?: string) =>
    nats.send(inbox, frameHeaders(kind, fields), data ? Buffer.from(data) : undefined);
  return { nats, handler, call, reply, garbage, ctx };
}

describe('BusCall', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('opens with method, path and HTTP headers, and streams the answer back in order', () => {
    const { nats, handler, reply } = setup();
    expect(nats.published[0]).toMatchObject({ subject: 'weft.v1.rpc.default.b', frame: 'open' });
    expect(nats.published[0].headers.get(BUS_HEADER.method)).toBe('GET');
    expect(nats.published[0].headers.get(BUS_HEADER.path)).toBe('/x');
    reply('head', { status: 201 });
    reply('data', { seq: 1 }, 'hel');
    reply('data', { seq: 2 }, 'lo');
    reply('end', { seq: 2 });
    expect(handler).toMatchObject({ status: 201, chunks: ['hel', 'lo'], ended: true });
  });

  it('maps a 503 status to the open frame to no responders', () => {
    const { nats, handler, call } = setup();
    nats.send(call.inbox, natsHeaders(503, 'No Responders'));
    expect(handler.error?.code).toBe(NO_RESPONDERS_CODE);
  });

  it('fails as soon as a frame to a known responder bounces (its connection is gone)', () => {
    const { nats, handler, call, reply } = setup();
    reply('ping');
    nats.send(call.inbox, natsHeaders(503, 'No Responders'));
    expect(handler.error?.message).toMatch(/responder gone/);
  });

  it('pings after a quiet keepalive and gives up on a responder silent for five', () => {
    const { nats, handler, reply } = setup();
    reply('ping');
    jest.advanceTimersByTime(1_500);
    expect(nats.frames()).toContain('ping');
    expect(handler.error).toBeUndefined();
    jest.advanceTimersByTime(4_000);
    expect(handler.error?.message).toMatch(/went silent/);
  });

  it('times out waiting for the head, and tells the responder', () => {
    const { nats, handler, reply } = setup({ headersTimeout: 2_000 });
    reply('ping');
    jest.advanceTimersByTime(1_999);
    expect(handler.error).toBeUndefined();
    jest.advanceTimersByTime(1);
    expect((handler.error as { code?: string }).code).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(nats.frames().at(-1)).toBe('cancel');
  });

  it('holds frames while paused and grants credit only for frames consumed', () => {
    const { nats, handler, call, reply } = setup();
    handler.pauseOnData = true;
    reply('head', { status: 200 });
    for (let seq = 1; seq <= 4; seq++) reply('data', { seq }, `c${seq}`);
    reply('end', { seq: 4 });
    expect(handler.chunks).toEqual(['c1']);
    expect(nats.frames()).not.toContain('credit');
    handler.pauseOnData = false;
    call.resume();
    expect(handler.chunks).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(handler.ended).toBe(true);
    const credits = nats.published.filter((p) => p.frame === 'credit');
    expect(credits.map((p) => p.headers.get(BUS_HEADER.credit))).toEqual(['2', '2']);
  });

  it('counts garbage and breaks the exchange on an out-of-order frame', () => {
    const { handler, reply, garbage } = setup();
    reply('head', { status: 999 });
    expect(garbage).toHaveLength(1);
    expect(garbage[0]).toMatch(/status/);
    expect(handler.error?.message).toMatch(/invalid frame/);
  });

  it('sends a cancel when aborted by the downstream', () => {
    const { nats, handler, call, reply } = setup();
    reply('ping');
    call.abort(new Error('downstream closed'));
    expect(nats.frames().at(-1)).toBe('cancel');
    expect(nats.published.at(-1)!.subject).toBe('responder.inbox');
    expect(handler.error?.message).toBe('downstream closed');
  });

  it('cancels once the responder speaks, when aborted before it did', () => {
    const { nats, handler, call, reply } = setup();
    call.abort(new Error('downstream closed'));
    expect(handler.error?.message).toBe('downstream closed');
    expect(nats.frames()).toEqual(['open']);
    reply('head', { status: 200 });
    expect(nats.frames()).toEqual(['open', 'cancel']);
    expect(handler.status).toBe(0);
  });

  it('takes a small answer whole from its head frame', () => {
    const { handler, reply } = setup();
    reply('head', { status: 200, end: '1' }, 'all of it');
    expect(handler).toMatchObject({ status: 200, chunks: ['all of it'], ended: true });
  });

  it('refuses an accept for a request without a body', () => {
    const { handler, reply } = setup();
    reply('accept', { window: 4 });
    expect(handler.error?.message).toMatch(/unexpected accept/);
  });
});
