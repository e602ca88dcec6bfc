// Pipeline layer: Istio's fault injection, a delay that holds a share of requests and an abort that answers a share itself.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendLocalReply } from '../http/local-reply.js';
import type { CompiledRoute } from '../routing/route-table.js';
import type { Cluster } from '../upstream/cluster.js';

/** The steps a delayed request resumes at, called with the request's own values (no closure each). */
export type ResumeAfterDelay = (
  req: IncomingMessage,
  res: ServerResponse,
  cluster: Cluster,
  route: CompiledRoute,
  path: string,
) => void;

/**
 * True when the request is held for the Service's `delay` (its share of requests): `resume` then
 * takes it on, unless the client left meanwhile. Envoy's fault filter delays before it aborts, and
 * decides each on its own: a delayed request may still be aborted after its delay.
 */
export function faultDelayed(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  route: CompiledRoute,
  path: string,
  resume: ResumeAfterDelay,
): boolean {
  const faults = cluster.policy.faults;
  if (faults === undefined || !chance(faults.delayPercent)) return false;
  setTimeout(afterDelay, faults.delayMs, resume, req, res, cluster, route, path);
  return true;
}

/** True when the request was answered with the Service's `abort` status (its share of requests). */
export function faultAborted(cluster: Cluster, res: ServerResponse): boolean {
  const faults = cluster.policy.faults;
  if (faults === undefined || !chance(faults.abortPercent)) return false;
  sendLocalReply(res, 'fault_abort', `${cluster.key}: injected fault`, faults.abortStatus);
  return true;
}

function afterDelay(
  resume: ResumeAfterDelay,
  req: IncomingMessage,
  res: ServerResponse,
  cluster: Cluster,
  route: CompiledRoute,
  path: string,
): void {
  if (!res.destroyed) resume(req, res, cluster, route, path);
}

/** True for `percent` in 100 calls on average; fractions count (Istio's `percentage: {value: 0.1}`). */
function chance(percent: number): boolean {
  return percent > 0 && Math.random() * 100 < percent;
}
