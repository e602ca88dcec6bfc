// The workload a router authorizes as when it forwards a Service's requests to instances with no
// proxy of their own (Istio ambient's waypoint): the Service's namespace, the label `app=<name>`,
// and the port its endpoints listen on.
import { parseServiceKey } from '@app/protocol';
import type { Cluster } from '../upstream/cluster.js';
import type { AuthzWorkload } from './authorizer.js';

/**
 * The label every instance registers with (`app=<WEFT_SERVICE>`): an AuthorizationPolicy selects a
 * fronted Service as it would select that Service's instances behind sidecars, so the same policy
 * holds before and after a move from a router mesh to sidecars.
 */
const SERVICE_LABEL = 'app';

/** The port no `ports` value names: a Service whose endpoints listen on different ports has none. */
const NO_COMMON_PORT = 0;

/**
 * The Service `key` (`namespace/name`) as the AuthorizationPolicies that apply to it see it:
 * those of its namespace (and of the root namespace) with no selector, or whose
 * `selector.matchLabels` is `{app: <name>}`. Its port is read at each config commit from `cluster`
 * (the commit sets the endpoints before it recompiles the policies): the one port its endpoints
 * share; when they differ, a rule listing `ports` matches none (an ALLOW with ports denies, a
 * DENY with ports denies nothing) — so ports are not a way to tell such endpoints apart.
 */
export function frontedWorkload(key: string, cluster: Cluster): AuthzWorkload {
  const service = parseServiceKey(key);
  if (service === undefined) throw new Error(`not a namespace/name Service key: ${key}`);
  return {
    namespace: service.namespace,
    labels: { [SERVICE_LABEL]: service.name },
    get port(): number {
      const endpoints = cluster.all;
      if (endpoints.length === 0) return NO_COMMON_PORT;
      const port = endpoints[0].port;
      return endpoints.every((e) => e.port === port) ? port : NO_COMMON_PORT;
    },
  };
}
