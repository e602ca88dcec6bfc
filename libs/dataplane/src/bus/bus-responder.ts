// The responder's side of the bus transport: queue subscriptions on the rpc subjects of the Services
// this instance belongs to; each open frame becomes a BusExchange through the inbound path.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { formatErrors, parseBusFrame, type Subjects } from '@app/protocol';
import { BusExchange, type BusExchangeContext } from './bus-exchange.js';
import { frameBytesFor, type BusSettings } from './bus-client.js';
import { BusInbox, type GarbageReport } from './bus-inbox.js';
import type { BusMetrics } from './bus-metrics.js';

export class BusResponder {
  private readonly subs = new Map<string, Subscription>();
  private readonly ctx: BusExchangeContext;
  private draining = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    settings: BusSettings,
    metrics: BusMetrics,
    private readonly garbage: GarbageReport,
    handle: (req: IncomingMessage, res: ServerResponse) => void,
  ) {
    this.ctx = {
      nc,
      inbox: new BusInbox(nc, settings.keepaliveMs, garbage),
      frameBytes: frameBytesFor(nc, settings.chunkBytes),
      window: settings.window,
      metrics,
      handle,
    };
  }

  /** Exchanges in progress. */
  get inflight(): number {
    return this.ctx.inbox.size;
  }

  /** `namespace/service` keys served now. */
  get serving(): string[] {
    return [...this.subs.keys()];
  }

  /** Serves exactly these Services (`namespace/service`); the others' subscriptions end. */
  retain(keys: ReadonlySet<string>): void {
    if (this.draining) return;
    for (const [key, sub] of this.subs) {
      if (keys.has(key)) continue;
      this.subs.delete(key);
      void sub.drain();
    }
    for (const key of keys) {
      if (this.subs.has(key)) continue;
      const [namespace, service] = key.split('/');
      const sub = this.nc.subscribe(this.subjects.rpc(namespace, service), {
        queue: this.subjects.rpcQueue(namespace, service),
        callback: (_err, msg) => this.onOpen(msg),
      });
      this.subs.set(key, sub);
    }
  }

  /** Takes no new exchanges (those in flight go on; the inbound listener's drain waits for them). */
  async drain(): Promise<void> {
    this.draining = true;
    const subs = [...this.subs.values()];
    this.subs.clear();
    await Promise.all(subs.map((s) => s.drain().catch(() => undefined)));
  }

  close(): void {
    this.ctx.inbox.close();
  }

  private onOpen(msg: Msg): void {
    const frame = parseBusFrame((name) => msg.headers?.get(name) ?? '', msg.subject);
    if (!frame.ok) return this.garbage(msg.subject, formatErrors(frame.errors));
    if (frame.value.kind !== 'open') {
      return this.garbage(msg.subject, `${frame.value.kind} frame outside an exchange`);
    }
    if (!msg.reply) return this.garbage(msg.subject, 'open frame without a reply subject');
    new BusExchange(this.ctx, frame.value, msg).start();
  }
}
