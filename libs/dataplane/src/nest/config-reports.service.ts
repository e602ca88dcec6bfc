// What a proxy says about the config it follows: ACK/NACK of each revision on the bus (repeated
// for a control plane that comes back, and as presence for proxies without heartbeats), readiness,
// the revision gauge and NACK counter, and the logs of invalid values.
import { Inject, Injectable, Optional } from '@nestjs/common';
import { Subjects } from '@app/protocol';
import {
  eventCounter,
  LOGGER,
  NatsClient,
  Readiness,
  reportInvalid,
  stateGauge,
  type Logger,
} from '@app/runtime';
import { AckReporter } from '../config/ack-reporter.js';
import type { EvictionReason } from '../config/called-hosts.js';
import type { ConfigEvents } from '../config/snapshot-applier.js';
import { WorkloadIdentities } from '../identity/workload-identities.service.js';
import { PROXY_OPTIONS, type ProxyOptions } from './proxy-options.js';

/** Prometheus: `weft_config_revision`, `weft_config_nacks_total`. */
const revisionGauge = stateGauge(
  'weft.config.revision',
  'Config revision this proxy runs',
  '{revision}',
);
const nacks = eventCounter(
  'weft.config.nacks',
  'Config revisions this proxy rejected',
  '{revision}',
);
/** Prometheus: `weft_proxy_followed_destinations`, `weft_proxy_destination_evictions_total`. */
const followedGauge = stateGauge(
  'weft.proxy.followed_destinations',
  'Services this proxy follows (sidecars and node proxies follow the ones they call)',
  '{service}',
);
const evictions = eventCounter(
  'weft.proxy.destination_evictions',
  'Called hosts no longer followed, by reason (max: past the bound; ttl: not called for the TTL)',
  '{host}',
);

@Injectable()
export class ConfigReports implements ConfigEvents {
  private readonly acks: AckReporter;

  constructor(
    @Inject(PROXY_OPTIONS) options: ProxyOptions,
    private readonly nats: NatsClient,
    private readonly readiness: Readiness,
    @Inject(LOGGER) private readonly log: Logger,
    @Optional() identities?: WorkloadIdentities,
  ) {
    this.acks = new AckReporter(new Subjects(options.subjectPrefix), options.identity);
    readiness.require('config');
    // The trust a proxy holds goes out with its ACK, again whenever it changes.
    identities?.on('trust', (trust) => {
      this.acks.trust = trust;
      this.repeat();
    });
  }

  applied(revision: number): void {
    revisionGauge.set(revision);
    this.readiness.set('config', true);
    this.log.info({ revision }, 'config applied');
    const nc = this.nats.current;
    if (nc) this.acks.report(nc, revision);
  }

  rejected(revision: number, error: string): void {
    nacks.inc();
    this.log.error({ revision, error }, 'config rejected; keeping the last good one');
    const nc = this.nats.current;
    if (nc) this.acks.report(nc, revision, error);
  }

  invalid(key: string, reason: string): void {
    reportInvalid(this.log, 'config', key, reason);
  }

  following(services: number): void {
    followedGauge.set(services);
  }

  evicted(reason: EvictionReason, hosts: number): void {
    evictions.inc({ 'weft.reason': reason }, hosts);
  }

  /** A snapshot from the disk cache serves: ready, though nothing is ACKed before the bucket says. */
  servingCache(): void {
    this.readiness.set('config', true);
  }

  /** Sends the last report again (a new control plane knows nothing of earlier ones). */
  repeat(): void {
    const nc = this.nats.current;
    if (nc) this.acks.repeat(nc);
  }
}
