// The words `weft get` and `weft delete` accept for each kind.
import { CliError } from './cli-error.js';
import { displayResource, resolveKind, resolveResourceKind } from './kinds.js';

describe('resolveKind', () => {
  it.each([
    ['service', 'Service'],
    ['Services', 'Service'],
    ['svc', 'Service'],
    ['httproute', 'HTTPRoute'],
    ['HTTPRoutes', 'HTTPRoute'],
    ['endpoints', 'Endpoints'],
    ['AuthorizationPolicies', 'AuthorizationPolicy'],
    ['ap', 'AuthorizationPolicy'],
    ['proxies', 'Proxy'],
  ])('%s → %s', (word, id) => expect(resolveKind(word).id).toBe(id));

  it('names the accepted words for an unknown kind', () => {
    expect(() => resolveKind('pods')).toThrow(/unknown kind "pods"; expected one of service/);
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
