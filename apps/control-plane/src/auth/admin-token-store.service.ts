// The admin API's tokens in a JetStream KV bucket shared by every replica: hashed, created, revoked.
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { StorageType } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import {
  decodeMessage,
  encode,
  formatErrors,
  PROTOCOL_VERSION,
  type AdminRole,
  type AdminTokenInfo,
  type CreatedAdminToken,
} from '@app/protocol';
import { LOGGER, NatsClient, Readiness, reportInvalid, type Logger } from '@app/runtime';
import type { BucketEntry } from '../config/config-view.js';
import { ConfigWatch } from '../config/config-watch.js';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { bootSubjects } from '../nats/boot-subjects.js';
import { newAdminToken, tokenHash } from './admin-token.js';
import { AdminTokenRecord } from './admin-token-record.dto.js';

/** Tokens the bucket may hold: every one is kept in memory by every replica. */
export const MAX_ADMIN_TOKENS = 1_000;
/** The name of the token the first control plane of a mesh makes (and of a WEFT_ADMIN_TOKEN_FILE token). */
export const FIRST_TOKEN_NAME = 'admin';
/** Written once, when the first token is made: a mesh whose tokens were all revoked gets no new one. */
const FIRST_TOKEN_KEY = 'first-token';
const TOKEN_KEY_PREFIX = 'token.';

export class AdminTokenConflict extends Error {}

@Injectable()
export class AdminTokenStore implements OnApplicationBootstrap, OnModuleDestroy {
  private kv: KV | undefined;
  private watch: ConfigWatch | undefined;
  /** Every live token by its hash: what a request is checked against. */
  private readonly byHash = new Map<string, AdminTokenRecord>();
  private readonly byName = new Map<string, AdminTokenRecord>();

  constructor(
    private readonly env: ControlPlaneEnv,
    private readonly nats: NatsClient,
    private readonly readiness: Readiness,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    readiness.require('admin-tokens');
  }

  /** In the background, as the config store: `/healthz` answers while NATS is still away. */
  onApplicationBootstrap(): void {
    void this.start().catch((err: Error) => {
      this.log.fatal({ err: err.message }, 'admin token bucket could not be opened');
      process.exit(1);
    });
  }

  onModuleDestroy(): void {
    this.watch?.stop();
  }

  /** The live token with this hash. */
  find(hash: string): AdminTokenRecord | undefined {
    return this.byHash.get(hash);
  }

