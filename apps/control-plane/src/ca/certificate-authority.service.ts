// The mesh CA on every control-plane replica: loads the operator's CA or the stored root (the first
// leader generates it), follows the CA bucket, and signs leaves for entitled identities.
import { EventEmitter } from 'node:events';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { certificateFingerprint, PROTOCOL_VERSION, spiffeId } from '@app/protocol';
import { LOGGER, NatsClient, type Logger } from '@app/runtime';
import { openBucket } from '../config/open-bucket.js';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { LeaderElection } from '../leader/leader-election.service.js';
import { bootSubjects } from '../nats/boot-subjects.js';
import { loadProvidedAuthority, openStoredAuthority, type Authority } from './authority.js';
import type { CaState } from './ca-state.dto.js';
import { CaStateStore, StateConflict, type StoredState } from './ca-state-store.js';
import { checkCsr, type CsrRefusal } from './csr-check.js';
import { issueLeaf } from './leaf-issuer.js';
import { generateRoot } from './root-certificate.js';
import { readEncryptionKey, seal } from './sealed-key.js';
import { exportPkcs8 } from './signing-key.js';

export type SignOutcome =
  | { readonly ok: true; readonly chain: string[]; readonly roots: string[] }
  | { readonly ok: false; readonly reason: CsrRefusal | 'unavailable'; readonly message: string };

/** Why the CA cannot sign at all, told to every requester. */
const OFF =
  'the mesh CA is off: the control plane needs WEFT_CA_ENCRYPTION_KEY_FILE (or WEFT_CA_CERT and WEFT_CA_KEY)';

/** How long a write may take to come back through the CA bucket's watch. */
const ADOPT_TIMEOUT_MS = 10_000;

