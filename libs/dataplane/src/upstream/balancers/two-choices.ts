// Power of two choices: of two distinct random endpoints, the one of lower cost.
import type { Endpoint } from '../endpoint.js';
import type { Skip } from './load-balancer.js';

export function twoChoices(
  endpoints: readonly Endpoint[],
  skip: Skip,
  cost: (endpoint: Endpoint) => number,
): Endpoint | undefined {
  // Filtering allocates; it only happens on retries and while some endpoint is ejected.
  const pool = skip ? endpoints.filter((e) => !skip(e)) : endpoints;
  const n = pool.length;
  if (n <= 1) return pool[0];
  const first = Math.floor(Math.random() * n);
  let second = Math.floor(Math.random() * (n - 1));
  if (second >= first) second++;
  return cost(pool[second]) < cost(pool[first]) ? pool[second] : pool[first];
}
