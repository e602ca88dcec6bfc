// Follows only the destinations a proxy uses: each Service's bundle and endpoint set, read from the
// config bucket when first needed (a request for an unknown host waits for it) and kept current by
// the leader's announcements on that Service's own subject; its instances' memberships say which
// Services it answers for. Applies complete snapshots, reports ACK/NACK; survives NATS outages.
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import {
  aliasKey,
  ConfigAnnouncement,
  decodeMessage,
  formatErrors,
  memberKey,
  SNAPSHOT_KEY,
  type Subjects,
} from '@app/protocol';
import { serviceNamedBy } from './destination-hosts.js';
import { FollowedDestinations, valueOf, type KeyValue } from './followed-destinations.js';
import type { RouteConfigurator } from './route-configurator.js';
import { SnapshotApplier, type ConfigSyncEvents } from './snapshot-applier.js';
import type { SnapshotCache } from './snapshot-cache.js';

/** What a proxy follows on its own account: its instances (their memberships). */
export interface DestinationScope {
  readonly localNamespace: string;
  readonly instances: readonly { readonly namespace: string; readonly instanceId: string }[];
}

const RETRY_MS = 1_000;
/** How long a request for an unknown host waits for its destination to be read. */
const DISCOVERY_WAIT_MS = 1_000;
/** Hosts that named nothing are followed (so their creation is heard) up to this many, oldest dropped. */
const MAX_UNKNOWN = 256;

