// The live exchanges of one side of the bus: one wildcard inbox subscription routes frames to them
// by subject, and one timer runs their keepalives.
import {
  createInbox,
  type Msg,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';
import { BUS_HEADER, formatErrors, parseBusFrame } from '@app/protocol';
import type { BusLink } from './bus-link.js';
import { ExchangeTokens } from './exchange-tokens.js';

/** Frames that failed validation, with where and why (the caller counts and logs them). */
export type GarbageReport = (where: string, reason: string) => void;

/** A `503` status message to an exchange inbox: NATS found no subscriber for the request. */
export const NO_RESPONDERS = 503;

export interface InboxOwner {
  /** The server answered the exchange's first frame with a status (503: nobody subscribes). */
  onStatus?(code: number): void;
}

/**
 * The connection's `inboxPrefix` option: its user may subscribe only under it (the NATS libraries
 * read it from the connection's options the same way for their own inboxes).
 */
function inboxPrefixOf(nc: NatsConnection): string | undefined {
  return (nc as NatsConnection & { options?: { inboxPrefix?: string } }).options?.inboxPrefix;
}

export class BusInbox {
  private readonly prefix: string;
  private readonly sub: Subscription;
  private readonly links = new Map<string, BusLink & InboxOwner>();
  private readonly tokens = new ExchangeTokens();
  private readonly timer: NodeJS.Timeout;

  constructor(
    nc: NatsConnection,
    keepaliveMs: number,
    private readonly garbage: GarbageReport,
  ) {
    this.prefix = createInbox(inboxPrefixOf(nc));
    this.sub = nc.subscribe(`${this.prefix}.*`, { callback: (_err, msg) => this.route(msg) });
    this.timer = setInterval(() => this.sweep(), Math.max(25, keepaliveMs / 2));
    this.timer.unref();
  }

  get size(): number {
    return this.links.size;
  }

  /** A fresh subject for one exchange, unguessable from any other one's. */
  subject(): string {
    return `${this.prefix}.${this.tokens.next()}`;
  }

  add(link: BusLink & InboxOwner): void {
    this.links.set(link.inbox, link);
  }

  delete(link: BusLink): void {
    this.links.delete(link.inbox);
  }

  close(): void {
    clearInterval(this.timer);
    this.sub.unsubscribe();
  }

  private sweep(): void {
    const now = Date.now();
    for (const link of this.links.values()) link.sweep(now);
  }

  private route(msg: Msg): void {
    // Late frames of a finished exchange (a credit, a ping) are normal and dropped quietly.
    const link = this.links.get(msg.subject);
    if (!link) return;
    const headers = msg.headers;
    if (headers && headers.code >= 300 && !headers.has(BUS_HEADER.frame)) {
      link.onStatus?.(headers.code);
      return;
    }
    const frame = parseBusFrame((name) => headers?.get(name) ?? '', msg.subject);
    if (!frame.ok) {
      const reason = formatErrors(frame.errors);
      this.garbage(msg.subject, reason);
      link.onBroken(`invalid frame: ${reason}`);
      return;
    }
    link.hear(frame.value, msg);
  }
}
