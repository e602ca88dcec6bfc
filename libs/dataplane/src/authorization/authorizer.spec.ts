// Unit spec for the authorization engine: Istio's evaluation order and match semantics, table by
// table (Istio's documented examples among them), on policies validated as an apply validates them.
import { describe, expect, it } from '@jest/globals';
import { parseResource, type AuthorizationPolicy } from '@app/protocol';
import { AuthzDecisions } from './authz-decisions.js';
import { AuthzRequest } from './authz-request.js';
import { compileAuthorizer, type AuthzWorkload } from './authorizer.js';

const SLEEP = 'spiffe://cluster.local/ns/default/sa/sleep';
const DEV = 'spiffe://cluster.local/ns/dev/sa/tool';
const FOO = 'spiffe://cluster.local/ns/foo/sa/api';

/** httpbin in namespace foo, on port 8000. */
const HTTPBIN: AuthzWorkload = {
  namespace: 'foo',
  labels: { app: 'httpbin', version: 'v1' },
  port: 8000,
};

let names = 0;

/** An AuthorizationPolicy (in `foo` unless told), validated as an apply would. */
function ap(
  spec: Record<string, unknown>,
  namespace = 'foo',
  name = `p${names++}`,
): AuthorizationPolicy {
  const result = parseResource({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace },
    spec,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value as AuthorizationPolicy;
}

interface Call {
  readonly peer?: string;
  readonly method?: string;
  readonly path?: string;
  readonly host?: string;
  readonly headers?: Record<string, string | string[]>;
}

function request(call: Call): AuthzRequest {
  const target = call.path ?? '/';
  const q = target.search(/[?#]/);
  return new AuthzRequest().set(
    call.peer,
    call.method ?? 'GET',
    target,
    q === -1 ? target.length : q,
    call.host ?? 'httpbin.foo',
    call.headers ?? {},
  );
}

/** `allow` or `deny`, with the deciding policy's name when one decided. */
function decide(policies: AuthorizationPolicy[], call: Call, workload = HTTPBIN): string {
  const verdict = compileAuthorizer(policies, workload, new AuthzDecisions()).decide(request(call));
  const outcome = verdict.allowed ? 'allow' : 'deny';
  return verdict.policy === 'none' ? outcome : `${outcome} ${verdict.policy}`;
}

describe('Istio evaluation order', () => {
  const denyPost = ap(
    { action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'] } }] }] },
    'foo',
    'deny-post',
  );
  const allowGet = ap(
    { rules: [{ to: [{ operation: { methods: ['GET', 'POST'] } }] }] },
    'foo',
    'allow-get',
  );
  const audit = ap({ action: 'AUDIT', rules: [{}] }, 'foo', 'audit-all');

  it.each([
    ['no policy: everything is allowed', [], { method: 'DELETE' }, 'allow'],
    ['DENY only: what it does not match is allowed', [denyPost], { method: 'GET' }, 'allow'],
    ['DENY only: a match is denied', [denyPost], { method: 'POST' }, 'deny foo/deny-post'],
    [
      'DENY before ALLOW, whatever the names',
      [allowGet, denyPost],
      { method: 'POST' },
      'deny foo/deny-post',
    ],
    ['an ALLOW match is allowed', [allowGet, denyPost], { method: 'GET' }, 'allow foo/allow-get'],
    ['once an ALLOW applies, what none matches is denied', [allowGet], { method: 'PUT' }, 'deny'],
    [
      'ALLOW with no rules allows nothing',
      [ap({}, 'foo', 'allow-nothing')],
      { method: 'GET' },
      'deny',
    ],
    [
      'ALLOW with rule {} allows everything',
      [ap({ rules: [{}] }, 'foo', 'allow-all')],
      { method: 'PUT' },
      'allow foo/allow-all',
    ],
    [
      'DENY with rule {} denies everything',
      [ap({ action: 'DENY', rules: [{}] }, 'foo', 'deny-all'), allowGet],
      { method: 'GET' },
      'deny foo/deny-all',
    ],
    [
      'DENY with no rules denies nothing',
      [ap({ action: 'DENY' }, 'foo', 'deny-none')],
      { method: 'GET' },
      'allow',
    ],
    ['AUDIT changes no decision (allowed)', [audit], { method: 'GET' }, 'allow'],
    ['AUDIT changes no decision (default deny)', [audit, allowGet], { method: 'PUT' }, 'deny'],
    [
      'the first DENY by namespace/name is named',
      [
        ap({ action: 'DENY', rules: [{}] }, 'foo', 'b'),
        ap({ action: 'DENY', rules: [{}] }, 'foo', 'a'),
      ],
      {},
      'deny foo/a',
    ],
    [
      "the root namespace's DENY is named before the workload namespace's",
      [
        ap({ action: 'DENY', rules: [{}] }, 'foo', 'a'),
        ap({ action: 'DENY', rules: [{}] }, 'weft-system', 'z'),
      ],
      {},
      'deny weft-system/z',
    ],
  ])('%s', (_name, policies, call, expected) => {
    expect(decide(policies, call)).toBe(expected);
  });

  it('names the ALLOW policies that apply when none matched', () => {
    const authorizer = compileAuthorizer([allowGet, denyPost], HTTPBIN, new AuthzDecisions());
    const verdict = authorizer.decide(request({ method: 'PUT' }));
    expect(verdict).toMatchObject({
      allowed: false,
      policy: 'none',
      reason: 'no ALLOW rule matches (AuthorizationPolicy foo/allow-get applies to this workload)',
    });
    expect(authorizer.decide(request({ method: 'POST' })).reason).toBe(
      'denied by AuthorizationPolicy foo/deny-post (DENY, rule 0)',
    );
  });

  it('reports the first AUDIT rule matched, whatever the decision', () => {
    const audits = ap(
      { action: 'AUDIT', rules: [{ to: [{ operation: { paths: ['/user/profile/*'] } }] }, {}] },
      'foo',
      'audit',
    );
    const authorizer = compileAuthorizer([audits, denyPost], HTTPBIN, new AuthzDecisions());
    expect(authorizer.audit(request({ path: '/user/profile/1' }))?.reason).toBe(
      'audited by AuthorizationPolicy foo/audit (AUDIT, rule 0)',
    );
    expect(authorizer.audit(request({ method: 'POST', path: '/x' }))?.reason).toBe(
      'audited by AuthorizationPolicy foo/audit (AUDIT, rule 1)',
    );
    expect(
      compileAuthorizer([denyPost], HTTPBIN, new AuthzDecisions()).audit(request({})),
    ).toBeUndefined();
  });
});

describe('which policies apply to a workload', () => {
  const denyAll = (namespace: string, selector?: Record<string, string>) =>
    ap(
      { action: 'DENY', rules: [{}], ...(selector && { selector: { matchLabels: selector } }) },
      namespace,
      'deny',
    );

  it.each([
    ['its namespace, no selector', denyAll('foo'), 'deny foo/deny'],
    ['another namespace', denyAll('bar'), 'allow'],
    ['the root namespace: every namespace', denyAll('weft-system'), 'deny weft-system/deny'],
    ['a selector its labels hold', denyAll('foo', { app: 'httpbin' }), 'deny foo/deny'],
    [
      'a selector of all its labels',
      denyAll('foo', { app: 'httpbin', version: 'v1' }),
      'deny foo/deny',
    ],
    [
      'a selector with a label it lacks',
      denyAll('foo', { app: 'httpbin', version: 'v2' }),
      'allow',
    ],
    [
      'a root selector its labels hold',
      denyAll('weft-system', { app: 'httpbin' }),
      'deny weft-system/deny',
    ],
  ])('%s', (_name, policy, expected) => {
    expect(decide([policy], {})).toBe(expected);
  });

  it('is inactive (nothing checked, nothing counted) when no policy applies', () => {
    expect(compileAuthorizer([denyAll('bar')], HTTPBIN, new AuthzDecisions()).active).toBe(false);
    expect(compileAuthorizer([denyAll('foo')], HTTPBIN, new AuthzDecisions()).active).toBe(true);
  });
});

describe('Istio reference examples', () => {
  // The reference page's first example; its JWT condition is a header one here.
  const httpbin = ap(
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
    'foo',
    'httpbin',
  );
  const google = { 'x-issuer': 'https://accounts.google.com' };

  it.each([
    ['sleep, GET, the issuer', { peer: SLEEP, headers: google }, 'allow foo/httpbin'],
    ['namespace dev, GET, the issuer', { peer: DEV, headers: google }, 'allow foo/httpbin'],
    ['sleep, POST', { peer: SLEEP, method: 'POST', headers: google }, 'deny'],
    ['sleep, no issuer', { peer: SLEEP }, 'deny'],
    ['another principal', { peer: FOO, headers: google }, 'deny'],
    ['no peer identity (plaintext)', { headers: google }, 'deny'],
  ])('allow by principal or namespace: %s', (_name, call, expected) => {
    expect(decide([httpbin], call)).toBe(expected);
  });

  const notFoo = ap(
    { action: 'DENY', rules: [{ from: [{ source: { notNamespaces: ['foo'] } }] }] },
    'foo',
    'not-foo',
  );

  it.each([
    ['from foo', { peer: FOO }, 'allow'],
    ['from dev', { peer: DEV }, 'deny foo/not-foo'],
    // Istio: a request without an identity is not from foo.
    ['without a peer identity', {}, 'deny foo/not-foo'],
  ])('deny what is not from namespace foo: %s', (_name, call, expected) => {
    expect(decide([notFoo], call)).toBe(expected);
  });

  const twoOps = ap(
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
    'foo',
    'two-ops',
  );

  it.each([
    ['GET /info', { peer: SLEEP, path: '/info' }, 'allow foo/two-ops'],
    ['GET /info/x?y=1', { peer: SLEEP, path: '/info/x?y=1' }, 'allow foo/two-ops'],
    ['POST /data', { peer: SLEEP, method: 'POST', path: '/data' }, 'allow foo/two-ops'],
    ['POST /info', { peer: SLEEP, method: 'POST', path: '/info' }, 'deny'],
    ['GET /data', { peer: SLEEP, path: '/data' }, 'deny'],
    [
      'POST /data?x (query is not path)',
      { peer: SLEEP, method: 'POST', path: '/data?x=1' },
      'allow foo/two-ops',
    ],
    ['POST /data/ (exact)', { peer: SLEEP, method: 'POST', path: '/data/' }, 'deny'],
  ])('methods and paths per operation: %s', (_name, call, expected) => {
    expect(decide([twoOps], call)).toBe(expected);
  });

  it('denies plaintext: notPrincipals ["*"] matches a request without a peer identity only', () => {
    const plaintext = ap(
      { action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['*'] } }] }] },
      'foo',
      'mtls-only',
    );
    expect(decide([plaintext], {})).toBe('deny foo/mtls-only');
    expect(decide([plaintext], { peer: SLEEP })).toBe('allow');
  });
});