export class DestinationSync {
  private readonly followed = new FollowedDestinations();
  private kv: KV | undefined;
  private nc: NatsConnection | undefined;
  private readonly subscriptions = new Map<string, Subscription>();
  /** Reads in flight, so that a marker is applied with them done. */
  private readonly loading = new Set<Promise<void>>();
  /** Followed Service → its first read (resolved from then on). */
  private readonly loads = new Map<string, Promise<void>>();
  /** Hosts being looked up, so concurrent requests for one share the lookup. */
  private readonly discovering = new Map<string, Promise<void>>();
  /** Followed Services that held nothing when read, oldest first. */
  private readonly unknown = new Set<string>();
  private cached: readonly string[] = [];
  private initialized = false;
  private readonly applier: SnapshotApplier;
  /** Markers and resyncs run one at a time, in arrival order. */
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly configurator: RouteConfigurator,
    cache: SnapshotCache,
    private readonly events: ConfigSyncEvents,
    private readonly log: Logger,
    private readonly subjects: Subjects,
    private readonly scope: DestinationScope,
  ) {
    this.applier = new SnapshotApplier(configurator, cache, events, log, () => ({
      ...this.followed.toMeshState().toData(),
      destinations: [...this.loads.keys()],
    }));
  }

  get hasConfig(): boolean {
    return this.applier.hasConfig;
  }

  get revision(): number {
    return this.applier.revision;
  }

  /** Serves the cached snapshot until NATS answers; its destinations are followed first then. */
  async loadCache(): Promise<void> {
    this.cached = (await this.applier.loadCache())?.destinations ?? [];
  }

  /** Starts following in the background until `stop()`. */
  run(nc: NatsConnection, bucket: string): void {
    this.nc = nc;
    void this.start(bucket);
  }

  /** NATS is back: what was announced meanwhile is lost, so everything followed is read again. */
  resync(): void {
    if (!this.kv || this.stopped) return;
    this.serialized(async () => {
      const keys = [SNAPSHOT_KEY, ...this.followedKeys()];
      await Promise.all(keys.map((key) => this.read(key)));
      this.compile();
    });
  }

  stop(): void {
    this.stopped = true;
    for (const sub of this.subscriptions.values()) sub.unsubscribe();
    this.subscriptions.clear();
    this.applier.stop();
  }

  /**
   * For a request whose host the table does not know: reads the Service (or alias) it names and
   * recompiles, resolving when done (or after a second); undefined when there is nothing to read.
   */
  discover(host: string): Promise<void> | undefined {
    if (!this.kv || this.stopped) return undefined;
    const running = this.discovering.get(host);
    if (running) return running;
    const named = serviceNamedBy(host, this.scope.localNamespace);
    const service = named !== undefined && !this.loads.has(named) ? named : undefined;
    const alias = !this.followed.hasAlias(host);
    if (!service && !alias) return undefined;
    const lookup = Promise.all([
      service && this.follow(service).then(() => this.followBackends([service])),
      alias && this.followAlias(host),
    ])
      .then(() => {
        if (service) this.boundUnknown(service);
        this.compile();
      })
      .catch((err: Error) =>
        this.log.warn({ err: err.message, host }, 'reading a destination failed'),
      );
    // Every request waiting for this host gets the same promise: they go on in arrival order.
    const waited = Promise.race([
      lookup,
      new Promise<void>((r) => setTimeout(r, DISCOVERY_WAIT_MS).unref()),
    ]);
    this.discovering.set(host, waited);
    void lookup.finally(() => this.discovering.delete(host));
    return waited;
  }

  private async start(bucket: string): Promise<void> {
    while (!this.stopped && !this.kv) {
      try {
        this.kv = await new Kvm(this.nc!).open(bucket);
      } catch (err) {
        this.log.warn(
          { err: (err as Error).message, bucket },
          'config bucket not reachable; retrying',
        );
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
    if (this.stopped) return;
    this.serialized(async () => {
      this.subscribe(SNAPSHOT_KEY);
      const members = this.scope.instances.map((i) => memberKey(i.namespace, i.instanceId));
      for (const key of members) this.subscribe(key);
      await Promise.all([
        this.read(SNAPSHOT_KEY),
        ...members.map((key) => this.read(key)),
        ...this.cached.map((service) => this.follow(service)),
      ]);
      await this.settled();
      this.initialized = true;
      this.compile();
    });
  }

  /**
   * Follows a Service (its bundle and endpoint set) from now on, resolving once both are read; the
   * backends its routes send to are followed in turn (a host the table knows has every backend of
   * its routes), in the background, each followed once whatever cycles routes make.
   */
  private follow(service: string): Promise<void> {
    let read = this.loads.get(service);
    if (read) return read;
    this.followed.follow(service);
    const [bundle, endpoints] = this.followed.keysOf(service);
    this.subscribe(bundle);
    read = this.tracked(Promise.all([this.read(bundle), this.read(endpoints)]).then(() => {}));
    this.loads.set(service, read);
    void this.tracked(read.then(() => this.followBackends([service])));
    return read;
  }

  /** Follows the backends the routes of `services` send to; resolves once they are read. */
  private async followBackends(services: string[]): Promise<void> {
    const backends = this.followed.backendsOf(services);
    const fresh = backends.filter((b) => !this.loads.has(b));
    await Promise.all(backends.map((b) => this.follow(b)));
    // Backends read after the table was built are compiled in (the revision stays the one applied).
    if (fresh.length > 0) this.compile();
  }

  private async followAlias(host: string): Promise<void> {
    const key = aliasKey(host);
    this.subscribe(key);
    await this.read(key);
  }

  /**
   * A discovered Service that holds nothing stays followed, so that its creation is heard; past
   * MAX_UNKNOWN of them (a client sending made-up hosts), the oldest is dropped.
   */
  private boundUnknown(service: string): void {
    if (this.followed.holdsAnything(service)) return void this.unknown.delete(service);
    this.unknown.add(service);
    if (this.unknown.size <= MAX_UNKNOWN) return;
    const [oldest] = this.unknown;
    this.unknown.delete(oldest);
    const subject = this.subjects.configAnnouncement(this.followed.keysOf(oldest)[0]);
    this.subscriptions.get(subject)?.unsubscribe();
    this.subscriptions.delete(subject);
    this.followed.unfollow(oldest);
    this.loads.delete(oldest);
  }

  /** Subscribes the announcement subject of `key` (once). */
  private subscribe(key: string): void {
    const subject = this.subjects.configAnnouncement(key);
    if (this.subscriptions.has(subject) || !this.nc) return;
    const sub = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (!err) this.announced(msg.subject, msg.data);
      },
    });
    this.subscriptions.set(subject, sub);
  }

  private announced(subject: string, data: Uint8Array): void {
    const note = decodeMessage(ConfigAnnouncement, data, subject);
    if (!note.ok) return this.events.invalid(subject, formatErrors(note.errors));
    const { key, seq, op, value } = note.value;
    // A value too big to announce is read from the bucket.
    if (op === 'PUT' && value === undefined) return void this.tracked(this.read(key));
    if (key === SNAPSHOT_KEY) return this.serialized(() => this.onMarker({ key, seq, value }));
    this.receive({ key, seq, value: op === 'PUT' ? value : undefined });
  }

  /** Reads one key from the bucket and takes its value (a missing key: nothing there). */
  private async read(key: string): Promise<void> {
    try {
      const entry = await this.kv!.get(key);
      const put = entry?.operation === 'PUT';
      const value = valueOf(key, put ? entry.value : undefined);
      if (!value.ok) return this.events.invalid(key, formatErrors(value.errors));
      const taken = { key, seq: entry?.revision ?? 0, value: value.value };
      if (key !== SNAPSHOT_KEY) return this.receive(taken);
      const change = this.followed.take(taken);
      if (change.kind === 'snapshot') this.followed.revision = change.marker.revision;
      else if (change.kind === 'invalid') this.events.invalid(change.key, change.reason);
    } catch (err) {
      this.log.warn(
        { err: (err as Error).message, key },
        'config read failed; it is read again on reconnect',
      );
    }
  }

  /** Takes a value and does what it asks: follow more, update endpoints in place. */
  private receive(value: KeyValue): void {
    const change = this.followed.take(value);
    switch (change.kind) {
      case 'invalid':
        return this.events.invalid(change.key, change.reason);
      case 'alias':
        if (change.service)
          void this.tracked(this.follow(change.service).then(() => this.compile()));
        return;
      case 'member':
        for (const service of change.services) void this.follow(service);
        return;
      case 'bundle':
        // Applied with the next marker; its new backends are followed now so they are ready.
        void this.tracked(this.followBackends([change.service]));
        // A bundle that blocked a revision is retried as soon as it is fixed.
        if (this.initialized && this.applier.rejectedRevision === this.followed.revision)
          this.compile();
        return;
      case 'endpoints':
        if (!this.initialized) return;
        if (this.configurator.applyEndpoints(change.service, change.set)) this.compile();
        this.applier.saveSoon();
        return;
      default:
        return;
    }
  }

  /** A new revision: the projections it wrote that are held older are read, then it is applied. */
  private async onMarker(value: KeyValue): Promise<void> {
    const change = this.followed.take(value);
    if (change.kind === 'invalid') return this.events.invalid(change.key, change.reason);
    if (change.kind !== 'snapshot') return;
    const behind = this.followed.behind(change.marker.projections ?? []);
    await Promise.all(behind.map((key) => this.read(key)));
    await this.settled();
    // Only now is the revision complete here: a compile meanwhile kept reporting the last one.
    this.followed.revision = change.marker.revision;
    if (this.initialized) this.compile();
  }

  /** Waits for the loads in flight (and those they start). */
  private async settled(): Promise<void> {
    while (this.loading.size > 0) await Promise.all([...this.loading]);
  }

  private tracked(load: Promise<void>): Promise<void> {
    this.loading.add(load);
    return load.finally(() => this.loading.delete(load));
  }

  private followedKeys(): string[] {
    const services = this.followed.followedServices().flatMap((s) => this.followed.keysOf(s));
    const members = this.scope.instances.map((i) => memberKey(i.namespace, i.instanceId));
    return [...services, ...members, ...this.followed.aliasHosts().map((h) => aliasKey(h))];
  }

  private compile(): void {
    if (!this.initialized) return;
    const { revision, blockingErrors } = this.followed;
    this.applier.apply(revision, () => this.followed.toMeshState(), blockingErrors);
  }

  private serialized(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((err: Error) => {
      this.log.warn({ err: err.message }, 'applying followed config failed');
    });
  }
}
