// Unit spec for AuthorizationPolicy status: which ready instances a policy applies to, or none.
import { describe, expect, it } from '@jest/globals';
import { parseResource, type InstanceOwner, type Resource } from '@app/protocol';
import { evaluateAuthorizationPolicies, stampAuthorizationStatus } from './authorization-status.js';

function policy(name: string, namespace: string, matchLabels?: Record<string, string>): Resource {
  const parsed = parseResource({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace },
    spec: matchLabels ? { selector: { matchLabels } } : {},
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}

const instance = (instanceId: string, namespace: string, app: string): InstanceOwner => ({
  instanceId,
  namespace,
  service: app,
  serviceAccount: app,
  address: '127.0.0.1',
  port: 15006,
  labels: { app },
});

const instances = [
  instance('api-1', 'shop', 'api'),
  instance('api-2', 'shop', 'api'),
  instance('web-1', 'shop', 'web'),
  instance('db-1', 'data', 'db'),
];

function accepted(p: Resource): string {
  const key = `authorizationpolicy.${p.metadata.namespace}.${p.metadata.name}`;
  const c = evaluateAuthorizationPolicies([p], instances).get(key)!;
  return `${c.status} ${c.reason}: ${c.message}`;
}

describe('evaluateAuthorizationPolicies', () => {
  it('names the ready instances a policy applies to', () => {
    expect(accepted(policy('a', 'shop', { app: 'api' }))).toBe(
      'True Accepted: in effect on 2 ready instances in namespace shop with labels app=api: shop/api-1, shop/api-2',
    );
    expect(accepted(policy('a', 'shop'))).toBe(
      'True Accepted: in effect on 3 ready instances in namespace shop: shop/api-1, shop/api-2, shop/web-1',
    );
  });

  it('applies a root-namespace policy to every namespace', () => {
    expect(accepted(policy('a', 'weft-system', { app: 'db' }))).toBe(
      'True Accepted: in effect on 1 ready instance in any namespace with labels app=db: data/db-1',
    );
  });

  it('says when a policy selects no ready instance', () => {
    expect(accepted(policy('a', 'shop', { app: 'db' }))).toBe(
      'False TargetNotFound: no ready instance is in namespace shop with labels app=db: the policy applies to none now (it will to instances that register so)',
    );
  });

  it('keeps the transition time while status and reason stay', () => {
    const verdict = evaluateAuthorizationPolicies([policy('a', 'shop')], instances).get(
      'authorizationpolicy.shop.a',
    )!;
    const first = stampAuthorizationStatus(verdict, undefined, 't1');
    expect(stampAuthorizationStatus(verdict, first, 't2').conditions[0].lastTransitionTime).toBe(
      't1',
    );
  });
});
