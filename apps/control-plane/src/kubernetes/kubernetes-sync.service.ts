// Applies the cluster's Services (WEFT_KUBERNETES) through the same validate-and-apply path as files and POST /v1/apply; only the leader runs it.
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { formatErrors } from '@app/protocol';
import { LOGGER, type Logger } from '@app/runtime';
import { ApplyService } from '../apply/apply.service.js';
import { ApplyRejected } from '../config/config-errors.js';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { ClusterServices } from './cluster-services.js';
import type { WeftService } from './service-projection.js';

/** A burst of changes (a rollout, a re-list) is applied once it pauses this long. */
const SETTLE_MS = 200;
const RETRY_MS = 5_000;
/** Clusters beyond this many Services are refused whole rather than half-applied. */
const MAX_SERVICES = 10_000;

@Injectable()
export class KubernetesSync implements OnApplicationShutdown {
  private services: ClusterServices | undefined;
  /** Applies run one at a time; only the newest set waiting is kept. */
  private applying: Promise<void> = Promise.resolve();
  private pending: readonly WeftService[] | undefined;

  constructor(
    private readonly env: ControlPlaneEnv,
    private readonly apply: ApplyService,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  get enabled(): boolean {
    return this.env.WEFT_KUBERNETES !== 'off';
  }

  async start(): Promise<void> {
    await this.stop();
    const kubeConfig = new KubeConfig();
    if (this.env.WEFT_KUBERNETES === 'in-cluster') kubeConfig.loadFromCluster();
    else kubeConfig.loadFromDefault();
    const services = new ClusterServices(kubeConfig, {
      debounceMs: SETTLE_MS,
      retryMs: RETRY_MS,
      maxServices: MAX_SERVICES,
      onServices: (set) => this.enqueue(set),
      onError: (err) =>
        this.log.error({ err: err.message }, 'Kubernetes API: following Services failed; retrying'),
    });
    this.services = services;
    await services.start();
    this.log.info(
      { server: kubeConfig.getCurrentCluster()?.server },
      'following Kubernetes Services',
    );
  }

  async stop(): Promise<void> {
    const services = this.services;
    this.services = undefined;
    this.pending = undefined;
    await services?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  private enqueue(set: readonly WeftService[]): void {
    const idle = this.pending === undefined;
    this.pending = set;
    if (idle) this.applying = this.applying.then(() => this.applyPending());
  }

  /** The cluster's Services are one batch: all valid, or none applied (the previous set stays). */
  private async applyPending(): Promise<void> {
    const set = this.pending;
    this.pending = undefined;
    if (set === undefined || this.services === undefined) return;
    try {
      const text = set.map((s) => stringify(s)).join('---\n');
      const result = await this.apply.applyText(text, {
        source: 'kubernetes',
        origin: 'the Kubernetes API',
        author: 'kubernetes',
        prune: true,
      });
      this.log.info(
        { services: set.length, revision: result.revision, changed: result.changed },
        'Kubernetes Services applied',
      );
    } catch (err) {
      const reason =
        err instanceof ApplyRejected ? formatErrors(err.errors) : (err as Error).message;
      this.log.error({ reason }, 'Kubernetes Services not applied; the previous config stays');
    }
  }
}
