// Where a proxy or an instance runs (cluster, region, zone), and the label keys that name each part.

/** A proxy's or an instance's place; an unset part matches only another unset one. */
export interface Locality {
  readonly cluster?: string;
  readonly region?: string;
  readonly zone?: string;
}

/** The cluster of a proxy that sets no WEFT_CLUSTER: a one-cluster mesh is all `local`. */
export const DEFAULT_CLUSTER = 'local';

/** TrafficPolicy `failoverPriority` keys, each naming one part of a locality (Istio's and Kubernetes' names). */
export const LOCALITY_LABELS = {
  'topology.weft.dev/cluster': 'cluster',
  'topology.kubernetes.io/region': 'region',
  'topology.kubernetes.io/zone': 'zone',
} as const satisfies Record<string, keyof Locality>;
export type LocalityLabel = keyof typeof LOCALITY_LABELS;

/**
 * Whether `locality` is within a `distribute` pattern (`*`, `region`, `region/*`, `region/zone`),
 * as Istio matches them: a missing or `*` part matches anything.
 */
export function localityMatches(locality: Locality, pattern: string): boolean {
  const [region, zone] = pattern.split('/');
  if (region !== '*' && region !== (locality.region ?? '')) return false;
  return zone === undefined || zone === '*' || zone === (locality.zone ?? '');
}
