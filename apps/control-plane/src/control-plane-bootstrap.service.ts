// Brings the control plane up in order once NATS answers: buckets, stored config, endpoints, then the
// leader election; the leader alone writes (and applies the folder), followers serve reads.
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { encode, PROTOCOL_VERSION, type LeaderChange } from '@app/protocol';
import { LOGGER, NatsClient, Readiness, type Logger } from '@app/runtime';
import { openBucket } from './config/open-bucket.js';
import { HistoryStore } from './config/history-store.service.js';
import { ConfigDirService } from './apply/config-dir.service.js';
import { ConfigStore } from './config/config-store.service.js';
import { ControlPlaneEnv } from './control-plane-env.dto.js';
import { EndpointPublisher } from './discovery/endpoint-publisher.service.js';
import { KubernetesSync } from './kubernetes/kubernetes-sync.service.js';
import { LeaderElection } from './leader/leader-election.service.js';
import { bootSubjects } from './nats/boot-subjects.js';

@Injectable()
export class ControlPlaneBootstrap implements OnApplicationBootstrap {
  constructor(
    private readonly env: ControlPlaneEnv,
    private readonly nats: NatsClient,
    private readonly store: ConfigStore,
    private readonly history: HistoryStore,
    private readonly endpoints: EndpointPublisher,
    private readonly configDir: ConfigDirService,
    private readonly kubernetes: KubernetesSync,
    private readonly election: LeaderElection,
    private readonly readiness: Readiness,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    readiness.require('config-store');
  }

  /** Runs in the background so `/healthz` answers while NATS is still away. */
  onApplicationBootstrap(): void {
    void this.start().catch((err: Error) => {
      this.log.fatal({ err: err.message }, 'control plane could not start');
      process.exit(1);
    });
  }

  private async start(): Promise<void> {
    const nc = await this.nats.connection;
    const replicas = this.env.WEFT_KV_REPLICAS;
    this.history.attach(await openBucket(nc, bootSubjects().historyBucket, replicas));
    const kv = await openBucket(nc, bootSubjects().configBucket, replicas);
    await this.store.attach(kv);
    await this.endpoints.attach(kv);
    // A follower serves reads, so it is ready too.
    this.readiness.set('config-store', true);
    nc.publish(
      bootSubjects().controlPlaneReady,
      encode({ v: PROTOCOL_VERSION, revision: this.store.currentRevision }),
    );
    this.log.info({ bucket: bootSubjects().configBucket }, 'control plane ready');
    this.election.on('elected', () => void this.lead());
    this.election.on('deposed', (change) => void this.follow(change));
    await this.election.start();
  }

  private async lead(): Promise<void> {
    try {
      await Promise.all([this.store.lead(), this.endpoints.lead()]);
      if (this.env.WEFT_CONFIG_DIR && this.election.isLeader)
        await this.configDir.start(this.env.WEFT_CONFIG_DIR);
      // In the background: a slow or absent API server must not hold the takeover up.
      if (this.kubernetes.enabled && this.election.isLeader) {
        void this.kubernetes
          .start()
          .catch((err: Error) =>
            this.log.error({ err: err.message }, 'following Kubernetes Services failed to start'),
          );
      }
      this.election.takeoverDone();
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'taking over as leader failed');
    }
  }

  private async follow(change: LeaderChange): Promise<void> {
    this.configDir.stop();
    await this.kubernetes.stop();
    this.endpoints.follow();
    // Resigning means shutting down: nothing to follow any more.
    if (change === 'resigned') return;
    await this.store
      .follow()
      .catch((err: Error) =>
        this.log.error({ err: err.message }, 're-reading the config bucket failed'),
      );
  }
}