describe('match semantics per field', () => {
  /** One ALLOW policy with one operation, one source or conditions; `allow`/`deny`. */
  const allowIf = (rule: Record<string, unknown>, call: Call) =>
    decide([ap({ rules: [rule] }, 'foo', 'p')], call).split(' ')[0];
  const op = (o: Record<string, unknown>) => ({ to: [{ operation: o }] });
  const src = (s: Record<string, unknown>) => ({ from: [{ source: s }] });

  it.each([
    [src({ principals: ['cluster.local/ns/default/sa/sleep'] }), { peer: SLEEP }, 'allow'],
    [src({ principals: ['cluster.local/ns/default/sa/sleep'] }), { peer: `${SLEEP}2` }, 'deny'],
    [src({ principals: ['cluster.local/ns/default/*'] }), { peer: SLEEP }, 'allow'],
    [src({ principals: ['cluster.local/ns/default/*'] }), { peer: DEV }, 'deny'],
    [src({ principals: ['*/sa/sleep'] }), { peer: SLEEP }, 'allow'],
    [src({ principals: ['*/sa/sleep'] }), { peer: FOO }, 'deny'],
    [src({ principals: ['*'] }), { peer: FOO }, 'allow'],
    [src({ principals: ['*'] }), {}, 'deny'],
    [src({ principals: ['other.domain/ns/default/sa/sleep'] }), { peer: SLEEP }, 'deny'],
    [src({ notPrincipals: ['cluster.local/ns/default/sa/sleep'] }), { peer: SLEEP }, 'deny'],
    [src({ notPrincipals: ['cluster.local/ns/default/sa/sleep'] }), { peer: FOO }, 'allow'],
    [src({ notPrincipals: ['cluster.local/ns/default/sa/sleep'] }), {}, 'allow'],
    [src({ namespaces: ['default'] }), { peer: SLEEP }, 'allow'],
    [src({ namespaces: ['def'] }), { peer: SLEEP }, 'deny'],
    [src({ namespaces: ['def*'] }), { peer: SLEEP }, 'allow'],
    [src({ namespaces: ['*ult'] }), { peer: SLEEP }, 'allow'],
    [src({ namespaces: ['*'] }), { peer: SLEEP }, 'allow'],
    [src({ namespaces: ['*'] }), {}, 'deny'],
    [src({ namespaces: ['sa'] }), { peer: 'spiffe://cluster.local/ns/x/sa/sa' }, 'deny'],
    [src({ notNamespaces: ['default'] }), { peer: SLEEP }, 'deny'],
    [src({ notNamespaces: ['default'] }), { peer: DEV }, 'allow'],
    [src({ principals: ['*'], namespaces: ['dev'] }), { peer: SLEEP }, 'deny'],
  ])('source %j, %j: %s', (rule, call, expected) => {
    expect(allowIf(rule, call)).toBe(expected);
  });

  it.each([
    [op({ methods: ['GET'] }), { method: 'GET' }, 'allow'],
    [op({ methods: ['GET'] }), { method: 'HEAD' }, 'deny'],
    [op({ methods: ['P*'] }), { method: 'PATCH' }, 'allow'],
    [op({ methods: ['*T'] }), { method: 'POST' }, 'allow'],
    [op({ methods: ['*'] }), { method: 'CUSTOM' }, 'allow'],
    [op({ notMethods: ['GET', 'HEAD'] }), { method: 'HEAD' }, 'deny'],
    [op({ notMethods: ['GET', 'HEAD'] }), { method: 'PUT' }, 'allow'],
    [op({ paths: ['/a'] }), { path: '/a' }, 'allow'],
    [op({ paths: ['/a'] }), { path: '/a?b' }, 'allow'],
    [op({ paths: ['/a'] }), { path: '/a#b' }, 'allow'],
    [op({ paths: ['/a'] }), { path: '/A' }, 'deny'],
    [op({ paths: ['/a/*'] }), { path: '/a/b/c' }, 'allow'],
    [op({ paths: ['/a/*'] }), { path: '/a' }, 'deny'],
    [op({ paths: ['*.png'] }), { path: '/img/x.png?v=2' }, 'allow'],
    [op({ paths: ['*.png'] }), { path: '/img/x.png/y' }, 'deny'],
    [op({ notPaths: ['/admin*'] }), { path: '/administrator' }, 'deny'],
    [op({ notPaths: ['/admin*'] }), { path: '/public' }, 'allow'],
    [op({ hosts: ['httpbin.foo'] }), { host: 'HTTPBIN.foo' }, 'allow'],
    [op({ hosts: ['httpbin.foo'] }), { host: 'httpbin.foo:8000' }, 'deny'],
    [op({ hosts: ['httpbin.foo', 'httpbin.foo:*'] }), { host: 'httpbin.foo:8000' }, 'allow'],
    [op({ hosts: ['*.foo'] }), { host: 'x.FOO' }, 'allow'],
    [op({ notHosts: ['*.foo'] }), { host: 'a.foo' }, 'deny'],
    [op({ ports: ['8000'] }), {}, 'allow'],
    [op({ ports: [8000] }), {}, 'allow'],
    [op({ ports: ['9000'] }), {}, 'deny'],
    [op({ notPorts: ['8000'] }), {}, 'deny'],
    [op({ notPorts: ['9000'] }), {}, 'allow'],
    [op({ methods: ['GET'], paths: ['/a'] }), { method: 'GET', path: '/b' }, 'deny'],
  ])('operation %j, %j: %s', (rule, call, expected) => {
    expect(allowIf(rule, call)).toBe(expected);
  });

  const when = (key: string, values?: unknown[], notValues?: unknown[]) => ({
    when: [{ key, ...(values && { values }), ...(notValues && { notValues }) }],
  });

  it.each([
    [when('request.headers[X-Version]', ['v1', 'v2']), { headers: { 'x-version': 'v2' } }, 'allow'],
    [when('request.headers[X-Version]', ['v1']), { headers: { 'x-version': 'v3' } }, 'deny'],
    [when('request.headers[X-Version]', ['v1']), {}, 'deny'],
    [
      when('request.headers[User-Agent]', ['Mozilla/*']),
      { headers: { 'user-agent': 'Mozilla/5.0' } },
      'allow',
    ],
    [when('request.headers[x-a]', ['*']), { headers: { 'x-a': '' } }, 'allow'],
    [when('request.headers[x-a]', ['*']), {}, 'deny'],
    [when('request.headers[x-a]', undefined, ['*']), {}, 'allow'],
    [when('request.headers[x-a]', undefined, ['bad']), { headers: { 'x-a': 'good' } }, 'allow'],
    [when('request.headers[x-a]', undefined, ['bad']), { headers: { 'x-a': 'bad' } }, 'deny'],
    [when('request.headers[x-a]', ['a,b']), { headers: { 'x-a': ['a', 'b'] } }, 'allow'],
    [when('source.principal', ['cluster.local/ns/default/sa/sleep']), { peer: SLEEP }, 'allow'],
    [when('source.principal', ['cluster.local/ns/default/sa/sleep']), { peer: FOO }, 'deny'],
    [when('source.namespace', ['dev']), { peer: DEV }, 'allow'],
    [when('source.namespace', undefined, ['dev']), { peer: DEV }, 'deny'],
    [when('destination.port', ['80', '8000']), {}, 'allow'],
    [when('destination.port', ['80']), {}, 'deny'],
    [
      {
        when: [
          ...when('source.namespace', ['dev']).when,
          ...when('request.headers[x-a]', ['1']).when,
        ],
      },
      { peer: DEV, headers: { 'x-a': '1' } },
      'allow',
    ],
    [
      {
        when: [
          ...when('source.namespace', ['dev']).when,
          ...when('request.headers[x-a]', ['1']).when,
        ],
      },
      { peer: DEV },
      'deny',
    ],
  ])('conditions %j, %j: %s', (rule, call, expected) => {
    expect(allowIf(rule, call)).toBe(expected);
  });

  it('needs one source, one operation and every condition of a rule', () => {
    const rule = {
      from: [{ source: { namespaces: ['dev'] } }, { source: { namespaces: ['default'] } }],
      to: [{ operation: { methods: ['GET'] } }, { operation: { paths: ['/open'] } }],
      when: [{ key: 'request.headers[x-a]', values: ['1'] }],
    };
    const h = { 'x-a': '1' };
    expect(allowIf(rule, { peer: SLEEP, method: 'PUT', path: '/open', headers: h })).toBe('allow');
    expect(allowIf(rule, { peer: DEV, method: 'GET', headers: h })).toBe('allow');
    expect(allowIf(rule, { peer: FOO, method: 'GET', headers: h })).toBe('deny');
    expect(allowIf(rule, { peer: DEV, method: 'PUT', path: '/x', headers: h })).toBe('deny');
    expect(allowIf(rule, { peer: DEV, method: 'GET' })).toBe('deny');
  });
});

describe('decision counters', () => {
  it('gives every policy of the workload its cells, shared across recompiles', () => {
    const decisions = new AuthzDecisions();
    const deny = ap({ action: 'DENY', rules: [{}] }, 'foo', 'deny');
    const allow = ap({ rules: [{}] }, 'foo', 'allow');
    const first = compileAuthorizer([deny, allow], HTTPBIN, decisions);
    const again = compileAuthorizer([deny, allow], HTTPBIN, decisions);
    first.decide(request({})).counter.count++;
    again.decide(request({})).counter.count++;
    const cells = [...decisions.all()].map((c) => `${c.decision} ${c.policy} ${c.count}`);
    expect(cells.sort()).toEqual(['allow foo/allow 0', 'deny foo/deny 2', 'deny none 0']);
    decisions.retain(compileAuthorizer([allow], HTTPBIN, decisions).counters);
    expect([...decisions.all()].map((c) => c.policy).sort()).toEqual(['foo/allow', 'none']);
  });
});
