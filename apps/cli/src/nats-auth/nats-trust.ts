// The mesh's NATS trust in operator mode (decentralized JWT auth): the operator, the system account,
// the WEFT account and its users, signed with `@nats-io/jwt`, and the nats-server settings that trust
// them. Pure: keys in, JWTs and text out; the auth folder (auth-dir.ts) keeps them.
import {
  encodeAccount,
  encodeOperator,
  encodeUser,
  fmtCreds,
  type Permissions,
} from '@nats-io/jwt';
import { createUser, fromSeed, type KeyPair } from '@nats-io/nkeys';
import type { NatsPermissions } from '@app/protocol/nats-permissions.js';

/** Every key the trust is made of. Only the signing keys sign day to day. */
export interface TrustKeys {
  /** The operator's identity: nats-server trusts this key (its JWT names the signing key). */
  readonly operator: KeyPair;
  /** Signs the account JWTs, so the operator's identity key can stay offline. */
  readonly operatorSigning: KeyPair;
  readonly systemAccount: KeyPair;
  /** The `WEFT` account: every mesh component connects in it. */
  readonly account: KeyPair;
  /** Signs the users of the WEFT account (the tokens). */
  readonly accountSigning: KeyPair;
}

/** `user public key → unix seconds`: users issued at or before that time are refused. */
export type Revocations = Readonly<Record<string, number>>;

export const OPERATOR_NAME = 'weft';
export const SYSTEM_ACCOUNT_NAME = 'SYS';
export const ACCOUNT_NAME = 'WEFT';

/**
 * nats-server refuses connections to an account whose JWT says nothing of these limits (checked
 * with 2.9.10): every account, the system one included, gets them unlimited.
 */
const CONNECTION_LIMITS = {
  subs: -1,
  conn: -1,
  leaf: -1,
  imports: -1,
  exports: -1,
  data: -1,
  payload: -1,
  wildcards: true,
};

/** JetStream on for the WEFT account (the config, history, leader and CA buckets live there). */
const JETSTREAM_LIMITS = {
  mem_storage: -1,
  disk_storage: -1,
  streams: -1,
  consumer: -1,
  max_ack_pending: -1,
  mem_max_stream_bytes: -1,
  disk_max_stream_bytes: -1,
  max_bytes_required: false,
};

export function operatorJwt(keys: TrustKeys): Promise<string> {
  return encodeOperator(OPERATOR_NAME, keys.operator, {
    system_account: keys.systemAccount.getPublicKey(),
    signing_keys: [keys.operatorSigning.getPublicKey()],
  });
}

export function systemAccountJwt(keys: TrustKeys): Promise<string> {
  return encodeAccount(
    SYSTEM_ACCOUNT_NAME,
    keys.systemAccount.getPublicKey(),
    { limits: CONNECTION_LIMITS },
    { signer: keys.operatorSigning },
  );
}

/** The WEFT account, with its user signing key and the users revoked so far. */
export function accountJwt(keys: TrustKeys, revocations: Revocations): Promise<string> {
  return encodeAccount(
    ACCOUNT_NAME,
    keys.account.getPublicKey(),
    {
      limits: { ...CONNECTION_LIMITS, ...JETSTREAM_LIMITS },
      signing_keys: [keys.accountSigning.getPublicKey()],
      ...(Object.keys(revocations).length > 0 ? { revocations: { ...revocations } } : {}),
    },
    { signer: keys.operatorSigning },
  );
}

export interface MintedUser {
  /** The user's public key: the token's id, and what a revocation names. */
  readonly id: string;
  /** A `.creds` file: the user JWT and its seed. */
  readonly creds: Uint8Array;
}

/** A user of the WEFT account with these permissions (everything when `permissions` allow `>`). */
export async function mintUser(
  keys: TrustKeys,
  name: string,
  permissions: NatsPermissions,
): Promise<MintedUser> {
  const user = createUser();
  const jwt = await encodeUser(
    name,
    user,
    keys.account.getPublicKey(),
    jwtPermissions(permissions),
    {
      signer: keys.accountSigning,
    },
  );
  return { id: user.getPublicKey(), creds: fmtCreds(jwt, user) };
}

/** A user of the system account: follows advisories, pushes account updates (revocations). */
export async function mintSystemUser(keys: TrustKeys): Promise<MintedUser> {
  const user = createUser();
  const jwt = await encodeUser('system', user, keys.systemAccount);
  return { id: user.getPublicKey(), creds: fmtCreds(jwt, user) };
}

/** Nothing to say for an unrestricted side (an allow of `>` and no deny): the JWT stays small. */
function jwtPermissions(p: NatsPermissions): Permissions {
  const side = (s: NatsPermissions['pub']): Permissions['pub'] =>
    s.allow.length === 1 && s.allow[0] === '>' && s.deny.length === 0
      ? undefined
      : { allow: [...s.allow], deny: [...s.deny] };
  const out: Permissions = {};
  const pub = side(p.pub);
  const sub = side(p.sub);
  if (pub) out.pub = pub;
  if (sub) out.sub = sub;
  return out;
}

/**
 * The nats-server settings that trust this operator: meant to be included from the server's own
 * config (or passed with `-c`). The full resolver keeps account JWTs in `resolverDir`, so a pushed
 * update (a revocation) survives a restart; the preload seeds it.
 */
export function serverConfig(
  keys: TrustKeys,
  jwts: { operator: string; systemAccount: string; account: string },
  resolverDir: string,
): string {
  return [
    '# Generated by `weft nats-config`: the mesh NATS trust (operator mode). Include it from your',
    '# nats-server config, or start nats-server with `-c` on it (add `-js` for JetStream).',
    `operator: ${jwts.operator}`,
    `system_account: ${keys.systemAccount.getPublicKey()}`,
    `resolver: { type: full, dir: ${JSON.stringify(resolverDir)}, allow_delete: false, interval: "2m" }`,
    'resolver_preload: {',
    `  ${keys.systemAccount.getPublicKey()}: ${jwts.systemAccount}`,
    `  ${keys.account.getPublicKey()}: ${jwts.account}`,
    '}',
    '',
  ].join('\n');
}

/** A key pair back from its seed text (as `KeyPair.getSeed()` wrote it). */
export function keyFromSeed(seed: string): KeyPair {
  return fromSeed(new TextEncoder().encode(seed.trim()));
}
