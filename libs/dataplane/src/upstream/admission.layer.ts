// Pipeline layer: a Service's circuit breaker and retry budget admit the first try and each retry;
// a full limit answers 503 (first try) or keeps a retry from being made, said in x-weft-overflow.
import type { Exchange } from '../exchange.js';
import { sendLocalReply } from '../http/local-reply.js';
import type { StepOutcome } from '../pipeline.js';
import type { RetryState } from './retry.layer.js';

/** Says which limit refused a request, or kept it from being retried (Envoy: x-envoy-overloaded). */
export const OVERFLOW_HEADER = 'x-weft-overflow';

/** Why a retry the route asked for was not made: a circuit breaker, or the retry budget. */
export type RetryRefusal = 'retries' | 'retry_budget';

/** Where refusals are counted (the proxy's overflow metric). */
export type OverflowCount = (reason: 'pending' | RetryRefusal) => void;

/**
 * Step: the first try's admission. A request that would wait for a connection to its endpoint
 * while `maxPendingRequests` others already do is refused with 503 (Envoy answers so, with
 * x-envoy-overloaded; the header here also says which limit); an admitted one earns the retry
 * budget its share of retries.
 */
export function admission(overflowed: OverflowCount): (ex: Exchange) => StepOutcome {
  return (ex) => {
    const cluster = ex.cluster!;
    const { breaker, retryBudget } = cluster.policy;
    if (breaker?.pendingFull(ex.first!.origin)) {
      overflowed('pending');
      const message = `${cluster.key}: too many requests waiting for a connection`;
      sendLocalReply(ex.res, 'upstream_overflow', message, 503, { [OVERFLOW_HEADER]: 'pending' });
      return 'answered';
    }
    retryBudget?.deposit();
    return 'next';
  };
}

/**
 * A retry's admission: one of the breaker's concurrent-retry slots, held until the exchange is
 * over or retries again, and a withdrawal from the retry budget. A refusal is counted and kept in
 * `state` for the client's answer.
 */
export function admitRetry(ex: Exchange, state: RetryState, overflowed: OverflowCount): boolean {
  releaseRetrySlot(ex, state);
  const { breaker, retryBudget } = ex.cluster!.policy;
  if (breaker && !breaker.retryStarted()) return refuse(state, 'retries', overflowed);
  state.slot = breaker !== undefined;
  if (retryBudget?.withdraw() === false) {
    releaseRetrySlot(ex, state);
    return refuse(state, 'retry_budget', overflowed);
  }
  return true;
}

/** Gives back the exchange's concurrent-retry slot, if it holds one. */
export function releaseRetrySlot(ex: Exchange, state: RetryState): void {
  if (!state.slot) return;
  state.slot = false;
  ex.cluster!.policy.breaker?.retryFinished();
}

function refuse(state: RetryState, why: RetryRefusal, overflowed: OverflowCount): false {
  state.refusal = why;
  overflowed(why);
  return false;
}
