// Publishes each Service's endpoint set to KV whenever instances or Services change (coalesced).
import { EventEmitter } from 'node:events';
import { Inject, Injectable } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import {
  decodeMessage,
  encode,
  EndpointSet,
  ENDPOINTS_KEY_PREFIX,
  type Service,
} from '@app/protocol';
import { LOGGER, reportInvalid, type Logger } from '@app/runtime';
import { ConfigStore } from '../config/config-store.service.js';
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
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ConfigStore,
    private readonly instances: InstanceRegistry,
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
    const existing: EndpointSet[] = [];
    for await (const key of await kv.keys(`${ENDPOINTS_KEY_PREFIX}.>`)) {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      const set = decodeMessage(EndpointSet, entry.value, key);
      if (!set.ok) {
        reportInvalid(this.log, 'endpoints', key, set.errors.map((e) => e.message).join('; '));
        continue;
      }
      existing.push(set.value);
      this.current.set(key, set.value);
      this.published.set(key, JSON.stringify(set.value.endpoints));
    }
    this.instances.seed(existing);
    this.instances.on('changed', () => this.schedule());
    this.store.on('changed', () => this.schedule());
    this.loaded = true;
    this.emit('changed');
    this.schedule();
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
      this.published.keys(),
      Date.now(),
    );
    let changed = false;
    for (const [key, set] of sets) {
      const json = JSON.stringify(set.endpoints);
      if (this.published.get(key) === json) continue;
      changed = true;
      await this.kv!.put(key, encode(set));
      this.published.set(key, json);
      this.current.set(key, set);
      this.log.info(
        { key, endpoints: set.endpoints.map((e) => e.instanceId) },
        'endpoints published',
      );
    }
    if (changed) this.emit('changed');
  }
}
