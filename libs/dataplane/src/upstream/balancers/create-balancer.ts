// Builds the balancer a Cluster's policy selects.
import { LeastRequestBalancer } from './least-request-balancer.js';
import type { BalancerSettings, LoadBalancer } from './load-balancer.js';
import { PeakEwmaBalancer } from './peak-ewma-balancer.js';
import { RingHashBalancer } from './ring-hash-balancer.js';
import { RoundRobinBalancer } from './round-robin-balancer.js';

export function createBalancer(settings: BalancerSettings): LoadBalancer {
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
