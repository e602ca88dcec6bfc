// Each inbound workload's authorizer, rebuilt from the AuthorizationPolicies of every committed
// config (the policy bundles its proxy follows) and swapped whole; before the first config, a
// workload's policies are unknown.
import type { AuthorizationPolicy } from '@app/protocol';
import type { PolicyHolder } from '../policy/mesh-policies.js';
import { AuthzDecisions, type DecisionCounter } from './authz-decisions.js';
import { AuthzRequest } from './authz-request.js';
import { compileAuthorizer, type Authorizer, type AuthzWorkload } from './authorizer.js';

/** One workload's: the authorizer its requests read (once each), and the view they fill. */
export class InboundAuthorization {
  /** Undefined until the proxy holds a config: its policies are unknown, requests are refused. */
  current: Authorizer | undefined = undefined;
  /** Refilled by each request (evaluation is synchronous): deciding allocates nothing. */
  readonly request = new AuthzRequest();

  constructor(readonly workload: AuthzWorkload) {}
}

export class InboundAuthorizations {
  readonly decisions = new AuthzDecisions();
  private readonly workloads: InboundAuthorization[] = [];
  /** The policies of the last committed config; undefined before the first. */
  private policies: readonly AuthorizationPolicy[] | undefined;

  /** A workload's authorization, built from the config held now, if any. */
  add(workload: AuthzWorkload): InboundAuthorization {
    const inbound = new InboundAuthorization(workload);
    this.workloads.push(inbound);
    if (this.policies) this.update(this.policies);
    return inbound;
  }

  /** Rebuilds at every config commit, from the AuthorizationPolicies `holder` is given. */
  follow(holder: PolicyHolder): void {
    holder.watch((policies) => this.update(policies.ofKind('AuthorizationPolicy')));
  }

  /** A committed config: every workload's authorizer rebuilt and swapped, unused counters dropped. */
  update(policies: readonly AuthorizationPolicy[]): void {
    this.policies = policies;
    const used = new Set<DecisionCounter>();
    for (const inbound of this.workloads) {
      const authorizer = compileAuthorizer(policies, inbound.workload, this.decisions);
      for (const counter of authorizer.counters) used.add(counter);
      inbound.current = authorizer;
    }
    this.decisions.retain(used);
  }
}
