// Applies the cluster's Services, Gateway API routes and weft.dev resources (WEFT_KUBERNETES) through the same validate-and-apply path as files and POST /v1/apply, and writes their status back; only the leader runs it.
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { formatErrors, parseResource, type FieldError, type Resource } from '@app/protocol';
import { LOGGER, type Logger } from '@app/runtime';
import { ApplyService } from '../apply/apply.service.js';
import { ApplyRejected } from '../config/config-errors.js';
import { ConfigStore } from '../config/config-store.service.js';
import { setAsideUnresolvedEgress } from '../config/egress-references.js';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { EndpointPublisher } from '../discovery/endpoint-publisher.service.js';
import { evaluateGateways } from '../status/gateway-status.js';
import { RouteStatusService } from '../status/route-status.service.js';
import { ClusterResources, type ClusterSnapshot } from './cluster-resources.js';
import { loadKubeConfig } from './kube-config.js';
import { manifestKey, manifestOf, type ProjectedManifest } from './resource-projection.js';
import { unmeshedEndpointsOf } from './endpoint-slice-projection.js';
import { weftServiceOf, type WeftService } from './service-projection.js';
import { StatusWriteBack, type StatusTarget } from './status-write-back.js';
import { verdictOf } from './status-verdict.js';
import { WATCHED_KINDS, type WatchedKind } from './watched-kinds.js';

/** A burst of changes (a rollout, a re-list) is applied once it pauses this long. */
const SETTLE_MS = 200;
const RETRY_MS = 5_000;
/** Clusters beyond this many objects (all followed kinds) are refused whole rather than half-applied. */
const MAX_OBJECTS = 10_000;
/** The most unmeshed pods taken from EndpointSlices; more are refused whole (the previous stay). */
const MAX_UNMESHED_ENDPOINTS = 50_000;

/** One cluster object Weft applies: its kind, the object as watched, and its manifest. */
interface Followed extends StatusTarget {
  readonly manifest: ProjectedManifest;
}

@Injectable()
export class KubernetesSync implements OnApplicationShutdown {
  private resources: ClusterResources | undefined;
  private statusWriter: StatusWriteBack | undefined;
  /** Applies and status passes run one at a time; only the newest snapshot waiting is kept. */
  private working: Promise<void> = Promise.resolve();
  private pending: ClusterSnapshot | undefined;
  /** The objects of the last snapshot, and the errors of those Weft refused (by resource key). */
  private followed: readonly Followed[] = [];
  private invalid = new Map<string, readonly FieldError[]>();
  private statusPass: NodeJS.Timeout | undefined;
  private readonly scheduleStatus = (): void => {
    if (!this.statusWriter) return;
    clearTimeout(this.statusPass);
    this.statusPass = setTimeout(() => {
      this.working = this.working.then(() => this.writeStatuses());
    }, SETTLE_MS);
  };

