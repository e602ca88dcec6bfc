// Mints a NATS user of the WEFT account entitled to exactly one entitlement: the one function behind
// `weft token create` (offline, in the auth folder) and the control plane's proxy credentials.
import { encodeUser, fmtCreds, type Permissions } from '@nats-io/jwt';
import { createUser, fromSeed, type KeyPair } from '@nats-io/nkeys';
import {
  natsPermissions,
  type Entitlement,
  type NatsPermissions,
} from '@app/protocol/nats-permissions.js';
import type { Subjects } from '@app/protocol/subjects.js';

/** Who signs users: the WEFT account's public key, and one of its signing keys. */
export interface UserIssuer {
  readonly account: string;
  readonly signingKey: KeyPair;
}

export interface MintedUser {
  /** The user's public key: the token's id, and what a revocation names. */
  readonly id: string;
  /** The user's name in its JWT (`proxy shop/web (sa web-sa)`). */
  readonly name: string;
  /** A `.creds` file: the user JWT and its seed. */
  readonly creds: Uint8Array;
}

/** A user entitled to exactly `entitlement` (the permissions `natsPermissions` gives it). */
export function mintEntitledUser(
  issuer: UserIssuer,
  subjects: Subjects,
  entitlement: Entitlement,
  name = tokenName(entitlement),
): Promise<MintedUser> {
  return mintUser(issuer, name, natsPermissions(subjects, entitlement));
}

/** A user of the account with these permissions (everything when `permissions` allow `>`). */
export async function mintUser(
  issuer: UserIssuer,
  name: string,
  permissions: NatsPermissions,
): Promise<MintedUser> {
  const user = createUser();
  const jwt = await encodeUser(name, user, issuer.account, jwtPermissions(permissions), {
    signer: issuer.signingKey,
  });
  return { id: user.getPublicKey(), name, creds: fmtCreds(jwt, user) };
}

/** `proxy shop/web (sa web-sa)`, `cli-read alice`, `control-plane`. */
export function tokenName(entitlement: Entitlement): string {
  switch (entitlement.role) {
    case 'control-plane':
    case 'cluster-link':
      return entitlement.role;
    case 'site-link':
      return `${entitlement.role} ${entitlement.workloads.map((w) => `${w.namespace}/${w.service}`).join(',')}`;
    case 'cli-read':
    case 'cli-admin':
      return `${entitlement.role} ${entitlement.name}`;
    default: {
      const { namespace, service, serviceAccount } = entitlement.identity;
      return `${entitlement.role} ${namespace}/${service} (sa ${serviceAccount})`;
    }
  }
}

/** A key pair back from its seed text (as `KeyPair.getSeed()` wrote it). */
export function keyFromSeed(seed: string): KeyPair {
  return fromSeed(new TextEncoder().encode(seed.trim()));
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
