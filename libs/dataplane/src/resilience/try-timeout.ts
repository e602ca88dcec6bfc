// Per-try and request timeouts: short per-try ones on a timer of their own, the errors both abort a try with.

/**
 * Below this, a try's timeout is timed by the exchange itself: undici's headers timeout runs on a
 * timer that ticks about twice a second, so it fires up to a second late, fine for long timeouts,
 * wrong for a 300ms one. Longer ones keep undici's, which costs nothing per request.
 */
export const OWN_TIMER_BELOW_MS = 10_000;

/** The `headersTimeout` to give undici for a try timeout of `ms` (0 turns undici's off). */
export function undiciHeadersTimeout(ms: number): number {
  return ms >= OWN_TIMER_BELOW_MS ? ms : 0;
}

/** Whether a try timeout of `ms` needs the exchange's own timer. */
export function needsOwnTimer(ms: number): boolean {
  return ms > 0 && ms < OWN_TIMER_BELOW_MS;
}

/** What a try that timed out is aborted with: undici's code, so it is handled as undici's own. */
export class TryTimeoutError extends Error {
  readonly code = 'UND_ERR_HEADERS_TIMEOUT';

  constructor() {
    super('no response headers within the per-try timeout');
  }
}

/** The code of `RequestTimeoutError`: answered as `upstream_timeout` (504), never retried. */
export const REQUEST_TIMEOUT_CODE = 'WEFT_REQUEST_TIMEOUT';

/** What an exchange past the route's request timeout (`timeouts.request`) is aborted with. */
export class RequestTimeoutError extends Error {
  readonly code = REQUEST_TIMEOUT_CODE;

  constructor() {
    super('no complete response within the request timeout');
  }
}
