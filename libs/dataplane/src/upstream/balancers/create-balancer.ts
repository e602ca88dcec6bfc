// Builds the balancer a Cluster's policy selects: its strategy, within locality levels when set.
import { LeastRequestBalancer } from './least-request-balancer.js';
import type { BalancerSettings, LoadBalancer } from './load-balancer.js';
import { LocalityBalancer } from './locality-balancer.js';
import type { LocalitySettings } from './locality-levels.js';
import { PeakEwmaBalancer } from './peak-ewma-balancer.js';
import { RingHashBalancer } from './ring-hash-balancer.js';
import { RoundRobinBalancer } from './round-robin-balancer.js';

export function createBalancer(
  settings: BalancerSettings,
  locality?: LocalitySettings,
): LoadBalancer {
  if (locality) return new LocalityBalancer(locality, () => createBalancer(settings));
  switch (settings.type) {
    case 'RoundRobin':
      return new RoundRobinBalancer();
    case 'LeastRequest':
      return new LeastRequestBalancer();
    case 'PeakEwma':
      return new PeakEwmaBalancer(settings.decayMs);
    case 'ConsistentHash':
      return new RingHashBalancer(settings);
  }
}
