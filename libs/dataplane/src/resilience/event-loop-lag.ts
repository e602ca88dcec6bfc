// How late the event loop runs: a probe timer's mean lateness over a window, which the overload
// manager sheds on (a loop this late delays every request the proxy holds, and its heartbeats).

/** How often the probe asks to run: small enough for a window of a second to hold many probes. */
export const LAG_PROBE_MS = 50;

export class EventLoopLag {
  private timer: NodeJS.Timeout | undefined;
  private expected = 0;
  private lateness = 0;
  private probes = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  start(): void {
    if (this.timer) return;
    this.expected = this.now() + LAG_PROBE_MS;
    this.timer = setInterval(() => this.probe(), LAG_PROBE_MS).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * The mean lateness (ms) of the probes since the last call, then starts a new window. A loop
   * blocked for most of a window runs few probes, each very late: a sustained lag reads high, one
   * garbage-collection pause among many punctual probes reads low. A window no probe ran in
   * reads how late the next one already is.
   */
  take(): number {
    const mean =
      this.probes === 0 ? Math.max(0, this.now() - this.expected) : this.lateness / this.probes;
    this.lateness = 0;
    this.probes = 0;
    return mean;
  }

  private probe(): void {
    const now = this.now();
    this.lateness += Math.max(0, now - this.expected);
    this.probes++;
    this.expected = now + LAG_PROBE_MS;
  }
}
