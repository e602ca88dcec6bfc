// The folder `weft nats-config` writes and `weft token` works in: the trust's keys (seeds 0600), the
// account JWTs, the nats-server include file, the control plane's and system user's creds, and the
// list of tokens minted (the record a revocation is made from).
import { createAccount, createOperator, type KeyPair } from '@nats-io/nkeys';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NATS_ROLES, type Entitlement, type NatsRole } from '@app/protocol/nats-permissions.js';
import { spiffeId } from '@app/protocol/identity/spiffe-id.js';
import { Subjects } from '@app/protocol/subjects.js';
import { keyFromSeed, mintEntitledUser, tokenName } from '@app/runtime/nats-user-minting.js';
import {
  accountJwt,
  mintSystemUser,
  operatorJwt,
  serverConfig,
  systemAccountJwt,
  userIssuer,
  type Revocations,
  type TrustKeys,
} from './nats-trust.js';

/** What a folder was made for; a later run must ask for the same. */
export interface TrustSettings {
  readonly subjectPrefix: string;
  readonly trustDomain: string;
}

/** One minted user. */
export interface TokenRecord {
  /** The user's public key. */
  readonly id: string;
  readonly name: string;
  readonly entitlement: Entitlement;
  readonly created: string;
  revoked?: string;
}

interface AuthFile extends TrustSettings {
  readonly v: 1;
  readonly operator: string;
  readonly systemAccount: string;
  readonly account: string;
  readonly tokens: TokenRecord[];
}

export const AUTH_FILE = 'auth.json';
export const SERVER_CONFIG_FILE = 'nats-server.conf';
export const CONTROL_PLANE_CREDS = 'control-plane.creds';
export const SYSTEM_CREDS = 'system.creds';
/** The user a cluster's NATS links to another cluster's as (docs/multi-cluster.md). */
export const CLUSTER_LINK_CREDS = 'cluster-link.creds';
/** The control plane's WEFT_CA_ENCRYPTION_KEY_FILE: what seals the mesh CA's keys in its bucket. */
export const CA_ENCRYPTION_KEY_FILE = 'ca-encryption.key';
export const ACCOUNT_JWT_FILE = 'weft-account.jwt';
/** The full resolver's folder, where nats-server keeps (and updates) the account JWTs. */
export const RESOLVER_DIR = 'jwt';

const KEY_FILES: Record<keyof TrustKeys, string> = {
  operator: 'keys/operator.nk',
  operatorSigning: 'keys/operator-signing.nk',
  systemAccount: 'keys/system-account.nk',
  account: 'keys/weft-account.nk',
  accountSigning: 'keys/weft-account-signing.nk',
};

const SECRET = 0o600;

