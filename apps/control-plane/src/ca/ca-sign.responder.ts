// Answers `weft.v1.ca.sign.<ns>.<sa>` in the control planes' queue group: the subject's tokens are
// the requester's entitlement (nats-server lets a proxy publish only its own), the CSR must match.
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Msg, Subscription } from '@nats-io/transport-node';
import {
  CaSignRequest,
  decodeMessage,
  DNS_LABEL,
  encode,
  formatErrors,
  PROTOCOL_VERSION,
  type CaSignReply,
} from '@app/protocol';
import { eventCounter, LOGGER, LogThrottle, NatsClient, type Logger } from '@app/runtime';
import { bootSubjects } from '../nats/boot-subjects.js';
import { CertificateAuthority } from './certificate-authority.service.js';

/** Prometheus: `weft_ca_certificates_issued_total`, `weft_ca_refusals_total{reason}`. */
const issued = eventCounter(
  'weft.ca.certificates_issued',
  'Workload certificates this replica signed',
  '{certificate}',
);
const refusals = eventCounter(
  'weft.ca.refusals',
  'Certificate requests this replica refused, by reason',
  '{request}',
);

/** Signing runs on the CPU: more requests than this at once are told to retry, not queued. */
const MAX_IN_FLIGHT = 64;

@Injectable()
export class CaSignResponder implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: Subscription | undefined;
  private inFlight = 0;
  /** Refusals are all counted; at most 10 of each reason logged every 10 s. */
  private readonly logged = new LogThrottle(10, 10_000);

  constructor(
    private readonly ca: CertificateAuthority,
    private readonly nats: NatsClient,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    void this.nats.connection.then((nc) => {
      this.subscription = nc.subscribe(bootSubjects().caSignAll, {
        queue: bootSubjects().caQueue,
        callback: (err, msg) => {
          if (!err) void this.answer(msg);
        },
      });
    });
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  private async answer(msg: Msg): Promise<void> {
    if (this.inFlight >= MAX_IN_FLIGHT) return this.refuse(msg, 'busy', 'the CA is busy; retry');
    this.inFlight++;
    try {
      // `<prefix>.v1.ca.sign.<ns>.<sa>`: the prefix is one token.
      const [, , , , namespace, serviceAccount] = msg.subject.split('.');
      if (!DNS_LABEL.test(namespace ?? '') || !DNS_LABEL.test(serviceAccount ?? '')) {
        return this.refuse(
          msg,
          'bad-subject',
          `${msg.subject} does not name a namespace and service account`,
        );
      }
      const request = decodeMessage(CaSignRequest, msg.data, msg.subject);
      if (!request.ok) return this.refuse(msg, 'malformed', formatErrors(request.errors));
      const outcome = await this.ca.sign(namespace, serviceAccount, request.value.csr);
      if (!outcome.ok) return this.refuse(msg, outcome.reason, outcome.message);
      issued.inc();
      this.reply(msg, { v: PROTOCOL_VERSION, chain: outcome.chain, roots: outcome.roots });
    } catch (err) {
      this.refuse(msg, 'error', `signing failed: ${(err as Error).message}`);
    } finally {
      this.inFlight--;
    }
  }

  private refuse(msg: Msg, reason: string, message: string): void {
    refusals.inc({ reason });
    const heldBack = this.logged.admit(reason);
    if (heldBack !== undefined) {
      const fields = { subject: msg.subject, reason, message, ...(heldBack > 0 && { heldBack }) };
      this.log.warn(fields, 'refused a certificate request');
    }
    this.reply(msg, { v: PROTOCOL_VERSION, error: message });
  }

  private reply(msg: Msg, reply: CaSignReply): void {
    if (msg.reply) msg.respond(encode(reply));
  }
}
