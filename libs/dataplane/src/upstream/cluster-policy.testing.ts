// Test helper: gives a cluster the policy of `traffic` as a config commit would (endpoints kept,
// the parts whose settings did not change carried over).
import type { Cluster } from './cluster.js';
import {
  clusterPolicy,
  PLAIN_HTTP1,
  type ConnectionSettings,
  type TrafficSettings,
} from './cluster-policy.js';

export function commitTraffic(
  cluster: Cluster,
  traffic: TrafficSettings,
  connection: ConnectionSettings = PLAIN_HTTP1,
): Cluster {
  cluster.commit(cluster.all, clusterPolicy(traffic, connection, cluster.policy));
  return cluster;
}
