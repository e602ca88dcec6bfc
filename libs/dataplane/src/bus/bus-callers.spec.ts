import { Subjects } from '@app/protocol';
import { BusCallers } from './bus-callers.js';

describe('BusCallers', () => {
  const subjects = new Subjects('weft');
  const callers = new BusCallers('example.org');

  it("reads the caller's SPIFFE ID from the end of the rpc subject", () => {
    const subject = subjects.rpc('shop', 'api', 'bank', 'teller');
    expect(callers.principalOf(subject)).toBe('spiffe://example.org/ns/bank/sa/teller');
    expect(callers.principalOf(subject)).toBe('spiffe://example.org/ns/bank/sa/teller');
  });

  it('has no principal for a subject without a valid caller identity', () => {
    expect(callers.principalOf('weft.v1.rpc.shop.api.bank.Te_ller')).toBeUndefined();
    expect(callers.principalOf('weft')).toBeUndefined();
  });

  it('stays bounded whatever callers send', () => {
    const many = new BusCallers('cluster.local');
    for (let i = 0; i < 10_000; i++) {
      many.principalOf(subjects.rpc('shop', 'api', `ns${i}`, 'sa'));
    }
    expect(
      (many as unknown as { principals: Map<string, string> }).principals.size,
    ).toBeLessThanOrEqual(4096);
  });
});
