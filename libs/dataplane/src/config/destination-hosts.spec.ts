// Unit spec for serviceNamedBy: every name serviceHostnames gives a Service leads back to it.
import { describe, expect, it } from '@jest/globals';
import { serviceHostnames } from '../routing/route-compiler.js';
import { serviceNamedBy } from './destination-hosts.js';

describe('serviceNamedBy', () => {
  it('reads back every host name a Service answers to', () => {
    for (const host of serviceHostnames('reviews', 'shop', 'shop'))
      expect([host, serviceNamedBy(host, 'shop')]).toEqual([host, 'shop/reviews']);
    expect(serviceNamedBy('reviews', 'default')).toBe('default/reviews');
    expect(serviceNamedBy('reviews.shop.svc.clusterset.local', 'default')).toBe('shop/reviews');
  });

  it('names no Service for hosts that cannot be one (they may still be aliases)', () => {
    for (const host of [
      'payments.example.com',
      'x.svc',
      'x.svc.clusterset.local',
      'a.b.c',
      'Upper',
      'under_score.ns',
    ])
      expect([host, serviceNamedBy(host, 'default')]).toEqual([host, undefined]);
  });
});
