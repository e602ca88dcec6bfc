// The status a refused cluster object gets: Accepted=False per reference it names, the field path and reason in the message, other controllers' entries kept.
import { desiredStatus } from './cluster-status.js';

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
