// A proxy's workload identities (one for a sidecar or router, one per service account of a node
// proxy's workloads): each asks the mesh CA over NATS, all follow the announced trust bundle.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  decodeMessage,
  encode,
  formatErrors,
  PROTOCOL_VERSION,
  spiffeId,
  Subjects,
  TrustBundle,
  type CaSignRequest,
  type TrustReport,
} from '@app/protocol';
import { LOGGER, NatsClient, reportInvalid, type Logger } from '@app/runtime';
import { IdentityCache } from './identity-cache.js';
import { WorkloadIdentity } from './workload-identity.js';

export interface IdentityOptions {
  readonly trustDomain: string;
  readonly subjectPrefix: string;
  /** Where the key and leaf of each identity are cached (the proxy's state dir). */
  readonly stateDir: string;
  readonly proxyId: string;
  readonly identities: readonly { readonly namespace: string; readonly serviceAccount: string }[];
}

export const IDENTITY_OPTIONS = Symbol('weft.identity-options');

/** A CA that does not answer within this long is asked again after a backoff. */
const SIGN_TIMEOUT_MS = 10_000;

/** Emits `trust` whenever what the proxy would report about its trust changes. */
@Injectable()
export class WorkloadIdentities
  extends EventEmitter<{ trust: [TrustReport | undefined] }>
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  readonly all: readonly WorkloadIdentity[];
  private readonly subjects: Subjects;
  private readonly trustDomain: string;

  constructor(
    @Inject(IDENTITY_OPTIONS) options: IdentityOptions,
    private readonly nats: NatsClient,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    super();
    this.subjects = new Subjects(options.subjectPrefix);
    this.trustDomain = options.trustDomain;
    // Workloads sharing a service account share its identity.
    const distinct = new Map(
      options.identities.map((i) => [`${i.namespace}/${i.serviceAccount}`, i]),
    );
    this.all = [...distinct.values()].map(({ namespace, serviceAccount }) => {
      const file = `${options.subjectPrefix}-identity-${options.proxyId}-${namespace}-${serviceAccount}.json`;
      const identity = new WorkloadIdentity({
        spiffeId: spiffeId(options.trustDomain, namespace, serviceAccount),
        cache: new IdentityCache(join(options.stateDir, file)),
        request: (csr) => this.request(this.subjects.caSign(namespace, serviceAccount), csr),
        log,
      });
      identity.on('change', () => this.emit('trust', this.trustReport()));
      identity.on('expired', () => this.emit('trust', this.trustReport()));
      return identity;
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.all.map((identity) => identity.start()));
    void this.nats.connection.then((nc) =>
      nc.subscribe(this.subjects.caBundle, {
        callback: (err, msg) => {
          if (err) return;
          const bundle = decodeMessage(TrustBundle, msg.data, msg.subject);
          if (!bundle.ok)
            return reportInvalid(this.log, 'ca', msg.subject, formatErrors(bundle.errors));
          for (const identity of this.all) void identity.onTrustBundle(bundle.value);
        },
      }),
    );
  }

  onApplicationShutdown(): void {
    for (const identity of this.all) identity.stop();
  }

  /** The identity of `serviceAccount` in `namespace`, if this proxy has it. */
  of(namespace: string, serviceAccount: string): WorkloadIdentity | undefined {
    const id = spiffeId(this.trustDomain, namespace, serviceAccount);
    return this.all.find((identity) => identity.spiffeId === id);
  }

  /** Every identity holds a leaf valid now. */
  hasCertificate(now = Date.now()): boolean {
    return this.all.every((identity) => identity.hasCertificate(now));
  }

  /**
   * The roots every identity trusts and the roots their leaves chain to; undefined until one holds
   * a leaf (then the proxy has nothing to report yet).
   */
  trustReport(): TrustReport | undefined {
    const held = this.all.flatMap((identity) => identity.trust() ?? []);
    if (held.length === 0) return undefined;
    const roots = held[0].roots.filter((fp) => held.every((t) => t.roots.includes(fp)));
    return { roots, issuers: [...new Set(held.map((t) => t.issuer))] };
  }

  private async request(subject: string, csr: string): Promise<Uint8Array> {
    const nc = await this.nats.connection;
    const body: CaSignRequest = { v: PROTOCOL_VERSION, csr };
    const reply = await nc.request(subject, encode(body), { timeout: SIGN_TIMEOUT_MS });
    return reply.data;
  }
}