export class AuthDir {
  readonly subjects: Subjects;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly keys: TrustKeys,
    private file: AuthFile,
  ) {
    this.subjects = new Subjects(file.subjectPrefix);
  }

  /** The WEFT account's public key: every component, link and site connects in it. */
  get account(): string {
    return this.file.account;
  }

  get settings(): TrustSettings {
    return { subjectPrefix: this.file.subjectPrefix, trustDomain: this.file.trustDomain };
  }

  /**
   * Makes the folder, or completes it: keys already there are kept (never a silent rotation of the
   * operator), so running it again only rewrites the JWTs and the server config and mints the
   * control plane's and system user's creds where they are missing.
   */
  static async init(
    dir: string,
    settings: TrustSettings,
  ): Promise<{ auth: AuthDir; created: boolean }> {
    const root = resolve(dir);
    await mkdir(join(root, 'keys'), { recursive: true, mode: 0o700 });
    const existing = await readJson<AuthFile>(join(root, AUTH_FILE));
    if (existing) {
      for (const field of ['subjectPrefix', 'trustDomain'] as const) {
        if (existing[field] !== settings[field]) {
          throw new Error(
            `${join(root, AUTH_FILE)}: ${field} is ${existing[field]}, not ${settings[field]} (use another folder for another mesh)`,
          );
        }
      }
    }
    const keys = await loadOrCreateKeys(root, existing !== undefined);
    const file: AuthFile = existing ?? {
      v: 1,
      ...settings,
      operator: keys.operator.getPublicKey(),
      systemAccount: keys.systemAccount.getPublicKey(),
      account: keys.account.getPublicKey(),
      tokens: [],
    };
    const auth = new AuthDir(root, keys, file);
    await auth.save();
    await auth.writeServerConfig();
    if (!(await exists(auth.path(SYSTEM_CREDS)))) {
      await writeSecret(auth.path(SYSTEM_CREDS), (await mintSystemUser(keys)).creds);
    }
    // Made once and kept: another key would not open the CA the control plane already sealed.
    if (!(await exists(auth.path(CA_ENCRYPTION_KEY_FILE)))) {
      await writeSecret(
        auth.path(CA_ENCRYPTION_KEY_FILE),
        Buffer.from(randomBytes(32).toString('base64')),
      );
    }
    if (!(await exists(auth.path(CONTROL_PLANE_CREDS)))) {
      const { creds } = await auth.mint({ role: 'control-plane' }, 'control-plane');
      await writeSecret(auth.path(CONTROL_PLANE_CREDS), creds);
    }
    if (!(await exists(auth.path(CLUSTER_LINK_CREDS)))) {
      const { creds } = await auth.mint({ role: 'cluster-link' });
      await writeSecret(auth.path(CLUSTER_LINK_CREDS), creds);
    }
    return { auth, created: existing === undefined };
  }

  /** An existing folder; throws naming it when it is not one. */
  static async open(dir: string): Promise<AuthDir> {
    const root = resolve(dir);
    const file = await readJson<AuthFile>(join(root, AUTH_FILE));
    if (!file) {
      throw new Error(
        `${root} holds no NATS trust (${AUTH_FILE}); run \`weft nats-config --out ${dir}\``,
      );
    }
    return new AuthDir(root, await loadOrCreateKeys(root, true), file);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** A `.creds` file entitling exactly `entitlement`, recorded in the token list. */
  mint(
    entitlement: Entitlement,
    name = tokenName(entitlement),
  ): Promise<{ record: TokenRecord; creds: Uint8Array }> {
    return this.serially(async () => {
      const issuer = userIssuer(this.keys);
      const { id, creds } = await mintEntitledUser(issuer, this.subjects, entitlement, name);
      const record: TokenRecord = { id, name, entitlement, created: new Date().toISOString() };
      this.file.tokens.push(record);
      await this.save();
      return { record, creds };
    });
  }

  tokens(): readonly TokenRecord[] {
    return this.file.tokens;
  }

  /** The SPIFFE ID a workload token entitles (its own identity), for listings. */
  principalOf(entitlement: Entitlement): string | undefined {
    if (!('identity' in entitlement)) return undefined;
    const { namespace, serviceAccount } = entitlement.identity;
    return spiffeId(this.file.trustDomain, namespace, serviceAccount);
  }

  /**
   * Marks `id` revoked and re-signs the WEFT account with every revocation; returns the new account
   * JWT, which the caller pushes to the servers. Revoking again re-signs the same list.
   */
  revoke(id: string): Promise<{ record: TokenRecord; accountJwt: string }> {
    return this.serially(async () => {
      const record = this.file.tokens.find((t) => t.id === id || t.name === id);
      if (!record)
        throw new Error(`no token ${id} in ${this.path(AUTH_FILE)} (see \`weft token list\`)`);
      record.revoked ??= new Date().toISOString();
      await this.save();
      const jwt = await this.writeServerConfig();
      return { record, accountJwt: jwt };
    });
  }

  /** The server settings with the resolver in `resolverDir`; `account`: its JWT, when signed. */
  async serverConfig(resolverDir = this.path(RESOLVER_DIR), account?: string): Promise<string> {
    const jwts = {
      operator: await operatorJwt(this.keys),
      systemAccount: await systemAccountJwt(this.keys),
      account: account ?? (await accountJwt(this.keys, this.revocations())),
    };
    return serverConfig(this.keys, jwts, resolverDir);
  }

  private revocations(): Revocations {
    const out: Record<string, number> = {};
    for (const t of this.file.tokens) {
      // A revocation refuses users issued at or before the time it names.
      if (t.revoked) out[t.id] = Math.ceil(Date.parse(t.revoked) / 1000);
    }
    return out;
  }

  /** Writes the account JWT and the server config; returns the account JWT. */
  private async writeServerConfig(): Promise<string> {
    await mkdir(this.path(RESOLVER_DIR), { recursive: true, mode: 0o700 });
    const jwt = await accountJwt(this.keys, this.revocations());
    await writeFile(this.path(ACCOUNT_JWT_FILE), jwt);
    await writeFile(this.path(SERVER_CONFIG_FILE), await this.serverConfig(undefined, jwt));
    return jwt;
  }

  private async save(): Promise<void> {
    const target = this.path(AUTH_FILE);
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(this.file, null, 2)}\n`, { mode: SECRET });
    await rename(tmp, target);
  }

  /**
   * Changes run one after another, each on the list as the folder holds it now (another `weft
   * token` run may have changed it since this one read it).
   */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const fresh = async (): Promise<T> => {
      this.file = (await readJson<AuthFile>(this.path(AUTH_FILE))) ?? this.file;
      return work();
    };
    const run = this.chain.then(fresh, fresh);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

export function isRole(value: string): value is NatsRole {
  return (NATS_ROLES as readonly string[]).includes(value);
}

async function loadOrCreateKeys(root: string, mustExist: boolean): Promise<TrustKeys> {
  const make: Record<keyof TrustKeys, () => KeyPair> = {
    operator: createOperator,
    operatorSigning: createOperator,
    systemAccount: createAccount,
    account: createAccount,
    accountSigning: createAccount,
  };
  const keys: Partial<Record<keyof TrustKeys, KeyPair>> = {};
  for (const name of Object.keys(KEY_FILES) as (keyof TrustKeys)[]) {
    const path = join(root, KEY_FILES[name]);
    const seed = await readFile(path, 'utf8').catch(() => undefined);
    if (seed !== undefined) keys[name] = keyFromSeed(seed);
    else if (mustExist)
      throw new Error(`${path} is missing: the NATS trust in ${root} is incomplete`);
    else {
      keys[name] = make[name]();
      await writeSecret(path, keys[name].getSeed());
    }
  }
  return keys as TrustKeys;
}

async function writeSecret(path: string, bytes: Uint8Array): Promise<void> {
  await writeFile(path, bytes, { mode: SECRET });
  // `mode` applies only when the file is created.
  await chmod(path, SECRET);
}

async function readJson<T>(path: string): Promise<T | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    () => false,
  );
}
