// Unit spec for AuthorizationPolicy validation: Istio's documented policies accepted, and every
// value that can never match, every unsupported or unknown field refused with its path and reason.
import { describe, expect, it } from '@jest/globals';
import { parseResource } from './resource.js';

function policy(spec: unknown, namespace = 'foo'): unknown {
  return {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AuthorizationPolicy',
    metadata: { name: 'p', namespace },
    spec,
  };
}

/** The `path: message` of each error, or [] when the policy is valid. */
function errors(spec: unknown): string[] {
  const result = parseResource(policy(spec));
  return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
}

/** One rule with one operation. */
function operation(op: Record<string, unknown>): unknown {
  return { rules: [{ to: [{ operation: op }] }] };
}

/** One rule with one source. */
function source(src: Record<string, unknown>): unknown {
  return { rules: [{ from: [{ source: src }] }] };
}

describe('AuthorizationPolicy', () => {
  it('defaults to ALLOW with no rules (Istio: allow nothing)', () => {
    const result = parseResource(policy({}));
    expect(result.ok && result.value.kind === 'AuthorizationPolicy' && result.value.spec).toEqual({
      action: 'ALLOW',
    });
    const withoutSpec = { ...(policy({}) as Record<string, unknown>), spec: undefined };
    delete withoutSpec.spec;
    expect(parseResource(withoutSpec).ok).toBe(true);
    expect(parseResource({ ...withoutSpec, spec: null }).ok).toBe(false);
  });

  // Istio's reference page examples (the JWT conditions, which Weft has no RequestAuthentication
  // for, are a header condition here).
  it.each([
    [
      'allow GET from a principal or a namespace',
      {
        action: 'ALLOW',
        rules: [
          {
            from: [
              { source: { principals: ['cluster.local/ns/default/sa/sleep'] } },
              { source: { namespaces: ['dev'] } },
            ],
            to: [{ operation: { methods: ['GET'] } }],
            when: [{ key: 'request.headers[x-issuer]', values: ['https://accounts.google.com'] }],
          },
        ],
      },
    ],
    [
      'deny from other namespaces',
      { action: 'DENY', rules: [{ from: [{ source: { notNamespaces: ['foo'] } }] }] },
    ],
    ['deny POST', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'] } }] }] }],
    ['allow nothing', {}],
    ['deny all', { action: 'DENY', rules: [{}] }],
    ['allow all', { action: 'ALLOW', rules: [{}] }],
    [
      'deny plaintext',
      { action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['*'] } }] }] },
    ],
    [
      'two operations, paths with wildcards',
      {
        selector: { matchLabels: { app: 'httpbin', version: 'v1' } },
        rules: [
          {
            from: [{ source: { principals: ['cluster.local/ns/default/sa/sleep'] } }],
            to: [
              { operation: { methods: ['GET'], paths: ['/info*'] } },
              { operation: { methods: ['POST'], paths: ['/data'] } },
            ],
          },
        ],
      },
    ],
    [
      'audit',
      { action: 'AUDIT', rules: [{ to: [{ operation: { paths: ['/user/profile/*'] } }] }] },
    ],
    [
      'conditions Weft evaluates',
      {
        rules: [
          {
            when: [
              { key: 'request.headers[User-Agent]', values: ['Mozilla/*'] },
              { key: 'source.principal', values: ['cluster.local/ns/default/sa/productpage'] },
              { key: 'source.namespace', notValues: ['test'] },
              { key: 'destination.port', values: ['80', '443'] },
            ],
          },
        ],
      },
    ],
    [
      'every wildcard form, ports as strings or numbers, hosts in any case',
      operation({
        hosts: ['Example.com', 'example.com:*', '*.example.com'],
        ports: ['8080', 9090],
        methods: ['GET', 'P*', '*'],
        paths: ['/a/*', '*.css', '*', '/.well-known/*', '/a/..b'],
      }),
    ],
    [
      'principal prefixes and suffixes',
      source({
        principals: ['cluster.local/ns/default/*', '*/sa/api'],
        namespaces: ['prod-*', '*-eu', '*'],
      }),
    ],
  ])('accepts Istio\'s "%s"', (_name, spec) => {
    expect(errors(spec)).toEqual([]);
  });

  it('refuses CUSTOM, the external authorizer', () => {
    expect(errors({ action: 'CUSTOM', provider: { name: 'ext' } })).toEqual([
      'spec.provider: is not supported: CUSTOM authorization (an external authorizer) is not supported',
      'spec.action: must be one of ALLOW, DENY, AUDIT (CUSTOM, an external authorizer, is not supported)',
    ]);
  });

  it('refuses Istio fields Weft cannot evaluate honestly, with the reason', () => {
    expect(
      errors(source({ requestPrincipals: ['*'], ipBlocks: ['10.0.0.0/8'], principals: ['*'] })),
    ).toEqual([
      'spec.rules[0].from[0].source.requestPrincipals: is not supported: Weft has no RequestAuthentication (JWT), so no request carries a request principal',
      'spec.rules[0].from[0].source.ipBlocks: is not supported: authorize by identity (principals, namespaces): addresses are not identities, and a bus request has none',
    ]);
    expect(errors({ targetRefs: [{ kind: 'Service', name: 'a' }] })).toEqual([
      'spec.targetRefs: is not supported: select workloads with selector.matchLabels',
    ]);
  });

  it('refuses a field it does not know instead of dropping it (a misspelt notPaths would widen the rule)', () => {
    expect(errors(operation({ methods: ['GET'], notPath: ['/admin'] }))).toEqual([
      'spec.rules[0].to[0].operation.notPath: is not a field here (AuthorizationPolicy fields are read strictly: a misspelt one must not widen a rule)',
    ]);
    expect(errors({ rules: [{ form: [] }] })).toEqual([
      'spec.rules[0].form: is not a field here (AuthorizationPolicy fields are read strictly: a misspelt one must not widen a rule)',
    ]);
  });

  it("applies Istio's structural rules: no empty from, to, source or operation", () => {
    expect(errors({ rules: [{ from: [], to: [] }] })).toEqual([
      'spec.rules[0].from: must list at least one source (omit from to match any source)',
      'spec.rules[0].to: must list at least one operation (omit to to match any operation)',
    ]);
    expect(errors(source({ principals: [] }))).toEqual([
      'spec.rules[0].from[0].source: must set at least one of principals, notPrincipals, namespaces, notNamespaces',
    ]);
    expect(errors(operation({}))).toEqual([
      'spec.rules[0].to[0].operation: must set at least one of hosts, ports, methods, paths or their not- forms',
    ]);
    expect(errors({ rules: [{ from: [{}] }] })).toEqual([
      'spec.rules[0].from[0].source: is required',
    ]);
  });

  it.each([
    [
      operation({ paths: [''] }),
      'spec.rules[0].to[0].operation.paths[0]: must not be empty (an empty value never matches)',
    ],
    [
      operation({ methods: ['GE T'] }),
      'spec.rules[0].to[0].operation.methods[0]: "GE T" is not an HTTP method (a token, with "*" only first or last)',
    ],
    [
      operation({ methods: ['G*T'] }),
      'spec.rules[0].to[0].operation.methods[0]: "G*T" is not an HTTP method (a token, with "*" only first or last)',
    ],
    [
      operation({ methods: ['get'] }),
      'spec.rules[0].to[0].operation.methods[0]: "get" never matches: methods are case-sensitive (write GET)',
    ],
    [
      operation({ ports: ['0'] }),
      'spec.rules[0].to[0].operation.ports[0]: must be a port, 1-65535',
    ],
    [
      operation({ ports: [65536] }),
      'spec.rules[0].to[0].operation.ports[0]: must be a port, 1-65535',
    ],
    [
      operation({ notPorts: ['80*'] }),
      'spec.rules[0].to[0].operation.notPorts[0]: must be a port, 1-65535',
    ],
    [
      operation({ paths: ['api/*'] }),
      'spec.rules[0].to[0].operation.paths[0]: "api/*" does not start with "/"',
    ],
    [
      operation({ paths: ['/a/../b'] }),
      'spec.rules[0].to[0].operation.paths[0]: "/a/../b" is not a normalized path: requests are matched on their normalized path (write /b)',
    ],
    [
      operation({ paths: ['//admin*'] }),
      'spec.rules[0].to[0].operation.paths[0]: "//admin*" is not a normalized path: requests are matched on their normalized path (write /admin*)',
    ],
    [
      operation({ paths: ['/%61dmin'] }),
      'spec.rules[0].to[0].operation.paths[0]: "/%61dmin" is not a normalized path: requests are matched on their normalized path (write /admin)',
    ],
    [
      operation({ paths: ['/a?x=1'] }),
      'spec.rules[0].to[0].operation.paths[0]: "/a?x=1" holds a query or fragment: paths match the path alone',
    ],
    [
      operation({ paths: ['/a b'] }),
      'spec.rules[0].to[0].operation.paths[0]: "/a b" holds characters a request path never has (percent-encode them)',
    ],
    [
      operation({ paths: ['/api/{*}'] }),
      'spec.rules[0].to[0].operation.paths[0]: path templates ({*}, {**}) are not supported',
    ],
    [
      operation({ hosts: ['a*b.com'] }),
      'spec.rules[0].to[0].operation.hosts[0]: "a*b.com" holds characters no Host header has',
    ],
    [
      source({ principals: ['spiffe://cluster.local/ns/a/sa/b'] }),
      'spec.rules[0].from[0].source.principals[0]: is written without "spiffe://" (Istio\'s form: cluster.local/ns/default/sa/api)',
    ],
    [
      source({ principals: ['cluster.local/ns/a'] }),
      'spec.rules[0].from[0].source.principals[0]: "cluster.local/ns/a" is not a workload identity <trust-domain>/ns/<namespace>/sa/<service-account> (or a prefix or suffix of one)',
    ],
    [
      source({ namespaces: ['Prod'] }),
      'spec.rules[0].from[0].source.namespaces[0]: "Prod" is not a namespace (a lower-case DNS label), nor a prefix or suffix of one',
    ],
  ])('refuses a value that can never match: %j', (spec, message) => {
    expect(errors(spec)).toEqual([message]);
  });

  it.each([
    [
      operation({ paths: ['/a', '/b'], notPaths: ['/a'] }),
      'spec.rules[0].to[0].operation.paths[0]: "/a" is excluded by notPaths[0] "/a": it can never match',
    ],
    [
      operation({ paths: ['/api/x'], notPaths: ['/api/*'] }),
      'spec.rules[0].to[0].operation.paths[0]: "/api/x" is excluded by notPaths[0] "/api/*": it can never match',
    ],
    [
      source({ principals: ['cluster.local/ns/a/sa/b'], notPrincipals: ['*'] }),
      'spec.rules[0].from[0].source.principals[0]: "cluster.local/ns/a/sa/b" is excluded by notPrincipals[0] "*": it can never match',
    ],
    [
      operation({ ports: ['8080'], notPorts: [8080] }),
      'spec.rules[0].to[0].operation.ports[0]: "8080" is excluded by notPorts[0] "8080": it can never match',
    ],
    [
      operation({ hosts: ['API.example.com'], notHosts: ['*.example.com'] }),
      'spec.rules[0].to[0].operation.hosts[0]: "API.example.com" is excluded by notHosts[0] "*.example.com": it can never match',
    ],
    [
      operation({ notMethods: ['*'] }),
      'spec.rules[0].to[0].operation.notMethods[0]: "*" excludes every request: this can never match',
    ],
    [
      { rules: [{ when: [{ key: 'request.headers[x-a]', values: ['v'], notValues: ['v'] }] }] },
      'spec.rules[0].when[0].values[0]: "v" is excluded by notValues[0] "v": it can never match',
    ],
  ])('refuses a value its not- list excludes: %j', (spec, message) => {
    expect(errors(spec)).toEqual([message]);
  });

  it('keeps notPrincipals: ["*"] alone (requests without a peer identity) and a notValues on a header', () => {
    expect(errors(source({ notPrincipals: ['*'] }))).toEqual([]);
    expect(
      errors({ rules: [{ when: [{ key: 'request.headers[x-a]', notValues: ['*'] }] }] }),
    ).toEqual([]);
  });

  it.each([
    [
      'request.auth.claims[iss]',
      'spec.rules[0].when[0].key: key request.auth.claims[iss] is not supported: needs a verified request credential (JWT); Weft has no RequestAuthentication',
    ],
    [
      'source.ip',
      'spec.rules[0].when[0].key: key source.ip is not supported: a bus request has no peer address; authorize by identity',
    ],
    ['request.headers[a b]', 'spec.rules[0].when[0].key: "a b" is not an HTTP header name'],
    [
      'constructor',
      'spec.rules[0].when[0].key: unknown key "constructor"; supported: request.headers[<name>], source.principal, source.namespace, destination.port',
    ],
  ])('refuses the condition key %s', (key, message) => {
    expect(errors({ rules: [{ when: [{ key, values: ['x'] }] }] })).toEqual([message]);
  });

  it('needs values or notValues in a condition, and checks them as its attribute', () => {
    expect(errors({ rules: [{ when: [{ key: 'source.namespace' }] }] })).toEqual([
      'spec.rules[0].when[0]: must set values or notValues for key source.namespace',
    ]);
    expect(errors({ rules: [{ when: [{ key: 'destination.port', values: ['http'] }] }] })).toEqual([
      'spec.rules[0].when[0].values[0]: must be a port, 1-65535',
    ]);
  });

  it('bounds its lists', () => {
    const many = Array.from({ length: 257 }, (_, i) => `/p${i}`);
    expect(errors(operation({ paths: many }))).toEqual([
      'spec.rules[0].to[0].operation.paths: must contain no more than 256 elements',
    ]);
  });

  it('refuses a selector that is no label map', () => {
    expect(errors({ selector: { matchLabels: { app: '*' } } })).toEqual([
      'spec.selector.matchLabels: must map label keys to label values (DNS-style strings)',
    ]);
  });
});
