// Unit spec for the route status evaluator: parents, backend references, weights, shadowed matches.
import { describe, expect, it } from '@jest/globals';
import { parseResource, type Resource, type RouteStatus } from '@app/protocol';
import { evaluateRoutes, routeNotices, stampStatus, type RouteVerdict } from './route-status.js';

function resource(raw: object): Resource {
  const parsed = parseResource(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}

const service = (name: string, namespace = 'default'): Resource =>
  resource({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector: { app: name } },
  });

const route = (name: string, spec: object, namespace = 'default'): Resource =>
  resource({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace },
    spec,
  });

/** A route on Service `b` with one rule per entry of `rules`. */
const onB = (name: string, rules: object[]): Resource =>
  route(name, { parentRefs: [{ kind: 'Service', name: 'b' }], rules });

const backends = (...refs: (string | [string, number])[]): object => ({
  backendRefs: refs.map((r) =>
    typeof r === 'string' ? { name: r } : { name: r[0], weight: r[1] },
  ),
});

function verdictOf(
  resources: readonly Resource[],
  name: string,
  implicit: string[] = [],
): RouteVerdict {
  const verdict = evaluateRoutes(resources, implicit).get(`httproute.default.${name}`);
  if (!verdict) throw new Error(`no verdict for ${name}`);
  return verdict;
}

