// How long before retry number n: at least the route's `backoff` (Gateway API's minimum), doubling
// with each retry, fully jittered above that minimum and capped at 10× it (Envoy's max_interval).

const MAX_FACTOR = 10;

/** Delay before retry `retry` (0 for the first), for a route backoff of `baseMs`. */
export function retryBackoffMs(
  baseMs: number,
  retry: number,
  random: number = Math.random(),
): number {
  const ceiling = Math.min(baseMs * 2 ** (retry + 1), baseMs * MAX_FACTOR);
  return baseMs + random * (ceiling - baseMs);
}
