// Opens (creating on first use) the JetStream KV bucket that holds the mesh's config.
import { StorageType } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

/** Revisions kept per key (the watchers only need the last). */
const HISTORY = 5;

export async function openConfigBucket(
  nc: NatsConnection,
  bucket: string,
  replicas: number,
): Promise<KV> {
  return new Kvm(nc).create(bucket, { history: HISTORY, replicas, storage: StorageType.File });
}
