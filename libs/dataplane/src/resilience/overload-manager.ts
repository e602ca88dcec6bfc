// Envoy's overload manager, for the whole proxy process: past a memory or connection threshold,
// every listener refuses new connections and the proxy reports itself not ready, while the
// connections it holds and their requests go on (and `/healthz` stays green).

export interface OverloadThresholds {
  /** Client connections open across every listener; at this many, new ones are refused. 0: none. */
  readonly maxConnections: number;
  /** Resident memory (RSS) in bytes; at this much, new connections are refused. 0: none. */
  readonly maxRssBytes: number;
}

/** What the overload manager opens and closes: a listener's door. */
export interface ConnectionGate {
  /** false: refuse every new connection from now on; true: take them again (within its own cap). */
  admit(open: boolean): void;
}

/** An overloaded proxy takes connections again once below this share of each threshold (no flapping). */
export const RECOVER_AT = 0.9;
/** How often memory is sampled. */
export const MEMORY_SAMPLE_MS = 1_000;

export class OverloadManager {
  private connections = 0;
  private rss = 0;
  private active = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly gates = new Set<ConnectionGate>();

  constructor(
    private readonly thresholds: OverloadThresholds,
    /** Told each time the proxy becomes overloaded (with why) or recovers. */
    private readonly changed: (overloaded: boolean, why: string) => void,
    private readonly readRss: () => number = () => process.memoryUsage.rss(),
  ) {}

  get overloaded(): boolean {
    return this.active;
  }

  /** Connections open across the listeners. */
  get openConnections(): number {
    return this.connections;
  }

  /** A listener whose new connections are refused while overloaded. */
  add(gate: ConnectionGate): void {
    this.gates.add(gate);
    if (this.active) gate.admit(false);
  }

  /** A listener accepted a connection. */
  opened(): void {
    this.connections++;
    const max = this.thresholds.maxConnections;
    if (!this.active && max > 0 && this.connections >= max) this.update();
  }

  /** A connection a listener accepted closed. */
  closed(): void {
    this.connections--;
    if (this.active) this.update();
  }

  /** Samples memory every MEMORY_SAMPLE_MS (when there is a memory threshold). */
  start(): void {
    if (this.thresholds.maxRssBytes === 0 || this.timer) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), MEMORY_SAMPLE_MS).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sample(): void {
    this.rss = this.readRss();
    this.update();
  }

  /** Overloaded at a threshold; recovered once below RECOVER_AT of every threshold. */
  private update(): void {
    const why = this.reason(this.active ? RECOVER_AT : 1);
    const overloaded = why !== undefined;
    if (overloaded === this.active) return;
    this.active = overloaded;
    for (const gate of this.gates) gate.admit(!overloaded);
    this.changed(overloaded, why ?? 'below every threshold');
  }

  /** Why the proxy is at `share` of a threshold or beyond; undefined when below every one. */
  private reason(share: number): string | undefined {
    const { maxConnections, maxRssBytes } = this.thresholds;
    if (maxConnections > 0 && this.connections >= maxConnections * share)
      return `${this.connections} client connections open (threshold ${maxConnections})`;
    if (maxRssBytes > 0 && this.rss >= maxRssBytes * share)
      return `resident memory ${mb(this.rss)} MB (threshold ${mb(maxRssBytes)} MB)`;
    return undefined;
  }
}

function mb(bytes: number): number {
  return Math.round(bytes / 2 ** 20);
}
