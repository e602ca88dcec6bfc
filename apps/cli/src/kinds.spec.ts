// The words `weft get` and `weft delete` accept for each kind.
import { CliError } from './cli-error.js';
import { RESOURCE_KINDS } from '@app/protocol';
import { displayResource, RESOURCE_KIND_WORDS, resolveKind, resolveResourceKind } from './kinds.js';

describe('resolveKind', () => {
  it.each([
    ['service', 'Service'],
    ['Services', 'Service'],
    ['svc', 'Service'],
    ['httproute', 'HTTPRoute'],
    ['HTTPRoutes', 'HTTPRoute'],
    ['trafficpolicies', 'TrafficPolicy'],
    ['tp', 'TrafficPolicy'],
    ['ExternalService', 'ExternalService'],
    ['es', 'ExternalService'],
    ['gw', 'Gateway'],
    ['endpoints', 'Endpoints'],
    ['AuthorizationPolicies', 'AuthorizationPolicy'],
    ['ap', 'AuthorizationPolicy'],
    ['pa', 'PeerAuthentication'],
    ['meshconfig', 'MeshConfig'],
    ['ep', 'Endpoints'],
    ['proxies', 'Proxy'],
    ['proxy', 'Proxy'],
    ['wg', 'WorkloadGroup'],
    ['workloads', 'Workload'],
  ])('%s → %s', (word, id) => expect(resolveKind(word).id).toBe(id));

  it('names every kind for an unknown kind', () => {
    expect(() => resolveKind('pods')).toThrow(
      new CliError(
        'unknown kind "pods"; expected one of services (svc), httproutes, trafficpolicies (tp), ' +
          'externalservices (es), gateways (gw), authorizationpolicies (ap), peerauthentications (pa), ' +
          'meshconfigs, serviceexports (svcex), workloadgroups (wg), endpoints (ep), proxies, workloads',
      ),
    );
  });

  it('lists every kind the admin API stores as a resource, and nothing else, for delete', () => {
    for (const kind of RESOURCE_KINDS) {
      expect(resolveResourceKind(kind).id).toBe(kind);
      expect(RESOURCE_KIND_WORDS).toContain(resolveKind(kind).plural);
    }
    expect(RESOURCE_KIND_WORDS).not.toMatch(/endpoints|proxies|\bworkloads\b/);
  });

  it('does not take Object.prototype members for kinds', () => {
    expect(() => resolveKind('constructor')).toThrow(CliError);
  });

  it('refuses to delete live state', () => {
    expect(resolveResourceKind('svc').id).toBe('Service');
    expect(() => resolveResourceKind('proxies')).toThrow(/not a resource/);
  });
});

describe('displayResource', () => {
  it('lower-cases the kind, kubectl style', () => {
    expect(displayResource('HTTPRoute/default/b-split')).toBe('httproute/default/b-split');
  });
});
