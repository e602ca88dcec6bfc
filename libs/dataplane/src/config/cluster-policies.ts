// TrafficPolicies compiled per target Service; of several on one Service, the first by namespace/name wins.
import { parseDurationMs, type TrafficPolicy } from '@app/protocol';
import type { ClusterPolicy } from '../upstream/cluster.js';
import { clusterKey } from '../upstream/cluster-registry.js';

export function compileClusterPolicies(
  policies: readonly TrafficPolicy[],
): Map<string, ClusterPolicy> {
  const byTarget = new Map<string, ClusterPolicy>();
  const ordered = [...policies].sort((a, b) =>
    `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
      `${b.metadata.namespace}/${b.metadata.name}`,
    ),
  );
  for (const policy of ordered) {
    const compiled = compilePolicy(policy);
    for (const target of policy.spec.targetRefs) {
      const key = clusterKey(policy.metadata.namespace, target.name);
      if (!byTarget.has(key)) byTarget.set(key, compiled);
    }
  }
  return byTarget;
}

function compilePolicy({ spec }: TrafficPolicy): ClusterPolicy {
  const outlier = spec.outlierDetection;
  const delay = spec.faultInjection?.delay;
  const abort = spec.faultInjection?.abort;
  return {
    loadBalancer: spec.loadBalancer?.type ?? 'RoundRobin',
    outlier: outlier && {
      consecutive5xx: outlier.consecutive5xx,
      consecutiveGatewayErrors: outlier.consecutiveGatewayErrors,
      baseEjectionMs: parseDurationMs(outlier.baseEjectionTime),
      maxEjectionPercent: outlier.maxEjectionPercent,
    },
    faults: spec.faultInjection && {
      delayPercent: delay?.percent ?? 0,
      delayMs: delay ? parseDurationMs(delay.fixedDelay) : 0,
      abortPercent: abort?.percent ?? 0,
      abortStatus: abort?.httpStatus ?? 503,
    },
  };
}
