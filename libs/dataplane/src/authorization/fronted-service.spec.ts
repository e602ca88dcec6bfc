// Unit spec for the router's selection rule: which AuthorizationPolicies apply to a Service it
// fronts (its namespace's and the root namespace's, with no selector or `app: <name>`), and which
// port their `ports` compare with.
import { describe, expect, it } from '@jest/globals';
import { parseResource, type AuthorizationPolicy } from '@app/protocol';
import { Cluster } from '../upstream/cluster.js';
import { endpoint } from '../upstream/endpoint.js';
import { AuthzDecisions } from './authz-decisions.js';
import { AuthzRequest } from './authz-request.js';
import { compileAuthorizer } from './authorizer.js';
import { frontedWorkload } from './fronted-service.js';

const WEB = 'spiffe://cluster.local/ns/shop/sa/web';
const BATCH = 'spiffe://cluster.local/ns/shop/sa/batch';

/** An ALLOW policy for the web caller, validated as an apply would. */
function allowWeb(
  name: string,
  namespace: string,
  extra: Record<string, unknown> = {},
  to?: Record<string, unknown>,
): AuthorizationPolicy {
  const result = parseResource({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace },
    spec: {
      ...extra,
      rules: [
        {
          from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }],
          ...(to && { to: [{ operation: to }] }),
        },
      ],
    },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value as AuthorizationPolicy;
}

function clusterAt(...ports: number[]): Cluster {
  const cluster = new Cluster('shop/api');
  cluster.setEndpoints(ports.map((port, i) => endpoint(`e${i}`, '127.0.0.1', port)));
  return cluster;
}

/** The verdict for `peer` calling the fronted Service shop/api under `policies`. */
function decide(
  policies: AuthorizationPolicy[],
  peer: string | undefined,
  cluster = clusterAt(80),
) {
  const authorizer = compileAuthorizer(
    policies,
    frontedWorkload('shop/api', cluster),
    new AuthzDecisions(),
  );
  const verdict = authorizer.decide(new AuthzRequest().set(peer, 'GET', '/', 1, 'api', {}));
  return { active: authorizer.active, allowed: verdict.allowed, policy: verdict.policy };
}

describe('frontedWorkload (which policies a router enforces for a Service it fronts)', () => {
  it('is the Service namespace with the label app=<name>', () => {
    const workload = frontedWorkload('shop/api', clusterAt(80));
    expect([workload.namespace, workload.labels]).toEqual(['shop', { app: 'api' }]);
  });

  it('a policy selecting app: <name> applies: its caller is allowed, another is denied', () => {
    const policy = allowWeb('allow-web', 'shop', { selector: { matchLabels: { app: 'api' } } });
    expect(decide([policy], WEB)).toEqual({
      active: true,
      allowed: true,
      policy: 'shop/allow-web',
    });
    expect(decide([policy], BATCH)).toEqual({ active: true, allowed: false, policy: 'none' });
  });

  it('an unauthenticated caller never matches an ALLOW on principals', () => {
    const policy = allowWeb('allow-web', 'shop', { selector: { matchLabels: { app: 'api' } } });
    expect(decide([policy], undefined).allowed).toBe(false);
  });

  it("a namespace-wide policy of the Service's namespace or of the root namespace applies", () => {
    expect(decide([allowWeb('ns-wide', 'shop')], BATCH).active).toBe(true);
    expect(decide([allowWeb('mesh-wide', 'weft-system')], BATCH).active).toBe(true);
  });

  it('a policy selecting other labels, or of another namespace, does not apply', () => {
    const others = [
      allowWeb('other-app', 'shop', { selector: { matchLabels: { app: 'web' } } }),
      allowWeb('more-labels', 'shop', { selector: { matchLabels: { app: 'api', v: '2' } } }),
      allowWeb('other-ns', 'dev', { selector: { matchLabels: { app: 'api' } } }),
    ];
    expect(decide(others, BATCH)).toEqual({ active: false, allowed: true, policy: 'none' });
  });

  it('ports compare with the port its endpoints share, read at each compile', () => {
    const onPort = allowWeb(
      'allow-web-8080',
      'shop',
      { selector: { matchLabels: { app: 'api' } } },
      { ports: ['8080'] },
    );
    const cluster = clusterAt(8080, 8080);
    expect(decide([onPort], WEB, cluster).allowed).toBe(true);
    cluster.setEndpoints([endpoint('e', '127.0.0.1', 9090)]);
    expect(decide([onPort], WEB, cluster).allowed).toBe(false);
    // Endpoints on different ports share none: a listed port matches nothing.
    expect(decide([onPort], WEB, clusterAt(8080, 9090)).allowed).toBe(false);
  });

  it('refuses a key that is not namespace/name', () => {
    expect(() => frontedWorkload('api', clusterAt(80))).toThrow(/namespace\/name/);
  });
});
