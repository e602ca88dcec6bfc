// Follows only the destinations a proxy uses: each Service's bundle and endpoint set, read from the
// config bucket when first needed (a request for an unknown host waits for it) and kept current by
// the leader's announcements on that Service's own subject, until its hosts are no longer called
// (CalledHosts: a bound and a TTL); its instances' memberships say which Services it answers for.
// Applies complete snapshots, reports ACK/NACK; survives NATS outages.
import {
  aliasKey,
  ConfigAnnouncement,
  decodeMessage,
  formatErrors,
  memberKey,
  DNS_NAME,
  ROOT_NAMESPACE,
  SNAPSHOT_KEY,
} from '@app/protocol';
import { AnnouncementSubscriptions } from './announcement-subscriptions.js';
import { BackgroundWork } from './background-work.js';
import {
  CalledHosts,
  DEFAULT_DESTINATION_LIMITS,
  type DestinationLimits,
  type EvictionReason,
} from './called-hosts.js';
import type { ConfigLink } from './config-feed.js';
import type { ConfigFollower, ConfigFollowerDeps } from './config-follower.js';
import { serviceNamedBy } from './destination-hosts.js';
import { FollowedDestinations, valueOf, type KeyValue } from './followed-destinations.js';
import { SnapshotApplier } from './snapshot-applier.js';

/**
 * What a proxy follows on its own account: its instances (their memberships) and the policies of
 * their namespaces and of the root namespace.
 */
export interface DestinationScope {
  readonly localNamespace: string;
  readonly instances: readonly { readonly namespace: string; readonly instanceId: string }[];
  /** How many called hosts are followed, and for how long uncalled (defaults when absent). */
  readonly limits?: DestinationLimits;
}

const RETRY_MS = 1_000;
/** How long a request for an unknown host waits for its destination to be read. */
const DISCOVERY_WAIT_MS = 1_000;

/** The bucket and the announcements listened to, from when the bucket opened. */
interface OpenLink {
  readonly bucket: ConfigLink;
  readonly announcements: AnnouncementSubscriptions;
}