  constructor(
    private readonly env: ControlPlaneEnv,
    private readonly apply: ApplyService,
    private readonly statuses: RouteStatusService,
    private readonly store: ConfigStore,
    private readonly endpoints: EndpointPublisher,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  get enabled(): boolean {
    return this.env.WEFT_KUBERNETES !== 'off';
  }

  async start(): Promise<void> {
    await this.stop();
    if (this.env.WEFT_KUBERNETES === 'off') return;
    const kubeConfig = loadKubeConfig(this.env.WEFT_KUBERNETES);
    this.statusWriter = new StatusWriteBack(kubeConfig, (err) =>
      this.log.warn({ err: err.message }, 'Kubernetes API: writing a status failed'),
    );
    const resources = new ClusterResources(kubeConfig, {
      kinds: WATCHED_KINDS,
      debounceMs: SETTLE_MS,
      retryMs: RETRY_MS,
      maxObjects: MAX_OBJECTS,
      onSnapshot: (snapshot) => this.enqueue(snapshot),
      onError: (err) =>
        this.log.error(
          { err: err.message },
          'Kubernetes API: following the cluster failed; retrying',
        ),
    });
    this.resources = resources;
    // Statuses follow what else changes them: config from other sources, instances coming and going.
    this.store.on('changed', this.scheduleStatus);
    this.endpoints.on('changed', this.scheduleStatus);
    await resources.start();
    this.log.info(
      { server: kubeConfig.getCurrentCluster()?.server, kinds: WATCHED_KINDS.map((k) => k.kind) },
      'following the Kubernetes cluster',
    );
  }

  async stop(): Promise<void> {
    const resources = this.resources;
    this.resources = undefined;
    this.statusWriter = undefined;
    this.pending = undefined;
    clearTimeout(this.statusPass);
    this.store.off('changed', this.scheduleStatus);
    this.endpoints.off('changed', this.scheduleStatus);
    await resources?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  private enqueue(snapshot: ClusterSnapshot): void {
    const idle = this.pending === undefined;
    this.pending = snapshot;
    if (idle) this.working = this.working.then(() => this.applyPending());
  }

  /**
   * The snapshot's valid resources are one batch (all applied, or none and the previous set stays);
   * a resource Weft refuses is left out of it (so not in force) and gets Accepted=False saying why.
   */
  private async applyPending(): Promise<void> {
    const snapshot = this.pending;
    this.pending = undefined;
    if (snapshot === undefined || this.resources === undefined) return;
    const followed = followedOf(snapshot);
    const invalid = new Map<string, readonly FieldError[]>();
    const parsedOk: { readonly f: Followed; readonly resource: Resource }[] = [];
    for (const f of followed) {
      const parsed = parseResource(f.manifest);
      if (parsed.ok) parsedOk.push({ f, resource: parsed.value });
      else invalid.set(manifestKey(f.manifest), parsed.errors);
    }
    // An ExternalService whose egress Gateway is missing would have the whole apply refused.
    const { kept, setAside } = setAsideUnresolvedEgress(parsedOk, (p) => p.resource);
    for (const [{ f }, error] of setAside) invalid.set(manifestKey(f.manifest), [error]);
    const valid = kept.map((p) => p.f);
    // Every watch event (a status patch's echo too) brings a snapshot: say each refusal once.
    for (const [key, errors] of invalid)
      if (JSON.stringify(this.invalid.get(key)) !== JSON.stringify(errors))
        this.log.warn(
          { resource: key, reason: formatErrors(errors) },
          'Kubernetes resource refused',
        );
    try {
      const text = valid.map((f) => stringify(f.manifest)).join('---\n');
      const result = await this.apply.applyText(text, {
        source: 'kubernetes',
        origin: 'the Kubernetes API',
        author: 'kubernetes',
        prune: true,
      });
      this.log.info(
        {
          resources: valid.length,
          refused: invalid.size,
          revision: result.revision,
          changed: result.changed,
        },
        'Kubernetes resources applied',
      );
    } catch (err) {
      const reason =
        err instanceof ApplyRejected ? formatErrors(err.errors) : (err as Error).message;
      this.log.error({ reason }, 'Kubernetes resources not applied; the previous config stays');
      return;
    }
    this.followed = followed;
    this.invalid = invalid;
    this.takeUnmeshed(snapshot, valid);
    await this.writeStatuses();
  }

  /** The applied Services' pods without a proxy (their EndpointSlices) join their endpoint sets. */
  private takeUnmeshed(snapshot: ClusterSnapshot, applied: readonly Followed[]): void {
    const services = applied
      .filter((f) => f.kind.kind === 'Service')
      .map((f) => f.manifest as WeftService);
    const slices = (snapshot.get('EndpointSlice') ?? []) as V1EndpointSlice[];
    try {
      this.endpoints.setUnmeshed(unmeshedEndpointsOf(slices, services, MAX_UNMESHED_ENDPOINTS));
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'Kubernetes EndpointSlices not applied');
    }
  }

  private async writeStatuses(): Promise<void> {
    const writer = this.statusWriter;
    if (!writer) return;
    const targets = this.followed.filter((f) => f.kind.status);
    const gateways = new Set(
      this.followed
        .filter((f) => f.kind.kind === 'Gateway')
        .map((f) => `${f.manifest.metadata.namespace}/${f.manifest.metadata.name}`),
    );
    // Gateways in force: their listeners count the routes in force attached to them.
    const gatewayVerdicts = evaluateGateways(this.store.resources());
    const patched = await writer.write(targets, (target) =>
      verdictOf(target as Followed, this.invalid, this.statuses, gateways, gatewayVerdicts),
    );
    if (patched > 0) this.log.info({ patched }, 'Kubernetes statuses written');
  }
}

/** The objects of a snapshot Weft applies, each with its manifest (those it leaves alone dropped). */
function followedOf(snapshot: ClusterSnapshot): Followed[] {
  const out: Followed[] = [];
  for (const kind of WATCHED_KINDS) {
    for (const object of snapshot.get(kind.kind) ?? []) {
      const manifest = projectionOf(kind, object);
      if (manifest) out.push({ kind, object, manifest });
    }
  }
  return out.sort((a, b) => manifestKey(a.manifest).localeCompare(manifestKey(b.manifest)));
}

/** The manifest Weft applies for an object; EndpointSlices are endpoints, not resources. */
function projectionOf(
  kind: WatchedKind,
  object: StatusTarget['object'],
): ProjectedManifest | undefined {
  if (kind.kind === 'EndpointSlice') return undefined;
  return kind.kind === 'Service' ? weftServiceOf(object as V1Service) : manifestOf(kind, object);
}
