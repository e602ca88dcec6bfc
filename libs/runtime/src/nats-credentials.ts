// A NATS user's `.creds` file: what to connect with, and the inbox prefix its permissions grant, so
// the replies to its requests (and the frames of its bus exchanges) land where it may subscribe.
import { readFile } from 'node:fs/promises';
import { parseCreds } from '@nats-io/jwt';
import { credsAuthenticator, type Authenticator } from '@nats-io/transport-node';
import { grantedInboxPrefix } from '@app/protocol/nats-permissions.js';

export interface NatsCredentials {
  readonly authenticator: Authenticator;
  /** Unset: the user may subscribe to any inbox (the client's default `_INBOX` serves). */
  readonly inboxPrefix?: string;
}

/** Reads and checks a `.creds` file; throws naming the file when it is missing or malformed. */
export async function readNatsCredentials(path: string): Promise<NatsCredentials> {
  let bytes: Uint8Array;
  let allow: readonly string[];
  try {
    bytes = await readFile(path);
    const { uc } = await parseCreds(bytes);
    allow = uc.nats.sub?.allow ?? [];
  } catch (err) {
    throw new Error(`cannot use NATS credentials ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return { authenticator: credsAuthenticator(bytes), inboxPrefix: grantedInboxPrefix(allow) };
}
