// Pipeline layer: the picked backend's Service; an unresolved reference or all-zero weights answer 500 no_backend.
import type { ServerResponse } from 'node:http';
import { sendLocalReply } from '../http/local-reply.js';
import type { Cluster } from '../upstream/cluster.js';
import type { CompiledRoute, WeightedBackend } from './route-table.js';

/**
 * The cluster of `backend` (what `pickBackend` chose for `route`), or undefined once 500 is sent:
 * Gateway API answers 500 for a backendRef that resolves to nothing, and for a rule whose weights
 * are all 0.
 */
export function backendCluster(
  route: CompiledRoute,
  backend: WeightedBackend | null,
  res: ServerResponse,
): Cluster | undefined {
  if (backend?.cluster) return backend.cluster;
  const why = backend
    ? `backend ${backend.name} does not resolve to a Service`
    : 'every backend weight is 0';
  sendLocalReply(res, 'no_backend', `${route.name}: ${why}`);
  return undefined;
}
