// The responder's side of the bus transport: queue subscriptions on the rpc subjects of the Services
// it serves (a sidecar: those its instance belongs to; a router: those without instances of their
// own); each open frame becomes a BusExchange through that Service's request path. The
// subscriptions are endpoints of the process's NATS service, so `$SRV.STATS` counts the exchanges.
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { parseServiceKey, formatErrors, parseBusFrame, type Subjects } from '@app/protocol';
import { BusCallers } from './bus-callers.js';
import type { NatsEndpointHandle, NatsService } from '@app/runtime';
import { BusExchange, type BusExchangeContext } from './bus-exchange.js';
import { frameBytesFor, type BusSettings } from './bus-client.js';
import { BusInbox, type GarbageReport } from './bus-inbox.js';
import type { BusMetrics } from './bus-metrics.js';

type Handle = BusExchangeContext['handle'];

export interface BusResponderOptions {
  /**
   * The queue group of every subscription; unset, each Service's own (`rpcQueue`). Routers share
   * one group, so each exchange reaches one router whatever else serves the bus.
   */
  readonly queue?: string;
  /** The request path of a Service (`namespace/service`): a sidecar's inbound, a router's backend. */
  readonly handlerFor: (key: string) => Handle;
  /** Where the rpc subscriptions are made, as endpoints `<namespace>_<service>`. */
  readonly endpoints: Pick<NatsService, 'add'>;
  /** Metadata of every endpoint (a node proxy's: which workload answers). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** The mesh's trust domain: callers' principals are SPIFFE IDs in it. */
  readonly trustDomain: string;
}

export class BusResponder {
  private readonly subs = new Map<string, NatsEndpointHandle>();
  private readonly ctx: Omit<BusExchangeContext, 'handle'>;
  private readonly callers: BusCallers;
  private draining = false;

  constructor(
    nc: NatsConnection,
    private readonly subjects: Subjects,
    settings: BusSettings,
    metrics: BusMetrics,
    private readonly garbage: GarbageReport,
    private readonly options: BusResponderOptions,
  ) {
    this.callers = new BusCallers(options.trustDomain);
    this.ctx = {
      nc,
      inbox: new BusInbox(nc, settings.keepaliveMs, garbage),
      frameBytes: frameBytesFor(nc, settings.chunkBytes),
      window: settings.window,
      metrics,
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
      void sub.stop();
    }
    for (const key of keys) {
      const ref = parseServiceKey(key);
      if (this.subs.has(key) || !ref) continue;
      const { namespace, name: service } = ref;
      // One context per Service (not per request): its exchanges take that Service's path.
      const ctx: BusExchangeContext = { ...this.ctx, handle: this.options.handlerFor(key) };
      // `_` is in no DNS label, so the name is unambiguous.
      const sub = this.options.endpoints.add({
        name: `${namespace}_${service}`,
        // From any caller: who calls is the subject's last two tokens (see `onOpen`).
        subject: this.subjects.rpcFromAnyCaller(namespace, service),
        queue: this.options.queue ?? this.subjects.rpcQueue(namespace, service),
        metadata: this.options.metadata,
        handler: (msg) => this.onOpen(ctx, msg),
      });
      this.subs.set(key, sub);
    }
  }

  /** Takes no new exchanges (those in flight go on; the inbound listener's drain waits for them). */
  async drain(): Promise<void> {
    this.draining = true;
    const subs = [...this.subs.values()];
    this.subs.clear();
    await Promise.all(subs.map((s) => s.stop()));
  }

  close(): void {
    this.ctx.inbox.close();
  }

  private onOpen(ctx: BusExchangeContext, msg: Msg): void {
    const frame = parseBusFrame((name) => msg.headers?.get(name) ?? '', msg.subject);
    if (!frame.ok) return this.garbage(msg.subject, formatErrors(frame.errors));
    if (frame.value.kind !== 'open') {
      return this.garbage(msg.subject, `${frame.value.kind} frame outside an exchange`);
    }
    if (!msg.reply) return this.garbage(msg.subject, 'open frame without a reply subject');
    const principal = this.callers.principalOf(msg.subject);
    if (principal === undefined) return this.garbage(msg.subject, 'no caller identity');
    new BusExchange(ctx, frame.value, msg, principal).start();
  }
}
