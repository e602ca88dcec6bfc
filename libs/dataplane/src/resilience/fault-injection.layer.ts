// Pipeline layer: Istio's fault injection, a delay that holds a share of requests and an abort that answers a share itself.
import type { Exchange } from '../exchange.js';
import { sendLocalReply } from '../http/local-reply.js';
import type { StepOutcome } from '../pipeline.js';

/**
 * Step: holds the Service's share of requests for its `delay` ('held'): `resume` then takes each on
 * at the next step, unless its client left meanwhile. Envoy's fault filter delays before it
 * aborts, and decides each on its own: a delayed request may still be aborted after its delay.
 */
export function faultDelay(resume: (ex: Exchange) => void): (ex: Exchange) => StepOutcome {
  return (ex) => {
    const faults = ex.cluster!.policy.faults;
    if (faults === undefined || !chance(faults.delayPercent)) return 'next';
    setTimeout(afterDelay, faults.delayMs, resume, ex);
    return 'held';
  };
}

/** Step: answers the Service's share of requests with its `abort` status. */
export function faultAbort(ex: Exchange): StepOutcome {
  const cluster = ex.cluster!;
  const faults = cluster.policy.faults;
  if (faults === undefined || !chance(faults.abortPercent)) return 'next';
  sendLocalReply(ex.res, 'fault_abort', `${cluster.key}: injected fault`, faults.abortStatus);
  return 'answered';
}

/** A timer callback with the exchange as its argument: no closure per delayed request. */
function afterDelay(resume: (ex: Exchange) => void, ex: Exchange): void {
  if (!ex.res.destroyed) resume(ex);
}

/** True for `percent` in 100 calls on average; fractions count (Istio's `percentage: {value: 0.1}`). */
function chance(percent: number): boolean {
  return percent > 0 && Math.random() * 100 < percent;
}
