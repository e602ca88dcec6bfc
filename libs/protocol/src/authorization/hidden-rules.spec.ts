// Unit spec for hidden rules: what an earlier rule covers (same action, or a DENY before an ALLOW),
// on every workload the hidden rule applies to; and what is not reported.
import { describe, expect, it } from '@jest/globals';
import type { AuthorizationPolicy } from '../resources/authorization-policy.dto.js';
import { parseResource } from '../resources/resource.js';
import { hiddenRules } from './hidden-rules.js';

function ap(name: string, spec: Record<string, unknown>, namespace = 'foo'): AuthorizationPolicy {
  const result = parseResource({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace },
    spec,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value as AuthorizationPolicy;
}

const op = (o: Record<string, unknown>) => ({ to: [{ operation: o }] });
const src = (s: Record<string, unknown>) => ({ from: [{ source: s }] });
const deny = (name: string, rules: unknown[], extra: Record<string, unknown> = {}, ns = 'foo') =>
  ap(name, { action: 'DENY', rules, ...extra }, ns);
const allow = (name: string, rules: unknown[], extra: Record<string, unknown> = {}, ns = 'foo') =>
  ap(name, { action: 'ALLOW', rules, ...extra }, ns);

/** `resource path: message` of each finding. */
const found = (policies: AuthorizationPolicy[]) =>
  hiddenRules(policies).map((f) => `${f.resource} ${f.path}: ${f.message}`);

describe('hiddenRules', () => {
  it('reports a DENY rule an earlier DENY with a wider match covers', () => {
    expect(
      found([
        deny('a', [op({ paths: ['/admin/*'] })]),
        deny('b', [op({ paths: ['/admin/x'], methods: ['POST'] })]),
      ]),
    ).toEqual([
      'AuthorizationPolicy/foo/b spec.rules[0]: is hidden by AuthorizationPolicy foo/a rule 0 (DENY), which matches every request it matches: it never denies a request itself',
    ]);
  });

  it('reports the later of two identical ALLOW rules, in one policy or two', () => {
    const rule = {
      ...src({ principals: ['cluster.local/ns/a/sa/b'] }),
      ...op({ methods: ['GET'] }),
    };
    expect(found([allow('a', [rule, rule])])).toEqual([
      'AuthorizationPolicy/foo/a spec.rules[1]: is hidden by AuthorizationPolicy foo/a rule 0 (ALLOW), which matches every request it matches: it never allows a request itself',
    ]);
    expect(found([allow('b', [rule]), allow('a', [rule])])).toEqual([
      'AuthorizationPolicy/foo/b spec.rules[0]: is hidden by AuthorizationPolicy foo/a rule 0 (ALLOW), which matches every request it matches: it never allows a request itself',
    ]);
  });

  it('reports an ALLOW rule a DENY covers, whatever their order: DENY goes first', () => {
    expect(
      found([
        allow('a', [op({ methods: ['DELETE'] })]),
        deny('z', [op({ methods: ['DELETE', 'PUT'] })]),
      ]),
    ).toEqual([
      'AuthorizationPolicy/foo/a spec.rules[0]: never allows a request: AuthorizationPolicy foo/z rule 0 (DENY) matches every request it matches, and DENY policies are evaluated first',
    ]);
  });

  it('reports every rule after a rule {} of the same action', () => {
    expect(found([allow('a', [{}, op({ paths: ['/x'] })])])).toEqual([
      'AuthorizationPolicy/foo/a spec.rules[1]: is hidden by AuthorizationPolicy foo/a rule 0 (ALLOW), which matches every request it matches: it never allows a request itself',
    ]);
  });

  it('reports DENY and AUDIT policies without rules', () => {
    expect(found([deny('a', []), ap('b', { action: 'AUDIT' }), allow('c', [])])).toEqual([
      'AuthorizationPolicy/foo/a spec.rules: a DENY policy without rules denies nothing',
      'AuthorizationPolicy/foo/b spec.rules: a AUDIT policy without rules audits nothing',
    ]);
  });

  it.each([
    [
      'a narrower earlier rule (the later one decides what it does not match)',
      [deny('a', [op({ paths: ['/admin/x'] })]), deny('b', [op({ paths: ['/admin/*'] })])],
    ],
    [
      'an earlier rule on other workloads (selector)',
      [
        deny('a', [{}], { selector: { matchLabels: { app: 'x' } } }),
        deny('b', [op({ paths: ['/p'] })], { selector: { matchLabels: { app: 'y' } } }),
      ],
    ],
    [
      'an earlier rule on fewer workloads (selector labels a superset)',
      [
        deny('a', [{}], { selector: { matchLabels: { app: 'x', v: '1' } } }),
        deny('b', [op({ paths: ['/p'] })], { selector: { matchLabels: { app: 'x' } } }),
      ],
    ],
    [
      'an earlier rule in another namespace',
      [deny('a', [{}], {}, 'bar'), deny('b', [op({ paths: ['/p'] })])],
    ],
    [
      'a rule with from against one without',
      [deny('a', [src({ namespaces: ['x'] })]), deny('b', [op({ paths: ['/p'] })])],
    ],
    [
      'an AUDIT covering an ALLOW',
      [ap('a', { action: 'AUDIT', rules: [{}] }), allow('b', [op({ paths: ['/p'] })])],
    ],
    ['an ALLOW covering a DENY', [allow('a', [{}]), deny('b', [op({ paths: ['/p'] })])]],
    [
      'a prefix against a suffix',
      [deny('a', [op({ paths: ['/a*'] })]), deny('b', [op({ paths: ['*.css'] })])],
    ],
    [
      'an earlier rule with a condition the later one lacks',
      [deny('a', [{ when: [{ key: 'request.headers[x]', values: ['1'] }] }]), deny('b', [{}])],
    ],
  ])('does not report %s', (_name, policies) => {
    expect(found(policies)).toEqual([]);
  });

  it.each([
    [
      'a root-namespace rule covers every namespace',
      [deny('a', [{}], {}, 'weft-system'), deny('b', [op({ paths: ['/p'] })])],
    ],
    [
      'a selector that is a subset of the later one',
      [
        deny('a', [{}], { selector: { matchLabels: { app: 'x' } } }),
        deny('b', [op({ paths: ['/p'] })], { selector: { matchLabels: { app: 'x', v: '1' } } }),
      ],
    ],
    [
      'notPaths implied by exact paths',
      [deny('a', [op({ notPaths: ['/public/*'] })]), deny('b', [op({ paths: ['/admin'] })])],
    ],
    [
      'notPaths implied by wider notPaths',
      [deny('a', [op({ notPaths: ['/public/x'] })]), deny('b', [op({ notPaths: ['/public/*'] })])],
    ],
    [
      'a condition implied by a narrower one',
      [
        deny('a', [{ when: [{ key: 'request.headers[X-A]', values: ['v*'] }] }]),
        deny('b', [
          {
            when: [
              { key: 'request.headers[x-a]', values: ['v1'] },
              { key: 'source.namespace', values: ['n'] },
            ],
          },
        ]),
      ],
    ],
    [
      'hosts in another case',
      [
        deny('a', [op({ hosts: ['*.Example.com'] })]),
        deny('b', [op({ hosts: ['api.example.COM'] })]),
      ],
    ],
    [
      'principals covered by a presence',
      [
        deny('a', [src({ principals: ['*'] })]),
        deny('b', [src({ principals: ['cluster.local/ns/a/sa/b'], namespaces: ['a'] })]),
      ],
    ],
  ])('reports when %s', (_name, policies) => {
    expect(found(policies)).toHaveLength(1);
  });
});
