// Logs at a bounded rate: a flood of refusals (or forgeries) costs a few lines, and says how many
// were left out, instead of drowning the log.
import type { Logger } from './logger.js';

export class LogBudget {
  private windowStart = 0;
  private used = 0;
  private suppressed = 0;

  constructor(
    private readonly perWindow: number,
    private readonly windowMs: number,
  ) {}

  /** Logs `msg` with `fields` at warn unless this window's budget is spent. */
  warn(log: Logger, fields: Record<string, unknown>, msg: string, now = Date.now()): void {
    if (now - this.windowStart >= this.windowMs) {
      const left = this.suppressed;
      this.windowStart = now;
      this.used = 0;
      this.suppressed = 0;
      if (left > 0) log.warn({ suppressed: left }, `${left} more like this were not logged`);
    }
    if (this.used >= this.perWindow) {
      this.suppressed++;
      return;
    }
    this.used++;
    log.warn(fields, msg);
  }
}
