// The Services reached over the bus, each as a cluster of one endpoint (the rpc subject: NATS picks
// the instance), and the dispatcher lookup that sends their tries over the bus instead of a pool.
import type { CallerIdentity, Subjects } from '@app/protocol';
import { Cluster } from '../upstream/cluster.js';
import { clusterPolicy, PLAIN_HTTP1, type TrafficSettings } from '../upstream/cluster-policy.js';
import type { Endpoint } from '../upstream/endpoint.js';
import type { PoolRegistry } from '../upstream/pool-registry.js';
import type { DispatcherSource } from '../upstream/upstream-try.js';
import type { BusClient, BusDispatcher } from './bus-client.js';

/** Origins of bus endpoints: `nats:<rpc subject>` (shown as the endpoint in access logs). */
const BUS_SCHEME = 'nats:';

interface BusRoute {
  readonly cluster: Cluster;
  readonly dispatcher: BusDispatcher;
}

export class BusRoutes {
  private routes = new Map<string, BusRoute>();
  private readonly byOrigin = new Map<string, BusDispatcher>();

  constructor(
    private readonly client: BusClient,
    private readonly subjects: Subjects,
    /** Who this proxy calls as: the end of every rpc subject it publishes on. */
    private readonly caller: CallerIdentity,
  ) {}

  /** The bus cluster standing in for `key`, when that Service's transport is `bus`. */
  clusterFor(key: string): Cluster | undefined {
    return this.routes.get(key)?.cluster;
  }

  /**
   * Replaces the set of bus Services (part of a config commit); each keeps its cluster (and its
   * outlier and breaker state) across updates and takes the Service's current traffic settings.
   */
  update(traffic: ReadonlyMap<string, TrafficSettings>): void {
    const next = new Map<string, BusRoute>();
    for (const [key, settings] of traffic) {
      const route = this.routes.get(key) ?? this.create(key);
      const { cluster } = route;
      cluster.commit(cluster.all, clusterPolicy(settings, PLAIN_HTTP1, cluster.policy));
      next.set(key, route);
    }
    this.routes = next;
    this.byOrigin.clear();
    for (const route of next.values()) {
      this.byOrigin.set(route.cluster.all[0].origin, route.dispatcher);
    }
  }

  /** `pools`, except that bus origins dispatch over the bus. */
  dispatchers(pools: PoolRegistry): DispatcherSource {
    return {
      // Parameters named, not `...args`: a rest array would be made on every request.
      get: (origin, connection, tls) => {
        if (!origin.startsWith(BUS_SCHEME)) return pools.get(origin, connection, tls);
        // A retry may outlive its Service's switch back to http: it still goes to the subject.
        return this.byOrigin.get(origin) ?? this.client.dispatcher(origin.slice(BUS_SCHEME.length));
      },
    };
  }

  private create(key: string): BusRoute {
    const [namespace, service] = key.split('/');
    const { namespace: callerNamespace, serviceAccount } = this.caller;
    const subject = this.subjects.rpc(namespace, service, callerNamespace, serviceAccount);
    const cluster = new Cluster(key);
    const ep: Endpoint = {
      instanceId: 'bus',
      address: subject,
      port: 0,
      origin: BUS_SCHEME + subject,
    };
    cluster.setEndpoints([ep]);
    return { cluster, dispatcher: this.client.dispatcher(subject) };
  }
}
