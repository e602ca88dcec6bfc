// Linkerd's retry budget (tower's TpsBudget): over the last `ttl`, retries may number at most
// `ratio` × requests + `minPerSecond` × ttl, so retries cannot multiply load when everything fails.

export interface RetryBudgetSettings {
  readonly ratio: number;
  readonly minPerSecond: number;
  readonly ttlMs: number;
}

/** The window is kept as this many slots, each ttl/SLOTS long; counts older than ttl drop out whole. */
const SLOTS = 10;

export class RetryBudget {
  private readonly requests = new Float64Array(SLOTS);
  private readonly retries = new Float64Array(SLOTS);
  private readonly slotMs: number;
  /** Start of the current slot, and its index. */
  private slotStart = Date.now();
  private slot = 0;

  constructor(readonly settings: RetryBudgetSettings) {
    this.slotMs = settings.ttlMs / SLOTS;
  }

  /** A request was sent (not a retry): it earns `ratio` retries. */
  deposit(): void {
    this.advance();
    this.requests[this.slot]++;
  }

  /** Spends one retry when the budget has one; false when it is overdrawn. */
  withdraw(): boolean {
    this.advance();
    const { ratio, minPerSecond, ttlMs } = this.settings;
    const allowed = (minPerSecond * ttlMs) / 1000 + ratio * sum(this.requests);
    if (sum(this.retries) + 1 > allowed) return false;
    this.retries[this.slot]++;
    return true;
  }

  /** Moves to the slot of now, clearing the slots skipped on the way. */
  private advance(): void {
    const now = Date.now();
    const steps = Math.floor((now - this.slotStart) / this.slotMs);
    if (steps <= 0) return;
    for (let i = 0; i < Math.min(steps, SLOTS); i++) {
      this.slot = (this.slot + 1) % SLOTS;
      this.requests[this.slot] = 0;
      this.retries[this.slot] = 0;
    }
    this.slotStart += steps * this.slotMs;
  }
}

function sum(values: Float64Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
