// Publishes each Service's endpoint set to KV when instances or Services change: instance churn is
// debounced, only the sets a change touched are recomputed, and their writes go out together.
// Every replica computes the sets from the heartbeats it hears; only the leader writes them.
import { EventEmitter } from 'node:events';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import {
  serviceKey,
  decodeMessage,
  EndpointSet,
  ENDPOINTS_KEY_PREFIX,
  endpointsKey,
  isOwnInstance,
  MEMBER_KEY_PREFIX,
  type EndpointEntry,
  type PeerAuthentication,
  type Resource,
  type Service,
} from '@app/protocol';
import { LOGGER, reportInvalid, type Logger } from '@app/runtime';
import { ConfigStore } from '../config/config-store.service.js';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { LeaderElection } from '../leader/leader-election.service.js';
import { ConfigAnnouncer } from '../config/config-announcer.service.js';
import { writeAll } from '../config/write-all.js';
import { Debouncer } from './debouncer.js';
import { EndpointIndex } from './endpoint-index.js';
import { InstanceRegistry, type LiveInstance } from './instance-registry.service.js';
import { MembershipIndex } from './membership-index.js';

const RETRY_MS = 500;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Emits `changed` once the sets in KV are loaded, then whenever a computed set changes. */
@Injectable()
export class EndpointPublisher
  extends EventEmitter<{ changed: [] }>
  implements OnApplicationShutdown
{
  private kv: KV | undefined;
  private readonly index = new EndpointIndex();
  private readonly debouncer: Debouncer;
  /** KV key → JSON of the endpoints last published (timestamps excluded). */
  private readonly published = new Map<string, string>();
  private readonly current = new Map<string, EndpointSet>();
  /** Keys whose `current` set the bucket does not hold yet. */
  private readonly unwritten = new Set<string>();
  private readonly members = new MembershipIndex();
  /** Member key → JSON the bucket holds, and its KV revision. */
  private readonly publishedMembers = new Map<string, { json: string; seq: number }>();
  /** Member key → JSON to write (undefined: to delete) where the bucket differs. */
  private readonly unwrittenMembers = new Map<string, string | undefined>();
  private loaded = false;
  /** Set by `lead()` once `published` is what the bucket holds now. */
  private leading = false;
  /** The last pass started or queued (settles when it is done, never rejects). */
  private running: Promise<void> = Promise.resolve();
  /** A pass requested while one runs: it starts when that one ends and serves every request made meanwhile. */
  private queued: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: ConfigStore,
    private readonly instances: InstanceRegistry,
    private readonly fence: LeaderElection,
    private readonly announcer: ConfigAnnouncer,
    env: ControlPlaneEnv,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    super();
    this.debouncer = new Debouncer(
      { quietMs: env.WEFT_DEBOUNCE_MS, maxMs: env.WEFT_DEBOUNCE_MAX_MS },
      () => void this.pass(),
    );
  }

  endpointSets(): EndpointSet[] {
    return [...this.current.values()];
  }

  /** True once the sets already in KV are loaded: `endpointSets()` is complete from then on. */
  get attached(): boolean {
    return this.loaded;
  }

  /** Reads the sets already in KV (seeding the registry), then follows every change. */
  async attach(kv: KV): Promise<void> {
    this.kv = kv;
    const existing = await this.readPublished(kv);
    for (const set of existing) {
      this.current.set(endpointsKey(set.namespace, set.service), set);
      const instances = set.endpoints.filter(isOwnInstance);
      this.members.update(serviceKey(set.namespace, set.service), undefined, instances);
    }
    this.instances.seed(existing);
    for (const [key, live] of this.instances.entries()) this.onInstance(key, live);
    this.index.setServices(this.store.resources('Service') as Service[]);
    this.index.setPeerAuthentications(
      this.store.resources('PeerAuthentication') as PeerAuthentication[],
    );
    this.instances.on('changed', (key, live) => {
      this.onInstance(key, live);
      // An endpoint leaving must not wait behind others arriving (crash detection stays prompt).
      this.debouncer.trigger(!live?.ready);
    });
    // Config changes are not debounced: the leader writes the sets of the Services a revision adds
    // before its marker; a follower (or a failed commit) catches up when the revision is known.
    this.store.beforeEachMarker((desired) => this.servicesChanging(desired));
    this.store.on('changed', () => {
      this.index.setServices(this.store.resources('Service') as Service[]);
      this.index.setPeerAuthentications(
        this.store.resources('PeerAuthentication') as PeerAuthentication[],
      );
      if (this.index.pending) this.debouncer.runNow();
    });
    this.loaded = true;
    this.emit('changed');
    this.debouncer.runNow();
  }

  /**
   * The pods of cluster Services that have no Weft proxy (the Kubernetes controller reads them from
   * EndpointSlices), by endpoints key: they join their Services' sets as plaintext endpoints.
   */
  setUnmeshed(byKey: ReadonlyMap<string, readonly EndpointEntry[]>): void {
    this.index.setUnmeshed(byKey);
    if (this.index.pending) this.debouncer.trigger(false);
  }

  /**
   * Other clusters' instances reached through their east-west gateways, by endpoints key: they join
   * their Services' sets (the caller's locality settings decide how near ones are preferred).
   */
  setRemote(byKey: ReadonlyMap<string, readonly EndpointEntry[]>): void {
    this.index.setRemote(byKey);
    if (this.index.pending) this.debouncer.trigger(false);
  }

  /** Starts writing, from what the bucket holds now (the former leader wrote it). */
  async lead(): Promise<void> {
    if (!this.kv) return;
    try {
      await this.readPublished(this.kv);
      await this.readMembers(this.kv);
    } catch (err) {
      // JetStream may not answer yet (a takeover right after a NATS restart). Writing every set
      // again is harmless; never writing again because this read failed is not.
      this.log.warn({ err: (err as Error).message }, 'reading published endpoints failed');
      this.published.clear();
      this.publishedMembers.clear();
    }
    for (const [key, set] of this.current)
      if (this.published.get(key) !== JSON.stringify(set.endpoints)) this.unwritten.add(key);
    this.members.take();
    this.unwrittenMembers.clear();
    const members = this.members.all();
    for (const [key, json] of members)
      if (this.publishedMembers.get(key)?.json !== json) this.unwrittenMembers.set(key, json);
    for (const key of this.publishedMembers.keys())
      if (!members.has(key)) this.unwrittenMembers.set(key, undefined);
    this.leading = true;
    this.debouncer.runNow();
  }

  follow(): void {
    this.leading = false;
  }

  /**
   * Keys whose sets must exist even with no instance here (Services other clusters export): each is
   * published, empty unless this cluster has instances of it, and stays, as every key computed does.
   */
  keepKnown(keys: readonly string[]): void {
    this.index.remember(keys);
    if (this.index.pending) this.debouncer.runNow();
  }

  onApplicationShutdown(): void {
    this.debouncer.cancel();
    clearTimeout(this.retry);
  }

  private onInstance(key: string, live: LiveInstance | undefined): void {
    this.index.setInstance(key, live?.instance, live?.ready);
  }

  /** In a commit, before its marker: the sets its Services change are computed and written. */
  private servicesChanging(desired: readonly Resource[]): Promise<void> {
    this.index.setServices(desired.filter((r): r is Service => r.kind === 'Service'));
    this.index.setPeerAuthentications(
      desired.filter((r): r is PeerAuthentication => r.kind === 'PeerAuthentication'),
    );
    return this.index.pending ? this.pass() : Promise.resolve();
  }

  /** Writes (or deletes) one membership and announces it. */
  private async writeMember(kv: KV, key: string, json: string | undefined): Promise<void> {
    this.fence.assertLeader();
    const published = this.publishedMembers.get(key);
    if (json !== undefined) {
      const seq = await kv.put(key, encoder.encode(json));
      this.announcer.announce(key, seq, json);
      this.publishedMembers.set(key, { json, seq });
    } else if (published) {
      await kv.delete(key);
      // One past the value removed: the least the delete's own revision can be.
      this.announcer.announce(key, published.seq + 1, undefined);
      this.publishedMembers.delete(key);
    }
    this.unwrittenMembers.delete(key);
  }

  /** The sets in KV (read together), remembered as published; the index keeps their keys. */
  private async readPublished(kv: KV): Promise<EndpointSet[]> {
    const keys: string[] = [];
    for await (const key of await kv.keys(`${ENDPOINTS_KEY_PREFIX}.>`)) keys.push(key);
    const entries = await Promise.all(keys.map((key) => kv.get(key)));
    const sets: EndpointSet[] = [];
    this.published.clear();
    for (const [i, entry] of entries.entries()) {
      if (!entry || entry.operation !== 'PUT') continue;
      const set = decodeMessage(EndpointSet, entry.value, keys[i]);
      if (!set.ok) {
        reportInvalid(this.log, 'endpoints', keys[i], set.errors.map((e) => e.message).join('; '));
        continue;
      }
      sets.push(set.value);
      this.published.set(keys[i], JSON.stringify(set.value.endpoints));
    }
    this.index.remember(this.published.keys());
    return sets;
  }

  /** The memberships in KV, remembered as published (what a new leader diffs against). */
  private async readMembers(kv: KV): Promise<void> {
    const keys: string[] = [];
    for await (const key of await kv.keys(`${MEMBER_KEY_PREFIX}.>`)) keys.push(key);
    const entries = await Promise.all(keys.map((key) => kv.get(key)));
    this.publishedMembers.clear();
    for (const [i, entry] of entries.entries())
      if (entry?.operation === 'PUT')
        this.publishedMembers.set(keys[i], {
          json: decoder.decode(entry.value),
          seq: entry.revision,
        });
  }

  /**
   * One pass at a time. Resolves once a pass that started after the call is done, so it covers
   * every change made before it; a failed pass is logged and retried, never rejected.
   */
  private pass(): Promise<void> {
    if (!this.kv) return Promise.resolve();
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.publish().catch((err: Error) => {
        this.log.error({ err: err.message }, 'publishing endpoints failed; retrying');
        clearTimeout(this.retry);
        this.retry = setTimeout(() => void this.pass(), RETRY_MS);
      });
    });
    this.running = this.queued;
    return this.queued;
  }

  /** Recomputes the sets changes touched, then writes every set the bucket lacks, concurrently. */
  private async publish(): Promise<void> {
    let changed = false;
    for (const [key, set] of this.index.take(Date.now())) {
      const json = JSON.stringify(set.endpoints);
      if (this.published.get(key) !== json) this.unwritten.add(key);
      else this.unwritten.delete(key);
      if (JSON.stringify(this.current.get(key)?.endpoints) === json) continue;
      changed = true;
      // Unmeshed pods and other clusters' instances have no proxy here to read a membership.
      this.members.update(
        serviceKey(set.namespace, set.service),
        this.current.get(key)?.endpoints.filter(isOwnInstance),
        set.endpoints.filter(isOwnInstance),
      );
      this.current.set(key, set);
    }
    if (changed) this.emit('changed');
    for (const [key, json] of this.members.take()) {
      if (this.publishedMembers.get(key)?.json !== json) this.unwrittenMembers.set(key, json);
      else this.unwrittenMembers.delete(key);
    }
    if (!this.leading || (this.unwritten.size === 0 && this.unwrittenMembers.size === 0)) return;
    const kv = this.kv!;
    const batch = [...this.unwritten].map((key) => [key, this.current.get(key)!] as const);
    // Sets first: a proxy that learns it is a member finds the set that says so.
    await writeAll(
      batch.map(([key, set]) => async () => {
        this.fence.assertLeader();
        const json = JSON.stringify(set);
        this.announcer.announce(key, await kv.put(key, encoder.encode(json)), json);
        this.published.set(key, JSON.stringify(set.endpoints));
        this.unwritten.delete(key);
      }),
    );
    await writeAll(
      [...this.unwrittenMembers].map(
        ([key, json]) =>
          () =>
            this.writeMember(kv, key, json),
      ),
    );
    this.log.info(
      { sets: batch.length, endpoints: batch.reduce((n, [, s]) => n + s.endpoints.length, 0) },
      'endpoints published',
    );
  }
}
