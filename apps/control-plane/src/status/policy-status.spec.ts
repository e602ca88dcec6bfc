// Unit spec for the TrafficPolicy status evaluator: targets that resolve or not, conflicts, transition times.
import { describe, expect, it } from '@jest/globals';
import { parseResource, type PolicyStatus, type Resource } from '@app/protocol';
import {
  evaluatePolicies,
  policyNotices,
  stampPolicyStatus,
  type PolicyVerdict,
} from './policy-status.js';

function resource(raw: object): Resource {
  const parsed = parseResource(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}

const service = (name: string, kind = 'Service'): Resource =>
  kind === 'Service'
    ? resource({ apiVersion: 'v1', kind, metadata: { name }, spec: { selector: { app: name } } })
    : resource({
        apiVersion: 'weft.dev/v1alpha1',
        kind,
        metadata: { name },
        spec: { endpoints: [{ address: '10.0.0.1', port: 80 }] },
      });

const policy = (name: string, targets: string[], spec: object = {}): Resource =>
  resource({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'TrafficPolicy',
    metadata: { name },
    spec: { targetRefs: targets.map((t) => ({ kind: 'Service', name: t })), ...spec },
  });

const leastRequest = { loadBalancer: { type: 'LeastRequest' } };

function verdictOf(resources: Resource[], name: string, implicit: string[] = []): PolicyVerdict {
  const verdict = evaluatePolicies(resources, implicit).get(`trafficpolicy.default.${name}`);
  if (!verdict) throw new Error(`no verdict for ${name}`);
  return verdict;
}

/** `target: Status Reason: message` per ancestor. */
const accepted = (verdict: PolicyVerdict): string[] =>
  verdict.ancestors.map(
    (a) =>
      `${a.ancestorRef.name}: ${a.accepted.status} ${a.accepted.reason}: ${a.accepted.message}`,
  );

describe('evaluatePolicies', () => {
  it('accepts a policy on an existing Service, with the Service as its ancestor', () => {
    const verdict = verdictOf([service('b'), policy('p', ['b'], leastRequest)], 'p');
    expect(verdict.ancestors[0].ancestorRef).toEqual({
      group: '',
      kind: 'Service',
      name: 'b',
      namespace: 'default',
    });
    expect(accepted(verdict)).toEqual(['b: True Accepted: in effect on Service default/b']);
    expect(policyNotices(verdict)).toEqual([]);
  });

  it('resolves a target as a route backend resolves: registered instances and ExternalServices count', () => {
    const verdict = verdictOf(
      [service('api', 'ExternalService'), policy('p', ['api', 'b'], leastRequest)],
      'p',
      ['default/b'],
    );
    expect(verdict.ancestors.map((a) => a.accepted.status)).toEqual(['True', 'True']);
  });

  it('reports each target that names no Service as TargetNotFound, per target', () => {
    const verdict = verdictOf([service('b'), policy('p', ['b', 'ghost', 'b'], leastRequest)], 'p');
    expect(accepted(verdict)).toEqual([
      'b: True Accepted: in effect on Service default/b',
      'ghost: False TargetNotFound: Service default/ghost not found: no Service resource and no registered instance by that name',
    ]);
    expect(policyNotices(verdict).map((c) => c.reason)).toEqual(['TargetNotFound']);
  });

  it('looks targets up in the policy namespace only', () => {
    const other = resource({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'TrafficPolicy',
      metadata: { name: 'p', namespace: 'shop' },
      spec: { targetRefs: [{ kind: 'Service', name: 'b' }] },
    });
    const verdicts = evaluatePolicies([service('b'), other], []);
    expect(verdicts.get('trafficpolicy.shop.p')?.ancestors[0].accepted.reason).toBe(
      'TargetNotFound',
    );
  });

  it('of two policies on one Service, the first by name wins and the other is Conflicted, naming it', () => {
    const resources = [
      service('b'),
      service('c'),
      policy('zeta', ['b', 'c'], { ...leastRequest, outlierDetection: {} }),
      policy('alpha', ['b'], { faultInjection: { abort: { percent: 10, httpStatus: 503 } } }),
    ];
    expect(accepted(verdictOf(resources, 'alpha'))).toEqual([
      'b: True Accepted: in effect on Service default/b',
    ]);
    // Fields alpha leaves unset do not come from zeta either: the data plane does not merge.
    expect(accepted(verdictOf(resources, 'zeta'))).toEqual([
      'b: False Conflicted: TrafficPolicy alpha takes loadBalancer, outlierDetection on Service default/b (policies on one Service do not merge: the first by name wins)',
      'c: True Accepted: in effect on Service default/c',
    ]);
  });

  it('takes transport from the first policy that sets it, so a transport-only policy may coexist', () => {
    const resources = [
      service('b'),
      policy('a-lb', ['b'], leastRequest),
      policy('b-bus', ['b'], { transport: 'bus' }),
      policy('c-http', ['b'], { transport: 'http' }),
    ];
    expect(accepted(verdictOf(resources, 'b-bus'))).toEqual([
      'b: True Accepted: in effect on Service default/b',
    ]);
    expect(verdictOf(resources, 'c-http').ancestors[0].accepted).toMatchObject({
      status: 'False',
      reason: 'Conflicted',
      message: expect.stringContaining('TrafficPolicy b-bus takes transport on Service default/b'),
    });
  });

  it('reports a missing target before a conflict on it', () => {
    const resources = [policy('a', ['ghost'], leastRequest), policy('b', ['ghost'], leastRequest)];
    expect(verdictOf(resources, 'b').ancestors[0].accepted.reason).toBe('TargetNotFound');
  });
});

describe('stampPolicyStatus', () => {
  const missing = [policy('p', ['b'], leastRequest)];

  it('keeps the transition time while status and reason hold, and moves it when they change', () => {
    const first = stampPolicyStatus(verdictOf(missing, 'p'), undefined, 't1');
    expect(first.ancestors[0]).toMatchObject({
      controllerName: 'weft.dev/control-plane',
      conditions: [{ type: 'Accepted', status: 'False', lastTransitionTime: 't1' }],
    });
    const same: PolicyStatus = stampPolicyStatus(verdictOf(missing, 'p'), first, 't2');
    expect(same.ancestors[0].conditions[0].lastTransitionTime).toBe('t1');
    const resolved = stampPolicyStatus(verdictOf([service('b'), ...missing], 'p'), same, 't3');
    expect(resolved.ancestors[0].conditions[0]).toMatchObject({
      status: 'True',
      reason: 'Accepted',
      lastTransitionTime: 't3',
    });
  });
});