  list(): AdminTokenInfo[] {
    return [...this.byName.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((r) => ({
        name: r.name,
        role: r.role,
        createdAt: new Date(r.createdAt).toISOString(),
        createdBy: r.createdBy,
      }));
  }

  /** A new token (shown this once); AdminTokenConflict when the name is taken or the bucket full. */
  async create(name: string, role: AdminRole, createdBy: string): Promise<CreatedAdminToken> {
    if (this.byName.has(name) || (name === FIRST_TOKEN_NAME && this.env.WEFT_ADMIN_TOKEN_FILE)) {
      throw new AdminTokenConflict(`a token named ${name} exists; revoke it first`);
    }
    if (this.byName.size >= MAX_ADMIN_TOKENS) {
      throw new AdminTokenConflict(`${MAX_ADMIN_TOKENS} tokens exist, the most kept; revoke some`);
    }
    const token = newAdminToken();
    const record: AdminTokenRecord = {
      v: PROTOCOL_VERSION,
      name,
      role,
      hash: tokenHash(token),
      createdAt: Date.now(),
      createdBy,
    };
    try {
      await this.bucket().create(`${TOKEN_KEY_PREFIX}${name}`, encode(record));
    } catch (err) {
      // Another replica took the name since our watch last told us.
      if (/wrong last sequence|key exists/i.test((err as Error).message)) {
        throw new AdminTokenConflict(`a token named ${name} exists; revoke it first`);
      }
      throw err;
    }
    this.remember(record);
    this.log.info({ name, role, createdBy }, 'admin token created');
    return { ...this.list().find((t) => t.name === name)!, token };
  }

  /** False when no token has that name. Takes effect here at once, on other replicas as they hear it. */
  async revoke(name: string, revokedBy: string): Promise<boolean> {
    if (!this.byName.has(name)) return false;
    await this.bucket().delete(`${TOKEN_KEY_PREFIX}${name}`);
    this.forget(name);
    this.log.info({ name, revokedBy }, 'admin token revoked');
    return true;
  }

  private async start(): Promise<void> {
    const nc = await this.nats.connection;
    const kv = await new Kvm(nc).create(bootSubjects().adminTokensBucket, {
      history: 1,
      replicas: this.env.WEFT_KV_REPLICAS,
      storage: StorageType.File,
      maxValueSize: 4_096,
    });
    this.kv = kv;
    this.watch = new ConfigWatch(kv, (entry) => this.onEntry(entry), this.log);
    await this.watch.start();
    if (this.env.WEFT_ADMIN_TOKEN_FILE === undefined) await this.makeFirstToken(kv);
    this.readiness.set('admin-tokens', true);
  }

  /**
   * The first control plane of a mesh without a token file makes the first admin token and prints
   * it once, on stderr (never in the JSON log). Claimed by a create of `first-token`, so of
   * replicas starting together one makes it; never again afterwards, even when every token has
   * been revoked (recover with WEFT_ADMIN_TOKEN_FILE, or by deleting that key).
   */
  private async makeFirstToken(kv: KV): Promise<void> {
    if ((await kv.get(FIRST_TOKEN_KEY))?.operation === 'PUT') return;
    try {
      await kv.create(FIRST_TOKEN_KEY, encode({ v: PROTOCOL_VERSION, createdAt: Date.now() }));
    } catch {
      return; // another replica claimed it
    }
    const { token } = await this.create(FIRST_TOKEN_NAME, 'admin', 'first start');
    process.stderr.write(
      [
        '',
        'weft: this is the first control plane of this mesh; it made an admin token for its API.',
        '      It is shown this once; keep it (weft reads it from WEFT_TOKEN):',
        '',
        `  export WEFT_TOKEN=${token}`,
        '',
        '      `weft admin-token create --name NAME --role read|admin` makes more.',
        '',
      ].join('\n'),
    );
  }

  private onEntry(entry: BucketEntry): void {
    if (entry.key === FIRST_TOKEN_KEY) return;
    const name = entry.key.slice(TOKEN_KEY_PREFIX.length);
    if (!entry.key.startsWith(TOKEN_KEY_PREFIX)) {
      reportInvalid(this.log, 'admin-tokens', entry.key, 'not a key of the admin token bucket');
      return;
    }
    if (entry.operation !== 'PUT') {
      this.forget(name);
      return;
    }
    const record = decodeMessage(AdminTokenRecord, entry.value, entry.key);
    if (!record.ok) {
      reportInvalid(this.log, 'admin-tokens', entry.key, formatErrors(record.errors));
    } else if (record.value.name !== name) {
      reportInvalid(this.log, 'admin-tokens', entry.key, `names token ${record.value.name}`);
    } else if (this.byName.size >= MAX_ADMIN_TOKENS && !this.byName.has(name)) {
      reportInvalid(this.log, 'admin-tokens', entry.key, `more than ${MAX_ADMIN_TOKENS} tokens`);
    } else {
      this.remember(record.value);
    }
  }

  private remember(record: AdminTokenRecord): void {
    this.forget(record.name);
    this.byName.set(record.name, record);
    this.byHash.set(record.hash, record);
  }

  private forget(name: string): void {
    const old = this.byName.get(name);
    if (old === undefined) return;
    this.byName.delete(name);
    this.byHash.delete(old.hash);
  }

  private bucket(): KV {
    if (!this.kv) throw new Error('admin token bucket not open yet (NATS unreachable?)');
    return this.kv;
  }
}
