// Power of two choices: of two distinct random endpoints, the one of lower cost.
import type { Endpoint } from '../endpoint.js';
import { skipped, type EjectedOrigins } from './load-balancer.js';

export function twoChoices(
  endpoints: readonly Endpoint[],
  tried: readonly Endpoint[] | undefined,
  ejected: EjectedOrigins | undefined,
  cost: (endpoint: Endpoint) => number,
): Endpoint | undefined {
  const pool =
    tried === undefined && ejected === undefined ? endpoints : usable(endpoints, tried, ejected);
  const n = pool.length;
  if (n <= 1) return pool[0];
  const first = Math.floor(Math.random() * n);
  let second = Math.floor(Math.random() * (n - 1));
  if (second >= first) second++;
  return cost(pool[second]) < cost(pool[first]) ? pool[second] : pool[first];
}

/** The endpoints a pick may return. Allocates: it only runs on retries and while some endpoint is ejected. */
function usable(
  endpoints: readonly Endpoint[],
  tried: readonly Endpoint[] | undefined,
  ejected: EjectedOrigins | undefined,
): Endpoint[] {
  const pool: Endpoint[] = [];
  for (const endpoint of endpoints) if (!skipped(endpoint, tried, ejected)) pool.push(endpoint);
  return pool;
}