/** Emits `change` whenever the authority (roots, signer, phase) changes. */
@Injectable()
export class CertificateAuthority
  extends EventEmitter<{ change: [Authority] }>
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private authority: Authority | undefined;
  private stored: StoredState | undefined;
  private store: CaStateStore | undefined;
  private encryptionKey: Buffer | undefined;

  constructor(
    private readonly env: ControlPlaneEnv,
    private readonly nats: NatsClient,
    private readonly election: LeaderElection,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    super();
  }

  get current(): Authority | undefined {
    return this.authority;
  }

  /** The stored state and its revision (generated CAs only), for compare-and-set updates. */
  get state(): StoredState | undefined {
    return this.stored;
  }

  /** Runs in the background like the rest of the boot; a CA that cannot load stops the process. */
  onApplicationBootstrap(): void {
    void this.start().catch((err: Error) => {
      this.log.fatal({ err: err.message }, 'the mesh CA could not start');
      process.exit(1);
    });
  }

  onApplicationShutdown(): void {
    this.store?.stop();
  }

  /** Signs `csr` for `<namespace>/<serviceAccount>`, the identity the request's subject entitles. */
  async sign(namespace: string, serviceAccount: string, csr: string): Promise<SignOutcome> {
    const authority = this.authority;
    if (!authority) {
      const message = this.encryptionKey || this.env.WEFT_CA_CERT ? 'the mesh CA is starting' : OFF;
      return { ok: false, reason: 'unavailable', message };
    }
    const entitled = spiffeId(this.env.WEFT_TRUST_DOMAIN, namespace, serviceAccount);
    const checked = await checkCsr(csr, entitled);
    if (!checked.ok) return checked;
    const leaf = await issueLeaf(authority.issuer, checked.publicKey, entitled, this.env.certTtlMs);
    return {
      ok: true,
      chain: [leaf.toString('pem'), ...authority.intermediates],
      roots: authority.roots.map((r) => r.pem),
    };
  }

  /**
   * Replaces the stored state by `next(current)` with compare-and-set and resolves once this
   * replica holds the result; false when another replica wrote first (the watch brings its value;
   * the caller decides again on its next turn).
   */
  async update(next: (state: CaState) => Promise<CaState>): Promise<boolean> {
    const stored = this.stored;
    if (!this.store || !stored) return false;
    let revision: number;
    try {
      revision = await this.store.swap(await next(stored.state), stored.revision);
    } catch (err) {
      if (err instanceof StateConflict) return false;
      throw err;
    }
    await this.holding(revision);
    return true;
  }

  /** Resolves once the watch has brought (and this replica opened) `revision` or a later one. */
  private holding(revision: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if ((this.stored?.revision ?? 0) < revision) return;
        clearTimeout(timer);
        this.off('change', check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('change', check);
        reject(new Error(`the CA bucket's watch did not bring revision ${revision}`));
      }, ADOPT_TIMEOUT_MS);
      this.on('change', check);
      check();
    });
  }

  /** A new root's state entry with its key sealed (the key never reaches the bucket in the clear). */
  async newRoot(): Promise<CaState['roots'][number]> {
    if (!this.encryptionKey) throw new Error(OFF);
    const root = await generateRoot(this.env.WEFT_TRUST_DOMAIN);
    const pkcs8 = await exportPkcs8(root.signing.key);
    return {
      cert: root.pem,
      key: seal(pkcs8, this.encryptionKey, certificateFingerprint(root.pem)),
    };
  }

  private async start(): Promise<void> {
    const { WEFT_CA_CERT, WEFT_CA_KEY, WEFT_CA_CHAIN, WEFT_CA_ENCRYPTION_KEY_FILE } = this.env;
    if (WEFT_CA_CERT !== undefined && WEFT_CA_KEY !== undefined) {
      this.adopt(await loadProvidedAuthority(WEFT_CA_CERT, WEFT_CA_KEY, WEFT_CA_CHAIN));
      return;
    }
    if (WEFT_CA_ENCRYPTION_KEY_FILE === undefined) {
      this.log.warn(OFF);
      return;
    }
    this.encryptionKey = await readEncryptionKey(WEFT_CA_ENCRYPTION_KEY_FILE);
    const nc = await this.nats.connection;
    const store = new CaStateStore(
      await openBucket(nc, bootSubjects().caBucket, this.env.WEFT_KV_REPLICAS),
    );
    this.store = store;
    const stored = await store.read();
    // A wrong key file is found here, before this replica serves anything.
    if (stored) await this.follow(stored);
    this.election.on('elected', () => void this.createRootOnce());
    if (this.election.isLeader) void this.createRootOnce();
    void store.watch(
      (next) =>
        void this.follow(next).catch((err: Error) => {
          this.log.fatal(
            { err: err.message },
            'the CA bucket holds a state this replica cannot open',
          );
          process.exit(1);
        }),
      (err) => this.log.warn({ err: err.message }, 'CA bucket watch interrupted; retrying'),
    );
  }

  private async follow(stored: StoredState): Promise<void> {
    if (this.stored && stored.revision <= this.stored.revision) return;
    const authority = await openStoredAuthority(stored.state, this.encryptionKey as Buffer);
    if (this.stored && stored.revision <= this.stored.revision) return;
    this.stored = stored;
    this.adopt(authority);
  }

  private adopt(authority: Authority): void {
    const first = this.authority === undefined;
    this.authority = authority;
    this.log.info(
      {
        source: authority.source,
        roots: authority.roots.map((r) => r.fingerprint),
        signer: authority.signer,
        phase: authority.phase,
      },
      first ? 'mesh CA ready' : 'mesh CA changed',
    );
    this.emit('change', authority);
  }

  /** The first leader of a mesh makes its root; a later one finds it and does nothing. */
  private async createRootOnce(): Promise<void> {
    try {
      if (this.stored || !this.store || (await this.store.read())) return;
      const root = await this.newRoot();
      const state: CaState = {
        v: PROTOCOL_VERSION,
        roots: [root],
        signer: certificateFingerprint(root.cert),
        phase: 'steady',
      };
      await this.store.swap(state, 0);
      this.log.info({ signer: state.signer }, 'generated the mesh root');
    } catch (err) {
      // Another replica created it first: the watch brings it.
      if (!(err instanceof StateConflict))
        this.log.error({ err: (err as Error).message }, 'generating the mesh root failed');
    }
  }
}
