// Unit spec for a backendRef's own filters: its header modifiers run after its rule's, only for it.
import { describe, expect, it } from '@jest/globals';
import type { HTTPBackendRef } from '@app/protocol';
import type { CompiledRoute, WeightedBackend } from '../routing/route-table.js';
import { withBackendFilters } from './backend-filters.js';
import { HeaderModifier } from './header-modifier.js';

const backend = (name: string): WeightedBackend => ({
  name,
  cluster: undefined,
  cumulativeWeight: 1,
});
const route: CompiledRoute = {
  name: 'HTTPRoute/shop/r#0',
  backends: [backend('shop/v1'), backend('shop/v2')],
  totalWeight: 2,
  mirrors: [],
  timeoutMs: 1_000,
  requestHeaders: new HeaderModifier({ set: [{ name: 'x-rule', value: 'r' }] }),
};
const refs: HTTPBackendRef[] = [
  {
    name: 'v1',
    weight: 1,
    filters: [
      {
        type: 'RequestHeaderModifier',
        requestHeaderModifier: { set: [{ name: 'x-backend', value: 'v1' }], remove: ['x-rule'] },
      },
      {
        type: 'ResponseHeaderModifier',
        responseHeaderModifier: { add: [{ name: 'x-served-by', value: 'v1' }] },
      },
    ],
  },
  { name: 'v2', weight: 1 },
];

describe('withBackendFilters', () => {
  it('leaves a rule none of whose backends has filters as it is', () => {
    expect(
      withBackendFilters(route, [
        { name: 'v1', weight: 1 },
        { name: 'v2', weight: 1 },
      ]),
    ).toBe(route);
  });

  it("gives a backend with filters the rule's policy with its own modifiers after the rule's", () => {
    const [v1, v2] = withBackendFilters(route, refs).backends;
    expect(v1.policy?.timeoutMs).toBe(1_000);
    // The rule sets x-rule, then the backend removes it and sets its own header.
    expect(v1.policy?.requestHeaders?.applyToFlat(['x-a', '1'])).toEqual([
      'x-a',
      '1',
      'x-backend',
      'v1',
    ]);
    const response = {};
    v1.policy?.responseHeaders?.applyToHeaders(response);
    expect(response).toEqual({ 'x-served-by': 'v1' });
    // The other backend follows its rule.
    expect(v2.policy).toBeUndefined();
  });
});