export class DestinationSync implements ConfigFollower {
  /** The values read and announced: what a compile builds from. */
  private readonly held = new FollowedDestinations();
  private readonly applier: SnapshotApplier;
  /** Owns every read, follow-up and marker started here. */
  private readonly work: BackgroundWork;
  private link: OpenLink | undefined;
  /** Followed Service → its first read (resolved from then on). */
  private readonly reads = new Map<string, Promise<void>>();
  /** Hosts being looked up, so concurrent requests for one share the lookup. */
  private readonly lookups = new Map<string, Promise<void>>();
  /** The hosts requests name: what keeps a destination followed. */
  private readonly calledHosts: CalledHosts;
  /** Called host → the Service its name is, if any (worked out once per host held). */
  private readonly namedBy = new Map<string, string | undefined>();
  private sweeper: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly deps: ConfigFollowerDeps,
    private readonly scope: DestinationScope,
  ) {
    this.work = new BackgroundWork(deps.log);
    this.calledHosts = new CalledHosts(scope.limits ?? DEFAULT_DESTINATION_LIMITS);
    this.applier = new SnapshotApplier({ ...deps, held: this.held });
    const namespaces = [
      ROOT_NAMESPACE,
      scope.localNamespace,
      ...scope.instances.map((i) => i.namespace),
    ];
    for (const namespace of namespaces) this.held.followPolicies(namespace);
  }

  get hasConfig(): boolean {
    return this.applier.hasConfig;
  }

  /** Serves the cached snapshot until NATS answers; the Services it lists are followed first then. */
  async loadCache(): Promise<void> {
    const cached = await this.applier.loadCache();
    for (const service of cached?.destinations ?? []) this.held.follow(service);
  }

  run(): void {
    void this.work.own(this.start(), 'following destinations stopped');
    this.sweeper = setInterval(() => this.sweep(), this.calledHosts.sweepEveryMs).unref();
  }

  resync(): void {
    if (!this.link || this.stopped) return;
    this.work.serial(async () => {
      const keys = [SNAPSHOT_KEY, ...this.followedKeys()];
      await Promise.all(keys.map((key) => this.read(key)));
      this.applier.compile();
    }, 'reading followed config again failed');
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.sweeper);
    this.link?.announcements.close();
    this.applier.stop();
  }

  /**
   * For a request whose host the table does not know: reads the Service (or alias) it names and
   * recompiles, resolving when done (or after a second); undefined when there is nothing to read.
   */
  discover(host: string): Promise<void> | undefined {
    if (!this.link || this.stopped) return undefined;
    const running = this.lookups.get(host);
    if (running) return running;
    this.called(host);
    const named = this.serviceOf(host);
    const service = named !== undefined && !this.reads.has(named) ? named : undefined;
    // Only a DNS name can be an alias (ExternalService hosts are): nothing else becomes a subject.
    const alias = !this.held.hasAlias(host) && DNS_NAME.test(host);
    if (!service && !alias) return undefined;
    const lookup = this.work
      .own(this.lookUp(host, service, alias), 'reading a destination failed', { host })
      .finally(() => this.lookups.delete(host));
    // Every request waiting for this host gets the same promise: they go on in arrival order.
    const waited = Promise.race([
      lookup,
      new Promise<void>((r) => setTimeout(r, DISCOVERY_WAIT_MS).unref()),
    ]);
    this.lookups.set(host, waited);
    return waited;
  }

  /** A request for a host the table knows (request path: a map lookup, no allocation mostly). */
  called(host: string): void {
    this.calledHosts.called(host);
  }

  private async lookUp(host: string, service: string | undefined, alias: boolean): Promise<void> {
    await Promise.all([
      service && this.follow(service).then(() => this.followBackends([service])),
      alias && this.followAlias(host),
    ]);
    const evicted = this.calledHosts.trim((h) => !this.reachesSomething(h));
    if (evicted.length > 0) this.drop(evicted, 'max');
    else this.applier.compile();
    this.deps.events.following?.(this.held.followedServices().length);
  }

  /** The hosts not called for the TTL are dropped, and what only they led to. */
  private sweep(): void {
    if (this.stopped) return;
    const expired = this.calledHosts.sweep();
    if (expired.length > 0) this.drop(expired, 'ttl');
    // Hosts the table knew were noted as called without a trim: it is done here.
    const evicted = this.calledHosts.trim((h) => !this.reachesSomething(h));
    if (evicted.length > 0) this.drop(evicted, 'max');
  }

  /**
   * Stops following hosts and every Service none of the hosts still called (nor this proxy's
   * instances) leads to: their subscriptions end, the table is compiled without them, then their
   * clusters and pools are released.
   */
  private drop(hosts: readonly string[], reason: EvictionReason): void {
    for (const host of hosts) {
      this.namedBy.delete(host);
      this.held.forgetAlias(host);
      this.link?.announcements.remove(aliasKey(host));
    }
    const kept = this.reachable();
    const unfollowed = this.held.followedServices().filter((s) => !kept.has(s));
    for (const service of unfollowed) {
      this.held.unfollow(service);
      this.forget(service);
    }
    if (this.applier.compile() && unfollowed.length > 0) this.deps.target.release(unfollowed);
    this.deps.events.evicted?.(reason, hosts.length);
    this.deps.events.following?.(this.held.followedServices().length);
  }

  /** The Services the called hosts and the instances' memberships lead to, backends included. */
  private reachable(): Set<string> {
    const kept = new Set(this.held.memberedServices());
    for (const host of this.calledHosts.keys()) {
      const named = this.serviceOf(host);
      if (named !== undefined) kept.add(named);
      const aliased = this.held.aliasTarget(host);
      if (aliased !== undefined) kept.add(aliased);
    }
    for (let fresh = [...kept]; fresh.length > 0;) {
      fresh = this.held.backendsOf(fresh).filter((b) => !kept.has(b));
      for (const backend of fresh) kept.add(backend);
    }
    return kept;
  }

  /** Whether a called host leads to a Service or alias that holds something. */
  private reachesSomething(host: string): boolean {
    const named = this.serviceOf(host);
    const aliased = this.held.aliasTarget(host);
    return (
      (named !== undefined && this.held.holdsAnything(named)) ||
      (aliased !== undefined && this.held.holdsAnything(aliased))
    );
  }

  /** The Service a called host's name is (cached while the host is held). */
  private serviceOf(host: string): string | undefined {
    if (this.namedBy.has(host)) return this.namedBy.get(host);
    const named = serviceNamedBy(host, this.scope.localNamespace);
    this.namedBy.set(host, named);
    return named;
  }

  private async start(): Promise<void> {
    const bucket = await this.openBucket();
    if (!bucket) return;
    const deliver = (subject: string, data: Uint8Array): void => this.announced(subject, data);
    const announcements = new AnnouncementSubscriptions(bucket, this.deps.subjects, deliver);
    this.link = { bucket, announcements };
    this.work.serial(async () => {
      announcements.add(SNAPSHOT_KEY);
      const own = [...this.memberKeys(), ...this.held.policyKeys()];
      for (const key of own) announcements.add(key);
      await Promise.all([
        this.read(SNAPSHOT_KEY),
        ...own.map((key) => this.read(key)),
        // What the disk cache said this proxy called.
        ...this.held.followedServices().map((service) => this.follow(service)),
      ]);
      await this.work.settled();
      this.applier.start();
    }, 'reading the followed config failed');
  }

  /** The bucket, once NATS answers (retrying every second); undefined when stopped first. */
  private async openBucket(): Promise<ConfigLink | undefined> {
    while (!this.stopped) {
      try {
        return await this.deps.feed.open();
      } catch (err) {
        this.deps.log.warn(
          { err: (err as Error).message },
          'config bucket not reachable; retrying',
        );
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
    return undefined;
  }

  /**
   * Follows a Service (its bundle and endpoint set) from now on, resolving once both are read; the
   * backends its routes send to are followed in turn (a host the table knows has every backend of
   * its routes), in the background, each followed once whatever cycles routes make.
   */
  private follow(service: string): Promise<void> {
    let read = this.reads.get(service);
    if (read) return read;
    this.held.follow(service);
    const [bundle, endpoints] = this.held.keysOf(service);
    this.link?.announcements.add(bundle);
    read = this.work.track(
      Promise.all([this.read(bundle), this.read(endpoints)]),
      'reading a followed Service failed',
      { service },
    );
    this.reads.set(service, read);
    void this.work.track(
      read.then(() => this.followBackends([service])),
      'following backends failed',
    );
    return read;
  }

  /** Stops listening for a Service the held state dropped. */
  private forget(service: string): void {
    this.link?.announcements.remove(this.held.keysOf(service)[0]);
    this.reads.delete(service);
  }

  /** Follows the backends the routes of `services` send to; resolves once they are read. */
  private async followBackends(services: string[]): Promise<void> {
    const backends = this.held.backendsOf(services);
    const fresh = backends.filter((b) => !this.reads.has(b));
    await Promise.all(backends.map((b) => this.follow(b)));
    // Backends read after the table was built are compiled in (the revision stays the one applied).
    if (fresh.length > 0) this.applier.compile();
  }

  private async followAlias(host: string): Promise<void> {
    this.held.followAlias(host);
    const key = aliasKey(host);
    this.link?.announcements.add(key);
    await this.read(key);
  }

  private announced(subject: string, data: Uint8Array): void {
    const note = decodeMessage(ConfigAnnouncement, data, subject);
    if (!note.ok) return this.deps.events.invalid(subject, formatErrors(note.errors));
    const { key, seq, op, value } = note.value;
    // A value too big to announce is read from the bucket; a marker is then applied as announced.
    if (op === 'PUT' && value === undefined && key === SNAPSHOT_KEY)
      return this.work.serial(() => this.readMarker(), 'applying a snapshot marker failed');
    if (op === 'PUT' && value === undefined)
      return void this.work.track(this.read(key), 'reading an announced key failed', { key });
    const taken = { key, seq, value: op === 'PUT' ? value : undefined };
    if (key === SNAPSHOT_KEY)
      return this.work.serial(() => this.onMarker(taken), 'applying a snapshot marker failed');
    this.receive(taken);
  }

  /** Reads one key from the bucket and takes its value (a missing key: nothing there). */
  private async read(key: string): Promise<void> {
    const taken = await this.fetch(key);
    if (!taken) return;
    if (key !== SNAPSHOT_KEY) return this.receive(taken);
    // A marker read (at start, on resync) is complete: what it wrote is read with it.
    const change = this.held.take(taken);
    if (change.kind === 'snapshot') this.held.revision = change.revision;
    else this.applier.take(change);
  }

  /**
   * The marker of a revision too big to announce (one that wrote thousands of projections), read
   * from the bucket: it is applied as an announced one is, what it wrote read first.
   */
  private async readMarker(): Promise<void> {
    const taken = await this.fetch(SNAPSHOT_KEY);
    if (taken) await this.onMarker(taken);
  }

  /** One key as the bucket holds it; undefined when it could not be read or is not valid (told). */
  private async fetch(key: string): Promise<KeyValue | undefined> {
    try {
      const entry = await this.link!.bucket.get(key);
      const put = entry?.operation === 'PUT';
      const value = valueOf(key, put ? entry.value : undefined);
      if (value.ok) return { key, seq: entry?.revision ?? 0, value: value.value };
      this.deps.events.invalid(key, formatErrors(value.errors));
    } catch (err) {
      this.deps.log.warn(
        { err: (err as Error).message, key },
        'config read failed; it is read again on reconnect',
      );
    }
    return undefined;
  }

  /** Takes a value and does what it asks: follow more, update endpoints in place. */
  private receive(value: KeyValue): void {
    const change = this.held.take(value);
    switch (change.kind) {
      case 'alias':
        if (change.service) {
          const read = this.follow(change.service).then(() => this.applier.compile());
          void this.work.track(read, 'following an alias failed', { host: change.host });
        }
        return;
      case 'member':
        for (const service of change.services) void this.follow(service);
        return;
      case 'resources':
        // Its new backends are followed now, so they are ready when the next marker applies it.
        if (change.service)
          void this.work.track(this.followBackends([change.service]), 'following backends failed');
        return this.applier.take(change);
      default:
        return this.applier.take(change);
    }
  }

  /** A new revision: the projections it wrote that are held older are read, then it is applied. */
  private async onMarker(value: KeyValue): Promise<void> {
    const change = this.held.take(value);
    if (change.kind !== 'snapshot') return this.applier.take(change);
    const behind = this.held.behind(change.projections ?? []);
    await Promise.all(behind.map((key) => this.read(key)));
    await this.work.settled();
    // Only now is the revision complete here: a compile meanwhile kept reporting the last one.
    this.held.revision = change.revision;
    this.applier.compile();
  }

  private memberKeys(): string[] {
    return this.scope.instances.map((i) => memberKey(i.namespace, i.instanceId));
  }

  private followedKeys(): string[] {
    const services = this.held.followedServices().flatMap((s) => this.held.keysOf(s));
    const aliases = this.held.aliasHosts().map((h) => aliasKey(h));
    return [...services, ...this.memberKeys(), ...this.held.policyKeys(), ...aliases];
  }
}
