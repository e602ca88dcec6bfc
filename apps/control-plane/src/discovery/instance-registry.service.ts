// Live instances from heartbeats: ready ones are endpoints; TTL expiry and draining/down remove them.
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import {
  connectionKey,
  isOwnInstance,
  type EndpointSet,
  type Heartbeat,
  type InstanceOwner,
  type InstanceState,
  type Locality,
  type NatsConnectionRef,
} from '@app/protocol';
import { LOGGER, NatsClient, type Logger } from '@app/runtime';
import { stateGauge } from '@app/runtime';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { countDropped } from '../dropped-entries.js';

export interface LiveInstance {
  readonly instance: InstanceOwner;
  readonly ready: boolean;
  lastSeen: number;
  /** `connectionKey` of the NATS connection its proxy last sent from, when it said. */
  connection?: string;
}

/**
 * An instance's health as `weft events` tells it: the states it announced, and why it left when it
 * did not say (`expired`: heartbeats stopped; `disconnected`: its NATS connection closed).
 */
export interface InstanceHealth {
  readonly namespace: string;
  readonly service: string;
  readonly instanceId: string;
  readonly state: InstanceState | 'expired' | 'disconnected';
}

/** The identity an instance registered with: who may speak for its id until it is gone. */
type Holder = Pick<InstanceOwner, 'namespace' | 'service' | 'serviceAccount' | 'instanceId'>;

/** An instance that announced `draining`: out of its sets, its `down` still to come. */
interface Departing {
  readonly instance: Holder;
  lastSeen: number;
}

/** Prometheus: `weft_instances`. */
const instancesGauge = stateGauge(
  'weft.instances',
  'Instances with a live heartbeat',
  '{instance}',
);

/**
 * Emits `changed` with the registry key (`<namespace>/<instanceId>`) of an instance that registered,
 * changed or left (`undefined`), and `health` when its state changed: never for a heartbeat that
 * repeats what is known.
 *
 * At most WEFT_MAX_INSTANCES live instances (and as many departing): the heartbeats of a new one
 * past it are dropped, counted in `weft_control_plane_dropped_total{weft_table="instances"}`, until
 * others leave. Those already live are never pushed out.
 */
