// Publishes each Service's endpoint set to KV whenever instances or Services change (coalesced).
// Every replica computes the sets from the heartbeats it hears; only the leader writes them.
import { EventEmitter } from 'node:events';
import { Inject, Injectable } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import {
  decodeMessage,
  encode,
  EndpointSet,
  ENDPOINTS_KEY_PREFIX,
  endpointsKey,
  type Service,
} from '@app/protocol';
import { LOGGER, reportInvalid, type Logger } from '@app/runtime';
import { ConfigStore } from '../config/config-store.service.js';
import { LeaderElection } from '../leader/leader-election.service.js';
import { selectEndpointSets } from './endpoint-selector.js';
import { InstanceRegistry } from './instance-registry.service.js';

/** Emits `changed` once the sets in KV are loaded, then whenever a published set changes. */
@Injectable()
export class EndpointPublisher extends EventEmitter<{ changed: [] }> {
  private kv: KV | undefined;
  /** KV key → JSON of the endpoints last published (timestamps excluded). */
  private readonly published = new Map<string, string>();
  private readonly current = new Map<string, EndpointSet>();
  private scheduled = false;
  private loaded = false;
  /** Set by `lead()` once `published` is what the bucket holds now. */
  private leading = false;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ConfigStore,
    private readonly instances: InstanceRegistry,
    private readonly fence: LeaderElection,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    super();
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
    for (const set of existing) this.current.set(endpointsKey(set.namespace, set.service), set);
    this.instances.seed(existing);
    this.instances.on('changed', () => this.schedule());
    this.store.on('changed', () => this.schedule());
    this.loaded = true;
    this.emit('changed');
    this.schedule();
  }

  /** Starts writing, from what the bucket holds now (the former leader wrote it). */
  async lead(): Promise<void> {
    if (!this.kv) return;
    await this.readPublished(this.kv);
    this.leading = true;
    this.schedule();
  }

  follow(): void {
    this.leading = false;
  }

  /** The sets in KV, remembered as published. */
  private async readPublished(kv: KV): Promise<EndpointSet[]> {
    const sets: EndpointSet[] = [];
    this.published.clear();
    for await (const key of await kv.keys(`${ENDPOINTS_KEY_PREFIX}.>`)) {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      const set = decodeMessage(EndpointSet, entry.value, key);
      if (!set.ok) {
        reportInvalid(this.log, 'endpoints', key, set.errors.map((e) => e.message).join('; '));
        continue;
      }
      sets.push(set.value);
      this.published.set(key, JSON.stringify(set.value.endpoints));
    }
    return sets;
  }

  /** Coalesces a burst of changes (many heartbeats, one apply) into one pass. */
  private schedule(): void {
    if (this.scheduled || !this.kv) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.running = this.running
        .then(() => this.publish())
        .catch((err: Error) => {
          this.log.error({ err: err.message }, 'publishing endpoints failed; retrying');
          setTimeout(() => this.schedule(), 500);
        });
    });
  }

  private async publish(): Promise<void> {
    const services = this.store.resources('Service') as Service[];
    const sets = selectEndpointSets(
      services,
      this.instances.all(),
      new Set([...this.published.keys(), ...this.current.keys()]),
      Date.now(),
    );
    let changed = false;
    for (const [key, set] of sets) {
      const json = JSON.stringify(set.endpoints);
      if (this.leading && this.published.get(key) !== json) {
        this.fence.assertLeader();
        await this.kv!.put(key, encode(set));
        this.published.set(key, json);
        this.log.info(
          { key, endpoints: set.endpoints.map((e) => e.instanceId) },
          'endpoints published',
        );
      }
      if (JSON.stringify(this.current.get(key)?.endpoints) === json) continue;
      changed = true;
      this.current.set(key, set);
    }
    if (changed) this.emit('changed');
  }
}
