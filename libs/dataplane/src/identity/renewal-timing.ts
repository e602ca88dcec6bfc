// When a workload certificate is renewed and how retries back off (pure, so specs drive the clock).

/** Renewal at half of the lifetime left when the leaf arrived, minus up to a tenth (jitter). */
export function renewalAt(receivedAt: number, notAfter: number, random: number): number {
  const lifetime = Math.max(0, notAfter - receivedAt);
  return receivedAt + lifetime * (0.5 - 0.1 * random);
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

/** The wait before retry `attempt` (1-based): doubling from 1 s up to 30 s, jittered down by up to half. */
export function retryDelay(attempt: number, random: number): number {
  const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(attempt - 1, 16));
  return ceiling * (1 - 0.5 * random);
}
