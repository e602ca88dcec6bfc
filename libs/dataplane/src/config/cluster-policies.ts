// TrafficPolicies compiled per target Service; of several on one Service, the first by namespace/name wins.
import {
  DEFAULT_CLUSTER,
  GRPC_RETRY_BUFFER_BYTES,
  LOCALITY_LABELS,
  localityMatches,
  GRPC_RETRY_ON,
  inPrecedenceOrder,
  parseDurationMs,
  serviceKey,
  type FaultAbort,
  type FaultDelay,
  type LoadBalancerPolicy,
  type Locality,
  type LocalityLabel,
  type LocalityLbSetting,
  type OutlierDetectionPolicy,
  type TrafficPolicy,
} from '@app/protocol';
import type { BalancerSettings } from '../upstream/balancers/load-balancer.js';
import type { LocalitySettings } from '../upstream/balancers/locality-levels.js';
import type { TrafficSettings } from '../upstream/cluster-policy.js';
import { DEFAULT_MAX_EJECTION_MS, type OutlierSettings } from '../upstream/outlier-detector.js';
import { DEFAULT_POOL_OPTIONS } from '../upstream/pool-registry.js';

export function compileClusterPolicies(
  policies: readonly TrafficPolicy[],
  /** Where this proxy runs (locality load balancing is relative to it). */
  self: Locality = { cluster: DEFAULT_CLUSTER },
): Map<string, TrafficSettings> {
  const byTarget = new Map<string, TrafficSettings>();
  const ordered = inPrecedenceOrder(policies);
  for (const policy of ordered) {
    const compiled = compilePolicy(policy, self);
    for (const target of policy.spec.targetRefs) {
      const key = serviceKey(policy.metadata.namespace, target.name);
      if (!byTarget.has(key)) byTarget.set(key, compiled);
    }
  }
  return byTarget;
}

function compilePolicy({ spec }: TrafficPolicy, self: Locality): TrafficSettings {
  const outlier = spec.outlierDetection;
  const delay = spec.faultInjection?.delay;
  const abort = spec.faultInjection?.abort;
  const pool = spec.connectionPool;
  const budget = spec.retryBudget;
  const rate = spec.localRateLimit;
  return {
    loadBalancer: balancerSettings(spec.loadBalancer),
    locality: localitySettings(spec.loadBalancer?.localityLbSetting, self),
    outlier: outlier && outlierSettings(outlier),
    faults: spec.faultInjection && {
      delayPercent: delay ? faultPercent(delay) : 0,
      delayMs: delay ? parseDurationMs(delay.fixedDelay) : 0,
      abortPercent: abort ? faultPercent(abort) : 0,
      abortStatus: abort?.httpStatus ?? 503,
    },
    limits: pool && {
      maxConnections: pool.maxConnections ?? DEFAULT_POOL_OPTIONS.connections,
      maxPendingRequests: pool.maxPendingRequests,
      maxRequestsPerConnection: pool.maxRequestsPerConnection ?? 0,
      maxRetries: pool.maxRetries,
    },
    retryBudget: budget && {
      ratio: budget.retryRatio,
      minPerSecond: budget.minRetriesPerSecond,
      ttlMs: parseDurationMs(budget.ttl),
    },
    retryNonIdempotent: spec.retryNonIdempotent,
    grpcRetry: spec.grpcRetry && {
      codes: spec.grpcRetry.retryOn.map((name) => GRPC_RETRY_ON[name]),
      bufferBytes: spec.grpcRetry.bufferBytes ?? GRPC_RETRY_BUFFER_BYTES,
    },
    rateLimit: rate && {
      maxTokens: rate.maxTokens,
      tokensPerFill: rate.tokensPerFill,
      fillIntervalMs: parseDurationMs(rate.fillInterval),
      per: rate.per,
    },
  };
}

/** Envoy's defaults where unset: a 10s interval, ejections up to 300s (or the base, if longer). */
function outlierSettings(outlier: OutlierDetectionPolicy): OutlierSettings {
  const baseEjectionMs = parseDurationMs(outlier.baseEjectionTime);
  const max = outlier.maxEjectionTime;
  return {
    consecutive5xx: outlier.consecutive5xx,
    consecutiveGatewayErrors: outlier.consecutiveGatewayErrors,
    baseEjectionMs,
    intervalMs: parseDurationMs(outlier.interval),
    maxEjectionMs:
      max === undefined ? Math.max(DEFAULT_MAX_EJECTION_MS, baseEjectionMs) : parseDurationMs(max),
    maxEjectionPercent: outlier.maxEjectionPercent,
  };
}

/** The share a fault hits, in percent, whichever of Istio's two ways it was written. */
function faultPercent(share: FaultDelay | FaultAbort): number {
  return share.percentage?.value ?? share.percent ?? 0;
}

function balancerSettings(lb: LoadBalancerPolicy | undefined): BalancerSettings {
  switch (lb?.type) {
    case undefined:
    case 'RoundRobin':
      return { type: 'RoundRobin' };
    case 'LeastRequest':
      return { type: 'LeastRequest' };
    case 'PeakEwma':
      return { type: 'PeakEwma', decayMs: parseDurationMs(lb.peakEwma?.decayTime ?? '10s') };
    case 'ConsistentHash':
      return { type: 'ConsistentHash', ...lb.consistentHash };
  }
}

/**
 * Istio's choices: `distribute` applies the first rule whose `from` matches this proxy (none: no
 * locality weighting); `failoverPriority` orders by its labels; otherwise region then zone, with
 * this proxy's region's `failover` target before other regions. Off when `enabled: false`.
 */
function localitySettings(
  setting: LocalityLbSetting | undefined,
  self: Locality,
): LocalitySettings | undefined {
  if (setting === undefined || setting.enabled === false) return undefined;
  if (setting.distribute) {
    const rule = setting.distribute.find((d) => localityMatches(self, d.from));
    if (!rule) return undefined;
    const to = Object.entries(rule.to).map(([pattern, weight]) => ({ pattern, weight }));
    return { mode: 'distribute', to };
  }
  if (setting.failoverPriority) {
    const labels = setting.failoverPriority as LocalityLabel[];
    return { mode: 'failover', self, parts: labels.map((label) => LOCALITY_LABELS[label]) };
  }
  const failoverRegion = setting.failover?.find((f) => f.from === self.region)?.to;
  return { mode: 'failover', self, parts: ['region', 'zone'], failoverRegion };
}
