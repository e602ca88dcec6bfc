// The leader's side of the CA: announces the trust bundle, starts a root rotation on request and
// moves it on phase by phase as the proxies' trust reports allow (resumed by any new leader).
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { encode, PROTOCOL_VERSION, type CaStatus, type TrustBundle } from '@app/protocol';
import { LOGGER, NatsClient, type Logger } from '@app/runtime';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { LeaderElection } from '../leader/leader-election.service.js';
import { bootSubjects } from '../nats/boot-subjects.js';
import { ProxyRegistry } from '../proxies/proxy-registry.service.js';
import type { Authority } from './authority.js';
import { CertificateAuthority } from './certificate-authority.service.js';
import {
  holdsBundle,
  renewedTo,
  RotationInProgress,
  rotationStep,
  startRotation,
} from './root-rotation.js';

/** How often the leader re-judges a running rotation and repeats the bundle to proxies that missed it. */
const TICK_MS = 1_000;

/** The CA cannot rotate as asked; `status` is the HTTP status to answer with. */
export class RotationRefused extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

@Injectable()
export class RootRotation implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly env: ControlPlaneEnv,
    private readonly ca: CertificateAuthority,
    private readonly proxies: ProxyRegistry,
    private readonly election: LeaderElection,
    private readonly nats: NatsClient,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.ca.on('change', (authority) => {
      if (this.election.isLeader) this.announce(authority);
    });
    this.election.on('elected', () => {
      if (this.ca.current) this.announce(this.ca.current);
    });
    this.timer = setInterval(() => void this.tick(), TICK_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Starts a rotation (leader only: the route is forwarded to it). */
  async rotate(): Promise<CaStatus> {
    const authority = this.ca.current;
    if (!authority) throw new RotationRefused('the mesh CA is off or still starting', 503);
    if (authority.source === 'provided') {
      throw new RotationRefused(
        'the CA is the operator-provided one (WEFT_CA_CERT): rotate it by replacing those files',
        409,
      );
    }
    this.election.assertLeader();
    const running = this.ca.state?.state.phase;
    if (running !== undefined && running !== 'steady') {
      throw new RotationRefused(new RotationInProgress(running).message, 409);
    }
    const next = await this.ca.newRoot();
    const swapped = await this.ca.update((state) =>
      Promise.resolve(startRotation(state, next, Date.now())),
    );
    if (!swapped) throw new RotationRefused('the CA state changed meanwhile; retry', 409);
    this.log.info('root rotation started: the new root joins the trust bundle');
    return this.status();
  }

  status(): CaStatus {
    const authority = this.ca.current;
    const base = {
      trustDomain: this.env.WEFT_TRUST_DOMAIN,
      certTtl: this.env.WEFT_CERT_TTL,
    };
    if (!authority) {
      return {
        ...base,
        enabled: false,
        source: null,
        phase: null,
        rotationStartedAt: null,
        roots: [],
        proxies: [],
        waitingFor: [],
      };
    }
    const bundle = authority.roots.map((r) => r.fingerprint);
    const live = this.proxies.list().filter((p) => !p.stale);
    const stored = this.ca.state?.state;
    const step = stored ? rotationStep(stored, live) : { kind: 'idle' as const };
    return {
      ...base,
      enabled: true,
      source: authority.source,
      phase: authority.phase,
      rotationStartedAt:
        authority.rotationStartedAt === undefined
          ? null
          : new Date(authority.rotationStartedAt).toISOString(),
      roots: authority.roots.map((r) => ({
        fingerprint: r.fingerprint,
        subject: r.cert.subject,
        notBefore: r.cert.notBefore.toISOString(),
        notAfter: r.cert.notAfter.toISOString(),
        signer: r.fingerprint === authority.signer,
      })),
      proxies: live.map((p) => ({
        id: p.id,
        holdsBundle: holdsBundle(p, bundle),
        renewed: renewedTo(p, authority.signer),
      })),
      waitingFor: step.kind === 'wait' ? step.waitingFor : [],
    };
  }

  /** One turn of a running rotation, on the leader only; one at a time. */
  private async tick(): Promise<void> {
    const authority = this.ca.current;
    const stored = this.ca.state;
    if (this.busy || !authority || !stored || !this.election.isLeader) return;
    if (stored.state.phase === 'steady') return;
    this.busy = true;
    try {
      // Repeated while the rotation runs: a proxy that missed an announcement gets the next.
      this.announce(authority);
      const step = rotationStep(stored.state, this.proxies.list());
      if (step.kind !== 'sign-with-new' && step.kind !== 'drop-old') return;
      if (await this.ca.update(() => Promise.resolve(step.state))) {
        this.log.info(
          { signer: step.state.signer },
          step.kind === 'sign-with-new'
            ? 'root rotation: every proxy holds both roots; the new root signs now'
            : 'root rotation done: every proxy renewed; the old root left the trust bundle',
        );
      }
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'root rotation step failed; retrying');
    } finally {
      this.busy = false;
    }
  }

  private announce(authority: Authority): void {
    const bundle: TrustBundle = {
      v: PROTOCOL_VERSION,
      roots: authority.roots.map((r) => r.pem),
      signer: authority.signer,
    };
    this.nats.tryPublish(bootSubjects().caBundle, encode(bundle));
  }
}
