// One workload identity of a proxy: its own key pair, a leaf from the mesh CA, renewed at half life,
// retried with backoff while the current leaf keeps serving, and a change event for TLS listeners.
import { EventEmitter } from 'node:events';
import { webcrypto } from 'node:crypto';
import {
  CaSignReply,
  certificateFingerprint,
  decodeMessage,
  formatErrors,
  type TrustBundle,
} from '@app/protocol';
import {
  ECDSA_P256,
  generateP256KeyPair,
  PemConverter,
  Pkcs10CertificateRequestGenerator,
  SubjectAlternativeNameExtension,
} from '@app/protocol/identity/pki.js';
import { LogThrottle, type Logger } from '@app/runtime';
import { assembleBundle, type CertificateBundle } from './certificate-bundle.js';
import type { IdentityCache } from './identity-cache.js';
import { renewalAt, retryDelay } from './renewal-timing.js';

/** Sends a CSR to the CA (on this identity's sign subject) and resolves with the raw reply. */
export type CertificateRequester = (csr: string) => Promise<Uint8Array>;

export interface WorkloadIdentityOptions {
  readonly spiffeId: string;
  readonly cache: IdentityCache;
  readonly request: CertificateRequester;
  readonly log: Logger;
  /** Injectable for specs; Math.random otherwise. */
  readonly random?: () => number;
}

/** A bundle whose signer is not this leaf's root: renew within this long (spread over proxies). */
const RESIGN_SPREAD_MS = 5_000;

/**
 * Emits `change` with each new bundle (new leaf, or new trust roots) and `expired` when the leaf
 * ran out before a renewal succeeded. The key never leaves the process but for its 0600 cache file.
 */
export class WorkloadIdentity extends EventEmitter<{ change: [CertificateBundle]; expired: [] }> {
  private bundle: CertificateBundle | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private renewing = false;
  /** When the next renewal is due (ms since the epoch). */
  private renewAt = Number.POSITIVE_INFINITY;
  private attempts = 0;
  private stopped = false;
  private readonly random: () => number;
  /** Failed attempts are logged 3 a minute at most. */
  private readonly logged = new LogThrottle(3, 60_000);

  constructor(private readonly options: WorkloadIdentityOptions) {
    super();
    this.random = options.random ?? Math.random;
  }

  get spiffeId(): string {
    return this.options.spiffeId;
  }

  /** The bundle in use; undefined before the first leaf and after one expired. */
  get current(): CertificateBundle | undefined {
    return this.bundle;
  }

  /** Holds a leaf valid now: what a proxy that requires mTLS waits for before it is ready. */
  hasCertificate(now = Date.now()): boolean {
    return this.bundle !== undefined && this.bundle.notAfter.getTime() > now;
  }

