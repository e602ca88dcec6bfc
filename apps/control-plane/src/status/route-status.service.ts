// Keeps every HTTPRoute's status current, recomputed whenever config or endpoint sets change.
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  encode,
  PROTOCOL_VERSION,
  resourceKey,
  type ApplyResult,
  type RouteStatus,
} from '@app/protocol';
import { LOGGER, NatsClient, type Logger } from '@app/runtime';
import { ConfigStore } from '../config/config-store.service.js';
import { EndpointPublisher } from '../discovery/endpoint-publisher.service.js';
import { LeaderElection } from '../leader/leader-election.service.js';
import { bootSubjects } from '../nats/boot-subjects.js';
import { evaluateRoutes, routeNotices, stampStatus, type RouteVerdict } from './route-status.js';

/**
 * Statuses live in memory only: they are derived state, never written to KV, so the resource
 * proxies receive stays exactly as applied. Recomputing is synchronous on the store's `changed`
 * event, so an apply's answer already reflects the revision it created.
 */
@Injectable()
export class RouteStatusService implements OnModuleInit {
  private verdicts = new Map<string, RouteVerdict>();
  private statuses = new Map<string, RouteStatus>();
  /** Config revision and known implicit services of the last pass: the same inputs, no new pass. */
  private inputs: string | undefined;

  constructor(
    private readonly store: ConfigStore,
    private readonly endpoints: EndpointPublisher,
    private readonly nats: NatsClient,
    private readonly election: LeaderElection,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  onModuleInit(): void {
    this.store.on('changed', () => this.refresh());
    this.endpoints.on('changed', () => this.refresh());
  }

  /** undefined until the control plane has loaded its config and endpoint sets. */
  statusOf(key: string): RouteStatus | undefined {
    return this.statuses.get(key);
  }

  /** The result with, on each applied HTTPRoute, the conditions an operator should read. */
  annotate(result: ApplyResult): ApplyResult {
    const results = result.results.map((r) => {
      const [kind, namespace, name] = r.resource.split('/');
      if (kind !== 'HTTPRoute' || r.action === 'deleted') return r;
      const verdict = this.verdicts.get(resourceKey(kind, namespace, name));
      const conditions = verdict ? routeNotices(verdict) : [];
      return conditions.length > 0 ? { ...r, conditions } : r;
    });
    return { ...result, results };
  }

  private refresh(): void {
    // Before the endpoint sets are loaded every implicit service would look missing.
    if (!this.endpoints.attached) return;
    const implicit = this.endpoints.endpointSets().map((s) => `${s.namespace}/${s.service}`);
    const inputs = `${this.store.currentRevision} ${implicit.sort().join(',')}`;
    if (inputs === this.inputs) return;
    this.inputs = inputs;
    const now = new Date().toISOString();
    const verdicts = evaluateRoutes(this.store.resources(), implicit);
    const statuses = new Map<string, RouteStatus>();
    for (const [key, verdict] of verdicts) {
      const status = stampStatus(verdict, this.statuses.get(key), now);
      statuses.set(key, status);
      if (status.parents.some((p) => p.conditions.some((c) => c.lastTransitionTime === now)))
        this.report(key, status);
    }
    this.verdicts = verdicts;
    this.statuses = statuses;
  }

  /**
   * A condition appeared or changed status or reason: logged, and published as an event by the
   * leader (every replica computes statuses; one announces them).
   */
  private report(key: string, status: RouteStatus): void {
    const conditions = status.parents.flatMap((p) =>
      p.conditions.map((c) => `${p.parentRef.name}: ${c.type}=${c.status} (${c.reason})`),
    );
    const healthy = status.parents.every((p) => p.conditions.every((c) => c.status === 'True'));
    this.log[healthy ? 'info' : 'warn']({ resource: key, conditions }, 'route status changed');
    if (!this.election.isLeader) return;
    this.nats.current?.publish(
      bootSubjects().event('route.status'),
      encode({ v: PROTOCOL_VERSION, resource: key, status }),
    );
  }
}
