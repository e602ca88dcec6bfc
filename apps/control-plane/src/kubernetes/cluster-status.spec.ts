// The status a cluster object gets: a refused one Accepted=False per reference it names, the field path and reason in the message, other controllers' entries kept; a Gateway its conditions and listeners.
import { parseResource } from '@app/protocol';
import { KubernetesSchemas } from '../../../../test/k8s/kubernetes-schemas.js';
import { evaluateGateways } from '../status/gateway-status.js';
import { desiredStatus, type ObjectVerdict } from './cluster-status.js';

const NOW = '2026-12-08T02:00:00Z';
const invalid = {
  invalid: [
    {
      resource: 'TrafficPolicy/shop/p',
      path: 'spec.timeouts.request',
      message: 'must be a duration',
    },
    {
      resource: 'TrafficPolicy/shop/p',
      path: 'spec.retries.attempts',
      message: 'must be at least 0',
    },
  ],
};

describe('desiredStatus of a refused object', () => {
  it('gives each target of a TrafficPolicy Accepted=False Invalid, keeping other controllers’ ancestors', () => {
    const theirs = {
      ancestorRef: { kind: 'Service', name: 'api' },
      controllerName: 'example.net/mesh',
      conditions: [],
    };
    const status = desiredStatus(
      'TrafficPolicy',
      {
        generation: 5,
        spec: { targetRefs: [{ group: '', kind: 'Service', name: 'api' }, { bogus: true }] },
        status: { ancestors: [theirs] },
      },
      invalid,
      NOW,
    );
    expect(status).toEqual({
      ancestors: [
        theirs,
        {
          ancestorRef: { group: '', kind: 'Service', name: 'api' },
          controllerName: 'weft.dev/control-plane',
          conditions: [
            {
              type: 'Accepted',
              status: 'False',
              reason: 'Invalid',
              message:
                'spec.timeouts.request: must be a duration; spec.retries.attempts: must be at least 0',
              observedGeneration: 5,
              lastTransitionTime: NOW,
            },
          ],
        },
      ],
    });
  });

  it('gives an AuthorizationPolicy one Accepted=False condition', () => {
    const status = desiredStatus(
      'AuthorizationPolicy',
      { generation: 2, spec: {}, status: undefined },
      invalid,
      NOW,
    );
    expect(status).toEqual({
      conditions: [
        expect.objectContaining({ status: 'False', reason: 'Invalid', observedGeneration: 2 }),
      ],
    });
  });

  it('writes no Weft entry for a route whose parentRefs cannot be read', () => {
    const status = desiredStatus(
      'HTTPRoute',
      { generation: 1, spec: { parentRefs: 'api' }, status: {} },
      invalid,
      NOW,
    );
    expect(status).toEqual({ parents: [] });
  });
});

describe('desiredStatus of a Gateway', () => {
  const accepted = { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok' } as const;
  const verdict = (attachedRoutes: number): ObjectVerdict => ({
    gateway: {
      conditions: [accepted, { ...accepted, type: 'Programmed', reason: 'Programmed' }],
      listeners: [
        {
          name: 'web',
          supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
          attachedRoutes,
          conditions: [accepted],
        },
      ],
    },
  });
  const stamped = (type: string, reason: string, time: string, generation: number) => ({
    type,
    status: 'True',
    reason,
    message: 'ok',
    observedGeneration: generation,
    lastTransitionTime: time,
  });

  it('writes its conditions and one entry per listener, transition times kept by listener name', () => {
    const first = desiredStatus(
      'Gateway',
      { generation: 3, spec: {}, status: {} },
      verdict(0),
      NOW,
    );
    expect(first).toEqual({
      conditions: [
        stamped('Accepted', 'Accepted', NOW, 3),
        stamped('Programmed', 'Programmed', NOW, 3),
      ],
      listeners: [
        {
          name: 'web',
          supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
          attachedRoutes: 0,
          conditions: [stamped('Accepted', 'Accepted', NOW, 3)],
        },
      ],
    });
    // A route attached later changes the count, not the listener's transition time.
    const later = desiredStatus(
      'Gateway',
      { generation: 3, spec: {}, status: first },
      verdict(2),
      '2026-12-08T03:00:00Z',
    );
    expect(later).toEqual({
      ...first,
      listeners: [{ ...(first.listeners as object[])[0], attachedRoutes: 2 }],
    });
  });

  it('is a valid Gateway API status, with no field the schema does not know', async () => {
    const gateway = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'edge', namespace: 'shop', generation: 1 },
      spec: {
        gatewayClassName: 'weft',
        listeners: [
          { name: 'web', port: 80, protocol: 'HTTP' },
          {
            name: 'secure',
            port: 443,
            protocol: 'HTTPS',
            tls: { certificateRefs: [{ name: 'shop-tls' }] },
          },
        ],
      },
    };
    const parsed = parseResource(gateway);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const gatewayVerdict = evaluateGateways([parsed.value]).get('gateway.shop.edge')!;
    const status = desiredStatus(
      'Gateway',
      { generation: 1, spec: gateway.spec, status: {} },
      { gateway: gatewayVerdict },
      NOW,
    );
    const withStatus = { ...gateway, status };
    const schemas = KubernetesSchemas.load([withStatus]);
    expect(await schemas.problems(withStatus)).toEqual([]);
  });

  it('gives a refused Gateway Accepted=False and Programmed=False Invalid, and clears its listeners', () => {
    const before = desiredStatus(
      'Gateway',
      { generation: 3, spec: {}, status: {} },
      verdict(1),
      NOW,
    );
    const status = desiredStatus(
      'Gateway',
      { generation: 4, spec: {}, status: before },
      invalid,
      NOW,
    );
    const refused = {
      status: 'False',
      reason: 'Invalid',
      message:
        'spec.timeouts.request: must be a duration; spec.retries.attempts: must be at least 0',
      observedGeneration: 4,
      lastTransitionTime: NOW,
    };
    expect(status).toEqual({
      conditions: [
        { type: 'Accepted', ...refused },
        { type: 'Programmed', ...refused },
      ],
      listeners: [],
    });
  });
});