  /**
   * Serves the cached leaf at once if it is still good, and asks the CA for a fresh one right away
   * in any case: the cache is for starting without the CA, and the mesh may have moved on to
   * another root meanwhile. While the CA does not answer, the cached leaf keeps serving.
   */
  async start(): Promise<void> {
    const cached = await this.options.cache.load();
    if (cached?.spiffeId === this.spiffeId) {
      try {
        const { key, chain, roots, receivedAt } = cached;
        this.adopt(await assembleBundle(this.spiffeId, key, chain, roots, Date.now(), receivedAt));
        this.options.log.info(
          { spiffeId: this.spiffeId, serial: this.bundle?.serial },
          'workload certificate from the disk cache',
        );
      } catch (err) {
        this.options.log.info(
          { spiffeId: this.spiffeId, reason: (err as Error).message },
          'cached workload certificate not usable',
        );
      }
    }
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.renewTimer);
    clearTimeout(this.expiryTimer);
  }

  /**
   * A trust bundle announced by the CA: trusted from now on, and a leaf that does not chain to its
   * signer is renewed soon (a root rotation moving on).
   */
  async onTrustBundle(announced: TrustBundle): Promise<void> {
    const held = this.bundle;
    if (!held) return;
    const sameRoots =
      held.roots.length === announced.roots.length &&
      held.roots.every((r, i) => r === announced.roots[i]);
    if (!sameRoots) {
      try {
        const { key, chain, receivedAt } = held;
        const next = await assembleBundle(
          this.spiffeId,
          key,
          chain,
          announced.roots,
          Date.now(),
          receivedAt,
        );
        await this.persist(next);
        this.adopt(next, true);
      } catch {
        // The leaf does not chain to the new bundle: keep serving with it and renew now.
        this.schedule(0);
        return;
      }
    }
    // Announcements repeat every second during a rotation: a renewal already due soon stays put.
    const soon = Date.now() + RESIGN_SPREAD_MS;
    const stale = this.bundle !== undefined && this.bundle.issuer !== announced.signer;
    if (stale && !this.renewing && this.renewAt > soon) {
      this.schedule(this.random() * RESIGN_SPREAD_MS);
    }
  }

  /** Fingerprints of the roots held and of the root the leaf chains to (for the trust report). */
  trust(): { roots: string[]; issuer: string } | undefined {
    const held = this.bundle;
    return held && { roots: held.roots.map((r) => certificateFingerprint(r)), issuer: held.issuer };
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.renewTimer);
    this.renewAt = Date.now() + Math.max(0, delayMs);
    this.renewTimer = setTimeout(() => void this.renew(), Math.max(0, delayMs));
    this.renewTimer.unref();
  }

  /** One attempt: a fresh key, a CSR, the CA's answer checked; on failure, back off and retry. */
  private async renew(): Promise<void> {
    if (this.renewing || this.stopped) return;
    this.renewing = true;
    try {
      const keys = await generateP256KeyPair();
      const csr = await Pkcs10CertificateRequestGenerator.create({
        keys,
        signingAlgorithm: ECDSA_P256,
        extensions: [new SubjectAlternativeNameExtension([{ type: 'url', value: this.spiffeId }])],
      });
      const raw = await this.options.request(csr.toString('pem'));
      const reply = decodeMessage(CaSignReply, raw, 'CA reply');
      if (!reply.ok) throw new Error(formatErrors(reply.errors));
      const { chain, roots, error } = reply.value;
      if (error !== undefined || !chain || !roots)
        throw new Error(`the CA refused: ${error ?? 'no chain'}`);
      const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
      const key = PemConverter.encode(pkcs8, 'PRIVATE KEY');
      const bundle = await assembleBundle(this.spiffeId, key, chain, roots, Date.now());
      this.attempts = 0;
      // Cached first: once listeners hear of a leaf, a restart finds it too.
      await this.persist(bundle);
      this.adopt(bundle);
      this.options.log.info(
        { spiffeId: this.spiffeId, serial: bundle.serial, notAfter: bundle.notAfter.toISOString() },
        'workload certificate issued',
      );
    } catch (err) {
      this.attempts++;
      const delay = retryDelay(this.attempts, this.random());
      const heldBack = this.logged.admit('renewal');
      if (heldBack !== undefined) {
        this.options.log.warn(
          {
            spiffeId: this.spiffeId,
            attempt: this.attempts,
            retryInMs: Math.round(delay),
            err: (err as Error).message,
            ...(heldBack > 0 && { heldBack }),
          },
          this.hasCertificate()
            ? 'workload certificate renewal failed; the current one keeps serving'
            : 'no workload certificate yet',
        );
      }
      this.schedule(delay);
    } finally {
      this.renewing = false;
    }
  }

  /** Swaps the bundle in, schedules its renewal (unless only the roots changed) and its expiry. */
  private adopt(bundle: CertificateBundle, rootsOnly = false): void {
    this.bundle = bundle;
    if (!rootsOnly)
      this.schedule(
        renewalAt(bundle.receivedAt, bundle.notAfter.getTime(), this.random()) - Date.now(),
      );
    clearTimeout(this.expiryTimer);
    this.expiryTimer = setTimeout(
      () => this.expire(bundle),
      bundle.notAfter.getTime() - Date.now(),
    );
    this.expiryTimer.unref();
    this.emit('change', bundle);
  }

  /** A cache that cannot be written costs only the next cold start, never the running leaf. */
  private async persist(bundle: CertificateBundle): Promise<void> {
    await this.options.cache
      .save(bundle)
      .catch((err: Error) =>
        this.options.log.warn(
          { err: err.message, file: this.options.cache.file },
          'workload certificate not cached',
        ),
      );
  }

  private expire(bundle: CertificateBundle): void {
    if (this.bundle !== bundle) return;
    this.bundle = undefined;
    this.options.log.error(
      { spiffeId: this.spiffeId, serial: bundle.serial },
      'workload certificate expired before a renewal succeeded',
    );
    this.emit('expired');
  }
}
