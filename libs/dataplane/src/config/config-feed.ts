// Where a config follower reads: the config bucket and the announcement subjects, as one link
// opened once NATS answers. `natsConfigFeed` is the real one; a spec can hand a follower its own.
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { KvChange } from './mesh-state.js';

/** One stored value of a key. */
export interface StoredValue extends KvChange {
  readonly revision: number;
}

/** One value a watch delivers; `isUpdate` is false while it replays what the bucket holds. */
export interface WatchedValue extends StoredValue {
  readonly isUpdate: boolean;
}

/** A watch's values, until `stop`. */
export interface WatchedValues extends AsyncIterable<WatchedValue> {
  stop(): void;
}

export interface ConfigLink {
  /** The value of `key` (null: never written, or gone). */
  get(key: string): Promise<StoredValue | null>;
  /** How many values the bucket holds. */
  status(): Promise<{ readonly values: number }>;
  /** Every key matching `key`: the last values, then each change, from a revision on if given. */
  watch(options: { key: string; resumeFromRevision?: number }): Promise<WatchedValues>;
  /** Delivers each message on `subject` until unsubscribed. */
  subscribe(
    subject: string,
    deliver: (subject: string, data: Uint8Array) => void,
  ): { unsubscribe(): void };
}

export interface ConfigFeed {
  /** The link, once NATS answers; rejects while the bucket cannot be opened (callers retry). */
  open(): Promise<ConfigLink>;
}

/**
 * The config bucket `bucket` and the announcement subjects over the connection `connection` gives.
 * With `domain`, the bucket is the one of that JetStream domain (`$JS.<domain>.API`): a site's
 * proxies read their cluster's bucket across the leaf node, where `$JS.API` would stay on the site.
 */
export function natsConfigFeed(
  connection: () => Promise<NatsConnection>,
  bucket: string,
  domain?: string,
): ConfigFeed {
  return {
    open: async () => {
      const nc = await connection();
      const kv = await new Kvm(domain === undefined ? nc : jetstream(nc, { domain })).open(bucket);
      return {
        get: (key) => kv.get(key),
        status: () => kv.status(),
        watch: (options) => kv.watch(options),
        subscribe: (subject, deliver) =>
          nc.subscribe(subject, {
            callback: (err, msg) => {
              if (!err) deliver(msg.subject, msg.data);
            },
          }),
      };
    },
  };
}
