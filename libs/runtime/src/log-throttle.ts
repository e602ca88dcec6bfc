// Bounds how often one kind of event is logged: a flood of garbage must not become a flood of log lines.

interface Window {
  start: number;
  logged: number;
  /** Lines held back since the last one logged. */
  held: number;
}

/**
 * At most `burst` lines per key in each `windowMs`; the first line of a later window reports how
 * many were held back. Keys are a caller's fixed vocabulary (sources, reasons), never message data.
 */
export class LogThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly burst = 10,
    private readonly windowMs = 10_000,
  ) {}

  /** Undefined when this line is to be held back; else how many were held back before it. */
  admit(key: string, now = Date.now()): number | undefined {
    let w = this.windows.get(key);
    if (!w) {
      w = { start: now, logged: 0, held: 0 };
      this.windows.set(key, w);
    }
    if (now - w.start >= this.windowMs) {
      w.start = now;
      w.logged = 0;
    }
    if (w.logged >= this.burst) {
      w.held++;
      return undefined;
    }
    w.logged++;
    const held = w.held;
    w.held = 0;
    return held;
  }
}
