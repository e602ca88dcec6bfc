// Envoy's overload manager, for the whole proxy process: past a connection threshold every listener
// refuses new connections (each would cost a file descriptor); past a memory, heap or event-loop
// lag threshold new requests are shed with 503 (each would cost memory and loop time). Either way
// the proxy reports itself not ready, while the requests in flight go on and `/healthz` stays green.
import { EventLoopLag } from './event-loop-lag.js';

export interface OverloadThresholds {
  /** Client connections open across every listener; at this many, new ones are refused. 0: none. */
  readonly maxConnections: number;
  /** Resident memory (RSS) in bytes; at this much, new requests are shed. 0: none. */
  readonly maxRssBytes: number;
  /** V8 heap in use, in bytes; at this much, new requests are shed. 0: none. */
  readonly maxHeapBytes: number;
  /** Mean event-loop lag over a sample window, in ms; at this much, new requests are shed. 0: none. */
  readonly maxEventLoopLagMs: number;
}

/** What the overload manager opens and closes: a listener's door. */
export interface ConnectionGate {
  /** false: refuse every new connection from now on; true: take them again (within its own cap). */
  admit(open: boolean): void;
}

/** What the overload manager reads of the process, once a sample. */
export interface ProcessLoad {
  memory(): { readonly rss: number; readonly heapUsed: number };
  readonly lag: Pick<EventLoopLag, 'start' | 'stop' | 'take'>;
}

/** The running process's own load. */
export function processLoad(): ProcessLoad {
  return { memory: () => process.memoryUsage(), lag: new EventLoopLag() };
}

/** An overloaded proxy takes connections again once below this share of each threshold (no flapping). */
export const RECOVER_AT = 0.9;
/** How often memory and event-loop lag are sampled. */
export const SAMPLE_MS = 1_000;

export class OverloadManager {
  private connections = 0;
  private rss = 0;
  private heapUsed = 0;
  private lagMs = 0;
  /** At the connection threshold: every listener refuses new connections. */
  private refusing = false;
  /** At a memory, heap or lag threshold: new requests are shed. */
  private shedding = false;
  private shed = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly gates = new Set<ConnectionGate>();

  constructor(
    private readonly thresholds: OverloadThresholds,
    /** Told each time the proxy's overload changes (with why), and when it recovers. */
    private readonly changed: (overloaded: boolean, why: string) => void,
    private readonly load: ProcessLoad = processLoad(),
  ) {}

  get overloaded(): boolean {
    return this.refusing || this.shedding;
  }

  /** Whether a new request is to be answered 503 `overloaded` instead of proxied. */
  get sheddingRequests(): boolean {
    return this.shedding;
  }

  /** Requests shed so far. */
  get shedRequests(): number {
    return this.shed;
  }

  /** Connections open across the listeners. */
  get openConnections(): number {
    return this.connections;
  }

  /** A listener whose new connections are refused at the connection threshold. */
  add(gate: ConnectionGate): void {
    this.gates.add(gate);
    if (this.refusing) gate.admit(false);
  }

  /** A listener accepted a connection. */
  opened(): void {
    this.connections++;
    const max = this.thresholds.maxConnections;
    if (!this.refusing && max > 0 && this.connections >= max) this.update();
  }

  /** A connection a listener accepted closed. */
  closed(): void {
    this.connections--;
    if (this.refusing) this.update();
  }

  /** A request was shed. */
  countShed(): void {
    this.shed++;
  }

  /** Samples memory and event-loop lag every SAMPLE_MS (when there is such a threshold). */
  start(): void {
    const { maxRssBytes, maxHeapBytes, maxEventLoopLagMs } = this.thresholds;
    if (this.timer || maxRssBytes + maxHeapBytes + maxEventLoopLagMs === 0) return;
    if (maxEventLoopLagMs > 0) this.load.lag.start();
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.load.lag.stop();
  }

  private sample(): void {
    const { rss, heapUsed } = this.load.memory();
    this.rss = rss;
    this.heapUsed = heapUsed;
    this.lagMs = this.load.lag.take();
    this.update();
  }

  /** Each action starts at its threshold and ends below RECOVER_AT of it. */
  private update(): void {
    const max = this.thresholds.maxConnections;
    const refusing = max > 0 && this.connections >= max * (this.refusing ? RECOVER_AT : 1);
    const why = this.resource(this.shedding ? RECOVER_AT : 1);
    const shedding = why !== undefined;
    if (refusing === this.refusing && shedding === this.shedding) return;
    if (refusing !== this.refusing) for (const gate of this.gates) gate.admit(!refusing);
    this.refusing = refusing;
    this.shedding = shedding;
    const reasons = [
      refusing ? `${this.connections} client connections open (threshold ${max})` : undefined,
      why,
    ].filter((r) => r !== undefined);
    this.changed(this.overloaded, reasons.join('; ') || 'below every threshold');
  }

  /** Which resource is at `share` of its threshold or beyond; undefined when none is. */
  private resource(share: number): string | undefined {
    const { maxRssBytes, maxHeapBytes, maxEventLoopLagMs } = this.thresholds;
    if (maxRssBytes > 0 && this.rss >= maxRssBytes * share)
      return `resident memory ${mb(this.rss)} MB (threshold ${mb(maxRssBytes)} MB)`;
    if (maxHeapBytes > 0 && this.heapUsed >= maxHeapBytes * share)
      return `heap in use ${mb(this.heapUsed)} MB (threshold ${mb(maxHeapBytes)} MB)`;
    if (maxEventLoopLagMs > 0 && this.lagMs >= maxEventLoopLagMs * share)
      return `event-loop lag ${Math.round(this.lagMs)} ms (threshold ${maxEventLoopLagMs} ms)`;
    return undefined;
  }
}

function mb(bytes: number): number {
  return Math.round(bytes / 2 ** 20);
}