@Injectable()
export class InstanceRegistry
  extends EventEmitter<{
    changed: [key: string, live: LiveInstance | undefined];
    health: [InstanceHealth];
  }>
  implements OnApplicationShutdown
{
  private readonly live = new Map<string, LiveInstance>();
  /** By registry key; kept until `down` or a TTL of silence, so `down` is told once. */
  private readonly departing = new Map<string, Departing>();
  private readonly sweeper: NodeJS.Timeout;
  /** While we cannot hear heartbeats, their absence says nothing about the instances. */
  private deaf = false;

  constructor(
    private readonly env: ControlPlaneEnv,
    nats: NatsClient,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    super();
    nats.on('disconnect', () => this.suspendExpiry());
    nats.on('reconnect', () => this.resumeExpiry(Date.now()));
    const every = Math.max(20, Math.min(250, env.WEFT_HEARTBEAT_INTERVAL_MS / 4));
    this.sweeper = setInterval(() => this.expire(Date.now()), every);
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  all(): LiveInstance[] {
    return [...this.live.values()];
  }

  /** Every live instance with its registry key. */
  entries(): IterableIterator<[string, LiveInstance]> {
    return this.live.entries();
  }

  /**
   * The identity holding `hb`'s instance id in its namespace, when it is another one than `hb`'s:
   * an instance id belongs to the first Service and service account that registered it until it
   * is gone, so no other workload can speak for it (announce it `down`, move its address).
   */
  heldByOther(hb: Heartbeat): Holder | undefined {
    const key = `${hb.namespace}/${hb.instanceId}`;
    const holder = this.live.get(key)?.instance ?? this.departing.get(key)?.instance;
    if (!holder) return undefined;
    return holder.service === hb.service && holder.serviceAccount === hb.serviceAccount
      ? undefined
      : holder;
  }

  /**
   * Costs a map lookup and a few comparisons when the heartbeat repeats what is known. The caller
   * has checked `heldByOther`.
   */
  onHeartbeat(hb: Heartbeat, now = Date.now()): void {
    const key = `${hb.namespace}/${hb.instanceId}`;
    if (hb.state === 'draining' || hb.state === 'down') {
      const left = this.live.delete(key);
      const departing = this.departing.get(key);
      if (hb.state === 'down') this.departing.delete(key);
      else if (departing) departing.lastSeen = now;
      else if (left && this.departing.size < this.env.WEFT_MAX_INSTANCES)
        this.departing.set(key, { instance: holderOf(hb), lastSeen: now });
      if (left) this.changed(key, undefined, `instance ${hb.state}`);
      if (left || (departing && hb.state === 'down')) this.health(hb, hb.state);
      return;
    }
    this.departing.delete(key);
    const before = this.live.get(key);
    const ready = hb.state === 'ready';
    const connection = hb.connection && connectionKey(hb.connection);
    if (before && before.ready === ready && sameOwner(before.instance, hb)) {
      before.lastSeen = now;
      before.connection = connection;
      return;
    }
    if (!before && this.live.size >= this.env.WEFT_MAX_INSTANCES) {
      countDropped('instances', 'refused');
      return;
    }
    const instance: InstanceOwner = {
      namespace: hb.namespace,
      service: hb.service,
      serviceAccount: hb.serviceAccount,
      instanceId: hb.instanceId,
      address: hb.address,
      port: hb.port,
      labels: hb.labels,
      ...localityOf(hb),
      ...(hb.site !== undefined && { site: hb.site }),
    };
    const live = { instance, ready, lastSeen: now, connection };
    this.live.set(key, live);
    this.changed(key, live, before ? 'instance changed' : 'instance registered');
    if (before?.ready !== ready) this.health(hb, hb.state);
  }

  /**
   * Adopts endpoints a previous control plane published, as if just heard from: they stay until
   * their own heartbeats arrive or the TTL runs out, so a restart never empties a healthy set.
   */
  seed(sets: readonly EndpointSet[], now = Date.now()): void {
    for (const set of sets) {
      for (const instance of set.endpoints) {
        // An unmeshed pod or another cluster's instance is no instance here: it never heartbeats
        // here; the controller or the importer lists it again.
        if (!isOwnInstance(instance)) continue;
        this.live.set(`${instance.namespace}/${instance.instanceId}`, {
          instance,
          ready: true,
          lastSeen: now,
        });
      }
    }
    instancesGauge.set(this.live.size);
  }

  /** Stops expiring instances (our own NATS link is down). */
  suspendExpiry(): void {
    this.deaf = true;
  }

  /**
   * Resumes expiry with a full TTL for everyone, plus one interval: they had no way to reach us
   * meanwhile, and reconnect on their own schedule after we do.
   */
  resumeExpiry(now: number): void {
    this.deaf = false;
    const grace = now + this.env.WEFT_HEARTBEAT_INTERVAL_MS;
    for (const entry of this.live.values()) entry.lastSeen = grace;
  }

  /**
   * The NATS server reports a client connection closed: every instance whose latest heartbeat came
   * over that very connection leaves now. An instance that has since reconnected sent its new
   * connection id and stays.
   */
  onConnectionClosed(ref: NatsConnectionRef): void {
    const closed = connectionKey(ref);
    for (const [key, entry] of this.live) {
      if (entry.connection !== closed) continue;
      this.live.delete(key);
      this.changed(key, undefined, 'instance connection closed');
      this.health(entry.instance, 'disconnected');
    }
  }

  /** Removes every live instance `matches` picks (a registration withdrawn), as if it had left. */
  evict(matches: (instance: InstanceOwner) => boolean, reason: string): void {
    for (const [key, entry] of this.live) {
      if (!matches(entry.instance)) continue;
      this.live.delete(key);
      this.changed(key, undefined, reason);
      this.health(entry.instance, 'down');
    }
  }

  expire(now: number): void {
    if (this.deaf) return;
    const deadline = now - this.env.instanceTtlMs;
    for (const [key, entry] of this.live) {
      if (entry.lastSeen >= deadline) continue;
      this.live.delete(key);
      this.changed(key, undefined, 'instance expired');
      this.health(entry.instance, 'expired');
    }
    for (const [key, entry] of this.departing) {
      if (entry.lastSeen >= deadline) continue;
      this.departing.delete(key);
      this.health(entry.instance, 'expired');
    }
  }

  private health(
    instance: Pick<InstanceHealth, 'namespace' | 'service' | 'instanceId'>,
    state: InstanceHealth['state'],
  ): void {
    this.emit('health', { ...owner(instance), state });
  }

  private changed(key: string, live: LiveInstance | undefined, reason: string): void {
    instancesGauge.set(this.live.size);
    this.log.info({ instanceId: key.slice(key.indexOf('/') + 1), reason }, reason);
    this.emit('changed', key, live);
  }
}

function owner({
  namespace,
  service,
  instanceId,
}: Pick<InstanceHealth, 'namespace' | 'service' | 'instanceId'>): Pick<
  InstanceHealth,
  'namespace' | 'service' | 'instanceId'
> {
  return { namespace, service, instanceId };
}

function holderOf({ namespace, service, serviceAccount, instanceId }: Holder): Holder {
  return { namespace, service, serviceAccount, instanceId };
}

/** The locality parts a heartbeat carries (an older proxy's carries none). */
function localityOf({ cluster, region, zone }: Heartbeat): Locality {
  return {
    ...(cluster !== undefined && { cluster }),
    ...(region !== undefined && { region }),
    ...(zone !== undefined && { zone }),
  };
}

/** Whether a heartbeat names the same address, port, identity and labels as what is known. */
function sameOwner(known: InstanceOwner, hb: Heartbeat): boolean {
  if (
    known.address !== hb.address ||
    known.port !== hb.port ||
    known.service !== hb.service ||
    known.serviceAccount !== hb.serviceAccount ||
    known.namespace !== hb.namespace ||
    known.instanceId !== hb.instanceId ||
    known.cluster !== hb.cluster ||
    known.region !== hb.region ||
    known.zone !== hb.zone ||
    known.site !== hb.site
  )
    return false;
  let count = 0;
  for (const k in hb.labels) {
    if (known.labels[k] !== hb.labels[k]) return false;
    count++;
  }
  return count === Object.keys(known.labels).length;
}
