// Read-only questions `weft check` asks NATS: reachable, JetStream on, config bucket there, its `v`.
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { SNAPSHOT_KEY } from '@app/protocol/subjects.js';
import { readNatsCredentials } from '@app/runtime/nats-credentials.js';
import { natsTlsOptions } from '@app/runtime/nats-tls.js';

/** A check must fail fast: one attempt, no reconnects. */
const TIMEOUT_MS = 3_000;

/** `NATS_URL` style: a comma-separated list of servers. */
export function natsServers(url: string): string[] {
  return url
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * One connection as the user `credsFile` names (default `WEFT_NATS_CREDS`), with the inbox prefix
 * its permissions grant; none: an anonymous connection (a server without auth).
 */
export async function connectOnce(
  url: string,
  credsFile: string | undefined = process.env.WEFT_NATS_CREDS || undefined,
): Promise<NatsConnection> {
  const creds = credsFile ? await readNatsCredentials(credsFile) : undefined;
  const servers = natsServers(url);
  return connect({
    servers,
    tls: natsTlsOptions(process.env, servers),
    name: 'weft-cli',
    timeout: TIMEOUT_MS,
    reconnect: false,
    maxReconnectAttempts: 0,
    authenticator: creds?.authenticator,
    inboxPrefix: creds?.inboxPrefix,
  });
}

/** Throws (`jetstream is not enabled`) when the server runs without JetStream. */
export async function assertJetStream(nc: NatsConnection): Promise<void> {
  await jetstreamManager(nc, { timeout: TIMEOUT_MS });
}

/** Binds to an existing bucket; throws when it does not exist (binding alone does not look). */
export async function openBucket(nc: NatsConnection, bucket: string): Promise<KV> {
  const kv = await new Kvm(nc).open(bucket);
  await kv.status();
  return kv;
}

export type SnapshotVersion =
  | { readonly found: false }
  | { readonly found: true; readonly v: unknown; readonly revision: unknown };

/** The `v` and `revision` of the snapshot marker the control plane writes after each apply. */
export async function snapshotVersion(kv: KV): Promise<SnapshotVersion> {
  const entry = await kv.get(SNAPSHOT_KEY);
  if (entry === null || entry.operation !== 'PUT') return { found: false };
  const marker = JSON.parse(new TextDecoder().decode(entry.value)) as {
    v?: unknown;
    revision?: unknown;
  } | null;
  return { found: true, v: marker?.v, revision: marker?.revision };
}
