// Keeps every HTTPRoute's, TrafficPolicy's, PeerAuthentication's and AuthorizationPolicy's status
// current, recomputed whenever config or endpoint sets change.
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  serviceKey,
  encode,
  PROTOCOL_VERSION,
  resourceKey,
  type ApplyResult,
  type AuthorizationPolicyStatus,
  type Condition,
  type ConditionSummary,
  type InstanceOwner,
  type PeerAuthenticationStatus,
  type PolicyStatus,
  type RouteStatus,
} from '@app/protocol';
import { LOGGER, NatsClient, type Logger } from '@app/runtime';
import { ConfigStore } from '../config/config-store.service.js';
import { EndpointPublisher } from '../discovery/endpoint-publisher.service.js';
import { LeaderElection } from '../leader/leader-election.service.js';
import { bootSubjects } from '../nats/boot-subjects.js';
import {
  evaluatePolicies,
  policyNotices,
  stampPolicyStatus,
  type PolicyVerdict,
} from './policy-status.js';
import {
  evaluatePeerAuthentications,
  stampPeerAuthenticationStatus,
} from './peer-authentication-status.js';
import { evaluateRoutes, routeNotices, stampStatus, type RouteVerdict } from './route-status.js';
import { evaluateAuthorizationPolicies, stampAuthorizationStatus } from './authorization-status.js';

/**
 * Statuses live in memory only: they are derived state, never written to KV, so the resource
 * proxies receive stays exactly as applied. Recomputing is synchronous on the store's `changed`
 * event, so an apply's answer already reflects the revision it created.
 */
@Injectable()
export class RouteStatusService implements OnModuleInit {
  private verdicts = new Map<string, RouteVerdict>();
  private statuses = new Map<string, RouteStatus>();
  private policyVerdicts = new Map<string, PolicyVerdict>();
  private policyStatuses = new Map<string, PolicyStatus>();
  private authzVerdicts = new Map<string, ConditionSummary>();
  private authzStatuses = new Map<string, AuthorizationPolicyStatus>();
  private peerVerdicts = new Map<string, ConditionSummary>();
  private peerStatuses = new Map<string, PeerAuthenticationStatus>();
  /** Config revision and known implicit services of the last pass: the same inputs, no new pass. */
  private inputs: string | undefined;
  /** Config revision and ready instances (with labels) of the last AuthorizationPolicy pass. */
  private authzInputs: string | undefined;

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

  /** undefined until the control plane has loaded its config and endpoint sets. */
  policyStatusOf(key: string): PolicyStatus | undefined {
    return this.policyStatuses.get(key);
  }

  /** undefined until the control plane has loaded its config and endpoint sets. */
  authorizationStatusOf(key: string): AuthorizationPolicyStatus | undefined {
    return this.authzStatuses.get(key);
  }

  /** undefined until the control plane has loaded its config and endpoint sets. */
  peerAuthenticationStatusOf(key: string): PeerAuthenticationStatus | undefined {
    return this.peerStatuses.get(key);
  }

  /** The result with, on each applied HTTPRoute and policy, the conditions an operator should read. */
  annotate(result: ApplyResult): ApplyResult {
    const results = result.results.map((r) => {
      const [kind, namespace, name] = r.resource.split('/');
      if (r.action === 'deleted') return r;
      const key = resourceKey(kind, namespace, name);
      const route = kind === 'HTTPRoute' ? this.verdicts.get(key) : undefined;
      const policy = kind === 'TrafficPolicy' ? this.policyVerdicts.get(key) : undefined;
      const authz = kind === 'AuthorizationPolicy' ? this.authzVerdicts.get(key) : undefined;
      const peer = kind === 'PeerAuthentication' ? this.peerVerdicts.get(key) : undefined;
      const conditions = route
        ? routeNotices(route)
        : policy
          ? policyNotices(policy)
          : authz && authz.status !== 'True'
            ? [authz]
            : peer && peer.status !== 'True'
              ? [peer]
              : [];
      return conditions.length > 0 ? { ...r, conditions } : r;
    });
    return { ...result, results };
  }

  private refresh(): void {
    // Before the endpoint sets are loaded every implicit service would look missing.
    if (!this.endpoints.attached) return;
    this.refreshRoutes();
    this.refreshAuthorization();
  }

