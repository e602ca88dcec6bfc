// Opens (creating on first use) the control plane's JetStream KV buckets, on file storage.
import { StorageType } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * `history` is how many values each key keeps: the config bucket's watchers need only the last;
 * the history bucket has one key per revision.
 */
export async function openBucket(
  nc: NatsConnection,
  bucket: string,
  replicas: number,
  history = 1,
): Promise<KV> {
  return new Kvm(nc).create(bucket, { history, replicas, storage: StorageType.File });
}
