// Keeps a proxy's engine configured: disk cache at boot, then the KV watch, with ACK/NACK reports.
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { join } from 'node:path';
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
import { AckReporter, type ProxyIdentity } from '../config/ack-reporter.js';
import { ConfigSync } from '../config/config-sync.js';
import { DestinationSync, type DestinationScope } from '../config/destination-sync.js';
import { SnapshotCache } from '../config/snapshot-cache.js';
import { DataPlaneEngine } from '../engine.js';
import type { BusSettings } from '../bus/bus-client.js';

/** What a proxy app tells the engine about itself. */
export interface ProxyOptions {
  readonly identity: ProxyIdentity;
  /** Who the proxy runs as: the caller identity of its bus calls (with `identity.namespace`). */
  readonly serviceAccount: string;
  readonly subjectPrefix: string;
  /** Folder for the last good config. */
  readonly stateDir: string;
  /** Standalone: read config from this folder instead of NATS. */
  readonly configDir?: string;
  readonly accessLog: {
    readonly stdout: boolean;
    readonly publishPerSecond: number;
    readonly sampleRatio: number;
  };
  /** Golden-signal snapshots on the bus: whether, and how often. */
  readonly telemetry: { readonly publish: boolean; readonly intervalMs: number };
  /** Bus transport: frame size, window and keepalive (defaults when absent). */
  readonly bus?: BusSettings;
  /**
   * Proxies that send no heartbeats (routers) repeat their last ACK this often, so that the control
   * plane sees them alive and does not flag them stale; absent: never.
   */
  readonly presenceIntervalMs?: number;
  /**
   * Sidecars and node proxies: follow only the destinations they call and the memberships of these
   * instances (DestinationSync). Absent (routers): follow the whole config bucket (ConfigSync).
   */
  readonly scope?: DestinationScope;
}

/** What both ways of following the config bucket offer the service. */
type ConfigSource = Pick<ConfigSync, 'hasConfig' | 'loadCache' | 'run' | 'stop'>;

export const PROXY_OPTIONS = Symbol('weft.proxy-options');

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

@Injectable()
export class ProxyConfigService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly sync: ConfigSource;
  private readonly subjects: Subjects;
  private readonly acks: AckReporter;
  private presence: NodeJS.Timeout | undefined;

  constructor(
    @Inject(PROXY_OPTIONS) private readonly options: ProxyOptions,
    engine: DataPlaneEngine,
    private readonly nats: NatsClient,
    private readonly readiness: Readiness,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.subjects = new Subjects(options.subjectPrefix);
    this.acks = new AckReporter(this.subjects, options.identity);
    const { namespace, service } = options.identity;
    const cache = new SnapshotCache(
      join(options.stateDir, `${options.subjectPrefix}-${namespace}-${service}.json`),
    );
    const events = {
      applied: (revision: number) => this.onApplied(revision),
      rejected: (revision: number, error: string) => this.onRejected(revision, error),
      invalid: (key: string, reason: string) => reportInvalid(this.log, 'config', key, reason),
    };
    if (options.scope) {
      const scoped = new DestinationSync(
        engine.configurator,
        cache,
        events,
        log,
        this.subjects,
        options.scope,
      );
      engine.routes.discover = (host) => scoped.discover(host);
      // What was announced while NATS was away is lost: read everything followed again.
      nats.on('reconnect', () => scoped.resync());
      this.sync = scoped;
    } else this.sync = new ConfigSync(engine.configurator, cache, events, log);
    readiness.require('config');
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.sync.loadCache();
    if (this.sync.hasConfig) this.readiness.set('config', true);
    void this.nats.connection.then((nc) => {
      this.sync.run(nc, this.subjects.configBucket);
      nc.subscribe(this.subjects.controlPlaneReady, { callback: () => this.acks.repeat(nc) });
    });
    const every = this.options.presenceIntervalMs;
    if (every !== undefined) this.presence = setInterval(() => this.repeatAck(), every).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.presence);
    this.sync.stop();
  }

  private repeatAck(): void {
    const nc = this.nats.current;
    if (nc) this.acks.repeat(nc);
  }

  private onApplied(revision: number): void {
    revisionGauge.set(revision);
    this.readiness.set('config', true);
    this.log.info({ revision }, 'config applied');
    const nc = this.nats.current;
    if (nc) this.acks.report(nc, revision);
  }

  private onRejected(revision: number, error: string): void {
    nacks.inc();
    this.log.error({ revision, error }, 'config rejected; keeping the last good one');
    const nc = this.nats.current;
    if (nc) this.acks.report(nc, revision, error);
  }
}
