// What `weft apply` and `weft get httproute` print for route conditions.
import type { Condition, RouteStatus } from '@app/protocol';
import { conditionLine, statusSummary } from './route-conditions.js';

const condition = (type: string, status: Condition['status'], reason = type): Condition => ({
  type,
  status,
  reason,
  message: 'm',
  lastTransitionTime: '2025-01-01T00:00:00.000Z',
});

const status = (...parents: Condition[][]): RouteStatus['parents'] =>
  parents.map((conditions, i) => ({
    parentRef: { kind: 'Service', name: `s${i}` },
    controllerName: 'weft.dev/control-plane',
    conditions,
  }));

describe('conditionLine', () => {
  it('shows type, status, reason and message', () => {
    expect(
      conditionLine({
        type: 'ResolvedRefs',
        status: 'False',
        reason: 'BackendNotFound',
        message: 'rule 0 backend b-v3 not found',
      }),
    ).toBe('! ResolvedRefs=False (BackendNotFound): rule 0 backend b-v3 not found');
  });
});

describe('statusSummary', () => {
  it('says Accepted when every condition holds', () => {
    expect(
      statusSummary(status([condition('Accepted', 'True'), condition('ResolvedRefs', 'True')])),
    ).toBe('Accepted');
  });

  it('lists each failing condition once across parents', () => {
    const failing = status(
      [condition('Accepted', 'True'), condition('ResolvedRefs', 'False', 'BackendNotFound')],
      [
        condition('Accepted', 'False', 'NoMatchingParent'),
        condition('ResolvedRefs', 'False', 'BackendNotFound'),
      ],
    );
    expect(statusSummary(failing)).toBe('ResolvedRefs=False,Accepted=False');
  });

  it('shows a dash before the control plane computed a status, and a route without parents', () => {
    expect(statusSummary(undefined)).toBe('—');
    expect(statusSummary([])).toBe('NotAttached');
  });
});
