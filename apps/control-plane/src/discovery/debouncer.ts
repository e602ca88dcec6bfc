// Istio's debounce: changes only enqueue; one run follows once they pause for `quietMs`, and at the
// latest `maxMs` after the first of them, so a steady trickle cannot postpone a run for ever.

export interface DebounceTiming {
  /** The pause after the last change that triggers a run. */
  readonly quietMs: number;
  /** The longest a change waits, however many follow it. */
  readonly maxMs: number;
}

export class Debouncer {
  private timer: NodeJS.Timeout | undefined;
  /** When the pending run is due. */
  private due = 0;
  /** When the first change not yet run arrived. */
  private firstAt = 0;
  /** The latest an urgent change not yet run may wait until: later changes never postpone it. */
  private urgentBy = Infinity;

  constructor(
    private readonly timing: DebounceTiming,
    private readonly run: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records a change: the run moves to `quietMs` from now, never past `maxMs` from the first
   * change. An `urgent` change (an endpoint leaving) waits at most `quietMs` whatever follows it.
   */
  trigger(urgent = false): void {
    const now = this.now();
    if (this.timer === undefined) {
      this.firstAt = now;
      this.urgentBy = Infinity;
    }
    if (urgent) this.urgentBy = Math.min(this.urgentBy, now + this.timing.quietMs);
    const due = Math.min(
      now + this.timing.quietMs,
      this.firstAt + this.timing.maxMs,
      this.urgentBy,
    );
    if (this.timer !== undefined && due === this.due) return;
    clearTimeout(this.timer);
    this.due = due;
    this.timer = setTimeout(() => this.fire(), Math.max(0, due - now));
    // A pending run never keeps a stopping process alive.
    this.timer.unref();
  }

  /** Runs now, in place of any pending run (a change that must not wait). */
  runNow(): void {
    this.cancel();
    this.run();
  }

  /** Drops a pending run (shutdown). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    this.run();
  }
}