  private refreshRoutes(): void {
    const implicit = this.endpoints.endpointSets().map((s) => serviceKey(s.namespace, s.service));
    const inputs = `${this.store.currentRevision} ${implicit.sort().join(',')}`;
    if (inputs === this.inputs) return;
    this.inputs = inputs;
    const now = new Date().toISOString();
    const resources = this.store.resources();
    const verdicts = evaluateRoutes(resources, implicit);
    const statuses = new Map<string, RouteStatus>();
    for (const [key, verdict] of verdicts) {
      const status = stampStatus(verdict, this.statuses.get(key), now);
      statuses.set(key, status);
      const conditions = status.parents.map((p) => ({ name: p.parentRef.name, ...p }));
      if (changedAt(conditions, now)) this.report('route.status', key, status, conditions);
    }
    const policyVerdicts = evaluatePolicies(resources, implicit);
    const policyStatuses = new Map<string, PolicyStatus>();
    for (const [key, verdict] of policyVerdicts) {
      const status = stampPolicyStatus(verdict, this.policyStatuses.get(key), now);
      policyStatuses.set(key, status);
      const conditions = status.ancestors.map((a) => ({ name: a.ancestorRef.name, ...a }));
      if (changedAt(conditions, now)) this.report('policy.status', key, status, conditions);
    }
    const peerVerdicts = evaluatePeerAuthentications(resources);
    const peerStatuses = new Map<string, PeerAuthenticationStatus>();
    for (const [key, verdict] of peerVerdicts) {
      const status = stampPeerAuthenticationStatus(verdict, this.peerStatuses.get(key), now);
      peerStatuses.set(key, status);
      const conditions = [{ name: key, conditions: status.conditions }];
      if (changedAt(conditions, now)) this.report('policy.status', key, status, conditions);
    }
    this.verdicts = verdicts;
    this.statuses = statuses;
    this.peerVerdicts = peerVerdicts;
    this.peerStatuses = peerStatuses;
    this.policyVerdicts = policyVerdicts;
    this.policyStatuses = policyStatuses;
  }

  /** AuthorizationPolicies select instances by label: their pass follows the ready instances. */
  private refreshAuthorization(): void {
    const instances = readyInstances(this.endpoints.endpointSets());
    const ids = instances.map((i) => `${i.namespace}/${i.instanceId} ${JSON.stringify(i.labels)}`);
    const inputs = `${this.store.currentRevision} ${ids.sort().join(',')}`;
    if (inputs === this.authzInputs) return;
    this.authzInputs = inputs;
    const now = new Date().toISOString();
    const verdicts = evaluateAuthorizationPolicies(this.store.resources(), instances);
    const statuses = new Map<string, AuthorizationPolicyStatus>();
    for (const [key, verdict] of verdicts) {
      const status = stampAuthorizationStatus(verdict, this.authzStatuses.get(key), now);
      statuses.set(key, status);
      const conditions = [{ name: key, conditions: status.conditions }];
      if (changedAt(conditions, now)) this.report('policy.status', key, status, conditions);
    }
    this.authzVerdicts = verdicts;
    this.authzStatuses = statuses;
  }

  /**
   * A condition appeared or changed status or reason: logged, and published as an event by the
   * leader (every replica computes statuses; one announces them).
   */
  private report(
    event: 'route.status' | 'policy.status',
    key: string,
    status: RouteStatus | PolicyStatus | PeerAuthenticationStatus | AuthorizationPolicyStatus,
    byRef: readonly ConditionsOf[],
  ): void {
    const conditions = byRef.flatMap((r) =>
      r.conditions.map((c) => `${r.name}: ${c.type}=${c.status} (${c.reason})`),
    );
    const healthy = byRef.every((r) => r.conditions.every((c) => c.status === 'True'));
    this.log[healthy ? 'info' : 'warn']({ resource: key, conditions }, `${event} changed`);
    if (!this.election.isLeader) return;
    this.nats.current?.publish(
      bootSubjects().event(event),
      encode({ v: PROTOCOL_VERSION, resource: key, status }),
    );
  }
}

/** The conditions one parent (route) or ancestor (policy) carries, by the name it refers to. */
interface ConditionsOf {
  readonly name: string;
  readonly conditions: readonly Condition[];
}

/** Some condition appeared or changed status or reason in the pass stamped `now`. */
function changedAt(byRef: readonly ConditionsOf[], now: string): boolean {
  return byRef.some((r) => r.conditions.some((c) => c.lastTransitionTime === now));
}

/** Every instance of the endpoint sets, once (an instance may be in several Services' sets). */
function readyInstances(
  sets: readonly { readonly endpoints: readonly InstanceOwner[] }[],
): InstanceOwner[] {
  const byId = new Map<string, InstanceOwner>();
  for (const set of sets)
    for (const e of set.endpoints) byId.set(`${e.namespace}/${e.instanceId}`, e);
  return [...byId.values()];
}
