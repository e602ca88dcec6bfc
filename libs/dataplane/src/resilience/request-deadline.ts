// Pipeline layer: the route's request timeout (`timeouts.request`) over the whole exchange, every
// try, retry and backoff within it (Envoy's route timeout); per-try timeouts are the try's own.
import type { Exchange } from '../exchange.js';
import type { StepOutcome } from '../pipeline.js';
import { RequestTimeoutError } from './try-timeout.js';

/** The request timeout of one exchange: a timer and what is left of it. */
export class RequestDeadline {
  /** The request timeout has passed: nothing more is tried, whatever time says. */
  expired = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly endsAt: number;

  constructor(
    private readonly ex: Exchange,
    ms: number,
  ) {
    this.endsAt = performance.now() + ms;
    // A module function and `this` as its argument: no closure for a timer most never fire.
    this.timer = setTimeout(deadlineReached, ms, this);
  }

  /** Time left, in ms (negative once past). */
  remainingMs(): number {
    return this.endsAt - performance.now();
  }

  /** The exchange is over (answered, failed, or its client left): the timer goes. */
  cancel(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * The time is up. Between tries, the retry waiting out its backoff is dropped and 504 answered;
   * a try in flight is aborted, so the client gets 504 before its answer began and a reset after
   * (a cut body must not pass for a whole one); a try still waiting for a connection is aborted
   * when it gets one (it sees `expired`).
   */
  reached(): void {
    this.timer = undefined;
    this.expired = true;
    const ex = this.ex;
    const error = new RequestTimeoutError();
    if (ex.retry?.dropBackoff()) ex.upstream!.giveUp(error);
    else ex.upstream?.abort(error);
  }
}

/** Step: starts the route's request timeout, when it has one (from when the request is routed). */
export function startDeadline(ex: Exchange): StepOutcome {
  const ms = ex.policy.requestTimeoutMs ?? 0;
  if (ms > 0) ex.deadline = new RequestDeadline(ex, ms);
  return 'next';
}

/** Time left of the exchange's request timeout; Infinity without one. */
export function remainingMs(ex: Exchange): number {
  return ex.deadline === undefined ? Infinity : ex.deadline.remainingMs();
}

function deadlineReached(deadline: RequestDeadline): void {
  deadline.reached();
}