/** `Type=Status Reason: message` of every condition of the first parent. */
const conditionsOf = (verdict: RouteVerdict): string[] =>
  verdict.parents[0].conditions.map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`);

describe('evaluateRoutes', () => {
  it('accepts a route whose parent and backends all exist, with nothing to report', () => {
    const verdict = verdictOf(
      [service('b'), service('b-v1'), onB('split', [backends('b-v1', 'b-v2')])],
      'split',
      ['default/b-v2'],
    );
    expect(conditionsOf(verdict)).toEqual([
      'Accepted=True Accepted: attached to Service default/b',
      'ResolvedRefs=True ResolvedRefs: every backendRef resolves to a known Service',
    ]);
    expect(routeNotices(verdict)).toEqual([]);
  });

  it('takes a registered service with no Service resource (an endpoint set) as known', () => {
    const verdict = verdictOf([onB('r', [backends('b')])], 'r', ['default/b']);
    expect(verdict.parents[0].conditions.map((c) => c.status)).toEqual(['True', 'True']);
  });

  it('reports each backendRef that names no Service, rule by rule, and still accepts the route', () => {
    const verdict = verdictOf(
      [
        service('b'),
        onB('r', [
          backends('b', 'b-v3'),
          { ...backends('ghost'), matches: [{ path: { value: '/x' } }] },
        ]),
        route('other-ns', { parentRefs: [{ kind: 'Service', name: 'b', namespace: 'default' }] }),
      ],
      'r',
    );
    expect(conditionsOf(verdict)).toEqual([
      'Accepted=True Accepted: attached to Service default/b',
      'ResolvedRefs=False BackendNotFound: rule 0 backend b-v3 not found; rule 1 backend ghost not found',
    ]);
    expect(routeNotices(verdict)).toEqual([
      {
        type: 'ResolvedRefs',
        status: 'False',
        reason: 'BackendNotFound',
        message: 'rule 0 backend b-v3 not found; rule 1 backend ghost not found',
      },
    ]);
  });

  it('names a backend of another namespace with its namespace, and checks it there', () => {
    const resources = [
      service('b'),
      service('shared', 'infra'),
      onB('r', [
        {
          backendRefs: [
            { name: 'shared', namespace: 'infra' },
            { name: 'b', namespace: 'infra' },
          ],
        },
      ]),
    ];
    expect(conditionsOf(verdictOf(resources, 'r'))[1]).toBe(
      'ResolvedRefs=False BackendNotFound: rule 0 backend infra/b not found',
    );
  });

  it('reports a RequestMirror backend that names no Service', () => {
    const verdict = verdictOf(
      [
        service('b'),
        onB('r', [
          {
            ...backends('b'),
            filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow' } } }],
          },
        ]),
      ],
      'r',
    );
    expect(conditionsOf(verdict)[1]).toBe(
      'ResolvedRefs=False BackendNotFound: rule 0 mirror backend shadow not found',
    );
  });

  it('refuses a Service parent that does not exist (NoMatchingParent)', () => {
    const verdict = verdictOf(
      [
        service('b'),
        route('r', { parentRefs: [{ kind: 'Service', name: 'nope' }], rules: [backends('b')] }),
      ],
      'r',
    );
    expect(conditionsOf(verdict)).toEqual([
      'Accepted=False NoMatchingParent: Service default/nope not found: no Service resource and no registered instance by that name',
      'ResolvedRefs=True ResolvedRefs: every backendRef resolves to a known Service',
    ]);
    expect(routeNotices(verdict).map((n) => n.reason)).toEqual(['NoMatchingParent']);
  });

  it('refuses a Service port or port name the Service does not list (NoMatchingParent)', () => {
    const ported = resource({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'b', namespace: 'default' },
      spec: { ports: [{ name: 'http', port: 80 }] },
    });
    const parent = (ref: object) =>
      route('r', { parentRefs: [{ kind: 'Service', name: 'b', ...ref }], rules: [backends('b')] });
    const acceptedOf = (ref: object) => conditionsOf(verdictOf([ported, parent(ref)], 'r'))[0];
    expect([acceptedOf({ port: 80 }), acceptedOf({ sectionName: 'http' })]).toEqual([
      'Accepted=True Accepted: attached to Service default/b',
      'Accepted=True Accepted: attached to Service default/b',
    ]);
    expect([acceptedOf({ port: 8080 }), acceptedOf({ sectionName: 'grpc', port: 80 })]).toEqual([
      'Accepted=False NoMatchingParent: Service default/b has no port matching port 8080',
      'Accepted=False NoMatchingParent: Service default/b has no port matching port 80 and sectionName "grpc"',
    ]);
  });

  describe('Gateway parents (the default kind)', () => {
    const gateway = (listeners: object[], namespace = 'default'): Resource =>
      resource({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'edge', namespace },
        spec: { gatewayClassName: 'weft', listeners },
      });
    const http = { name: 'web', port: 80, protocol: 'HTTP', hostname: '*.example.com' };
    const acceptedOf = (resources: Resource[]) =>
      verdictOf(resources, 'r').parents[0].conditions[0];
    const onEdge = (spec: object, namespace = 'default') =>
      route(
        'r',
        { parentRefs: [{ name: 'edge', namespace: 'default' }], rules: [backends('b')], ...spec },
        namespace,
      );

    it('refuses a Gateway that does not exist', () => {
      expect(acceptedOf([service('b'), onEdge({})])).toMatchObject({
        status: 'False',
        reason: 'NoMatchingParent',
        message: 'Gateway default/edge not found',
      });
    });

    it('accepts a route whose hostnames intersect a listener, naming the listeners', () => {
      const verdict = acceptedOf([
        service('b'),
        gateway([http, { ...http, name: 'other', hostname: 'shop.test' }]),
        onEdge({ hostnames: ['a.example.com'] }),
      ]);
      expect(verdict).toMatchObject({
        status: 'True',
        reason: 'Accepted',
        message: 'attached to Gateway default/edge (web)',
      });
    });

    it('refuses a route whose hostnames intersect no listener', () => {
      expect(
        acceptedOf([service('b'), gateway([http]), onEdge({ hostnames: ['example.com'] })]),
      ).toMatchObject({ status: 'False', reason: 'NoMatchingListenerHostname' });
    });

    it('refuses a sectionName the Gateway does not have', () => {
      const r = route('r', {
        parentRefs: [{ name: 'edge', sectionName: 'https' }],
        rules: [backends('b')],
      });
      expect(acceptedOf([service('b'), gateway([http]), r])).toMatchObject({
        status: 'False',
        reason: 'NoMatchingParent',
        message: 'Gateway default/edge has no listener "https"',
      });
    });

    it('refuses a route from another namespace unless the listener admits All', () => {
      const elsewhere = [service('b', 'shop'), onEdge({}, 'shop')];
      const acceptedIn = (resources: Resource[]) =>
        evaluateRoutes(resources, []).get('httproute.shop.r')!.parents[0].conditions[0];
      expect(acceptedIn([gateway([http]), ...elsewhere])).toMatchObject({
        status: 'False',
        reason: 'NotAllowedByListeners',
      });
      const open = { ...http, allowedRoutes: { namespaces: { from: 'All' } } };
      expect(acceptedIn([gateway([open]), ...elsewhere])).toMatchObject({ status: 'True' });
    });
  });

  it('gives each parent its own Accepted and reports ResolvedRefs once', () => {
    const verdict = verdictOf(
      [
        service('b'),
        route('r', {
          parentRefs: [
            { kind: 'Service', name: 'b' },
            { kind: 'Service', name: 'c' },
          ],
          rules: [backends('missing')],
        }),
      ],
      'r',
    );
    expect(verdict.parents.map((p) => p.conditions[0].status)).toEqual(['True', 'False']);
    expect(routeNotices(verdict).map((n) => `${n.type}=${n.status}`)).toEqual([
      'ResolvedRefs=False',
      'Accepted=False',
    ]);
  });

  describe('weights', () => {
    it('reports a rule whose weights sum to zero (BackendWeightsZero)', () => {
      const verdict = verdictOf(
        [service('b'), service('b-v1'), onB('r', [backends(['b-v1', 0], ['b', 0])])],
        'r',
      );
      expect(conditionsOf(verdict)[1]).toBe(
        'ResolvedRefs=False BackendWeightsZero: rule 0 has only backendRefs of weight 0, so requests it matches get HTTP 500',
      );
    });

    it('reports a rule with no backendRefs, but not one a redirect answers', () => {
      const verdict = verdictOf(
        [
          service('b'),
          onB('r', [
            { matches: [{ path: { value: '/empty' } }] },
            {
              matches: [{ path: { value: '/old' } }],
              filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'new.example' } }],
            },
            backends(['b', 0], ['b', 1]),
          ]),
        ],
        'r',
      );
      expect(conditionsOf(verdict)[1]).toBe(
        'ResolvedRefs=False BackendWeightsZero: rule 0 has no backendRefs, so requests it matches get HTTP 500',
      );
    });

    it('gives BackendNotFound precedence as the reason and lists both problems', () => {
      const verdict = verdictOf(
        [
          service('b'),
          onB('r', [
            backends(['b', 0]),
            { ...backends('gone'), matches: [{ path: { value: '/g' } }] },
          ]),
        ],
        'r',
      );
      expect(conditionsOf(verdict)[1]).toBe(
        'ResolvedRefs=False BackendNotFound: rule 1 backend gone not found; rule 0 has only backendRefs of weight 0, so requests it matches get HTTP 500',
      );
    });
  });

  describe('identical matches on one Service', () => {
    const api = (path = '/api', extra: object = {}) => ({
      ...backends('b'),
      matches: [{ path: { type: 'PathPrefix', value: path }, ...extra }],
    });

    it('keeps the loser Accepted (Gateway API merges them) and names the shadowed match', () => {
      const resources = [service('b'), onB('b-second', [api('/api/')]), onB('a-first', [api()])];
      const first = verdictOf(resources, 'a-first');
      const second = verdictOf(resources, 'b-second');
      expect(routeNotices(first)).toEqual([]);
      expect(conditionsOf(second)[0]).toBe(
        'Accepted=True Accepted: attached to Service default/b; rule 0 match 0 (PathPrefix /api/) is ' +
          'shadowed by an identical match of HTTPRoute/default/a-first rule 0 (the route first by ' +
          'namespace/name wins) and receives no traffic',
      );
      expect(routeNotices(second)).toEqual([second.parents[0].conditions[0]]);
    });

    it('ignores the order and the case of header names', () => {
      const headers = (a: string, b: string) => ({
        headers: [
          { name: a, value: '1' },
          { name: b, value: '2' },
        ],
      });
      const resources = [
        service('b'),
        onB('a', [api('/api', headers('X-One', 'x-two'))]),
        onB('z', [
          api('/api', {
            headers: [
              { name: 'x-two', value: '2' },
              { name: 'x-one', value: '1' },
            ],
          }),
        ]),
      ];
      expect(conditionsOf(verdictOf(resources, 'z'))[0]).toMatch(
        /PathPrefix \/api, 2 header matches\) is shadowed/,
      );
    });

    it('finds no conflict across Services, methods, path types or header values', () => {
      const resources = [
        service('b'),
        service('c'),
        onB('a', [api()]),
        onB('m', [api('/api', { method: 'GET' })]),
        onB('e', [{ ...backends('b'), matches: [{ path: { type: 'Exact', value: '/api' } }] }]),
        onB('h', [api('/api', { headers: [{ name: 'x', value: '1' }] })]),
        onB('i', [api('/api', { headers: [{ name: 'x', value: '2' }] })]),
        route('on-c', { parentRefs: [{ kind: 'Service', name: 'c' }], rules: [api()] }),
      ];
      for (const name of ['a', 'm', 'e', 'h', 'i', 'on-c'])
        expect(routeNotices(verdictOf(resources, name))).toEqual([]);
    });

    it('names a rule shadowed by an earlier rule of the same route', () => {
      const verdict = verdictOf([service('b'), onB('r', [backends('b'), backends('b')])], 'r');
      expect(conditionsOf(verdict)[0]).toContain(
        'rule 1 match 0 (PathPrefix /) is shadowed by an identical match of rule 0 of this route (the first rule wins)',
      );
    });
  });
});

describe('stampStatus', () => {
  const verdict = (reason: string, message: string): RouteVerdict => ({
    parents: [
      {
        parentRef: { kind: 'Service', name: 'b' },
        conditions: [{ type: 'ResolvedRefs', status: 'False', reason, message }],
        notices: [],
      },
    ],
  });

  it('writes the controller name and the parent reference', () => {
    const status = stampStatus(verdict('BackendNotFound', 'm'), undefined, 't0');
    expect(status).toEqual({
      parents: [
        {
          parentRef: { kind: 'Service', name: 'b' },
          controllerName: 'weft.dev/control-plane',
          conditions: [
            {
              type: 'ResolvedRefs',
              status: 'False',
              reason: 'BackendNotFound',
              message: 'm',
              lastTransitionTime: 't0',
            },
          ],
        },
      ],
    });
  });

  it('keeps lastTransitionTime while status and reason stay, even when the message changes', () => {
    const before = stampStatus(verdict('BackendNotFound', 'one'), undefined, 't0');
    const after = stampStatus(verdict('BackendNotFound', 'two'), before, 't1');
    expect(after.parents[0].conditions[0]).toMatchObject({
      message: 'two',
      lastTransitionTime: 't0',
    });
  });

  it('moves lastTransitionTime when the reason changes, or the parent is a new one', () => {
    const before: RouteStatus = stampStatus(verdict('BackendNotFound', 'm'), undefined, 't0');
    const changed = stampStatus(verdict('BackendWeightsZero', 'm'), before, 't1');
    expect(changed.parents[0].conditions[0].lastTransitionTime).toBe('t1');
    const moved = verdict('BackendNotFound', 'm');
    const other: RouteVerdict = {
      parents: [{ ...moved.parents[0], parentRef: { kind: 'Service', name: 'c' } }],
    };
    expect(stampStatus(other, before, 't2').parents[0].conditions[0].lastTransitionTime).toBe('t2');
  });
});
