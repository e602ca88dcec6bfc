// Pipeline layer: the rule's weighted backend, the traffic edge the request counts under, and the
// backend's Service; an unresolved reference or all-zero weights answer 500 no_backend.
import type { Exchange } from '../exchange.js';
import { sendLocalReply } from '../http/local-reply.js';
import type { TrafficStats } from '../metrics/traffic-stats.js';
import type { StepOutcome } from '../pipeline.js';
import { pickBackend } from './route-table.js';

/**
 * Step: picks the backend by weight, counts the request on its edge, and follows the backend's own
 * policy when it has filters of its own. Gateway API answers 500 for
 * a backendRef that resolves to nothing, and for a rule whose weights are all 0.
 */
export function backendPick(stats: TrafficStats): (ex: Exchange) => StepOutcome {
  return (ex) => {
    const route = ex.route!;
    const backend = pickBackend(route);
    ex.edge = stats.outbound(route, backend ?? undefined);
    if (backend?.cluster) {
      ex.cluster = backend.cluster;
      if (backend.policy) ex.policy = backend.policy;
      return 'next';
    }
    const why = backend
      ? `backend ${backend.name} does not resolve to a Service`
      : 'every backend weight is 0';
    sendLocalReply(ex.res, 'no_backend', `${route.name}: ${why}`);
    return 'answered';
  };
}
