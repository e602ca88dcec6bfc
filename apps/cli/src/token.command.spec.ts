import { entitlementOf } from './token.command.js';

const base = { role: 'proxy', workload: [] as string[] };

describe('weft token create: the entitlement its options ask for', () => {
  it('a proxy: namespace, service, service account defaulting to the service', () => {
    expect(entitlementOf({ ...base, namespace: 'shop', service: 'web' })).toEqual({
      role: 'proxy',
      identity: { namespace: 'shop', service: 'web', serviceAccount: 'web' },
    });
  });

  it('a node proxy: each --workload ns/service[/sa]', () => {
    expect(
      entitlementOf({
        ...base,
        role: 'node',
        namespace: 'infra',
        service: 'node',
        workload: ['shop/web', 'bank/ledger/ledger-sa'],
      }),
    ).toEqual({
      role: 'node',
      identity: { namespace: 'infra', service: 'node', serviceAccount: 'node' },
      workloads: [
        { namespace: 'shop', service: 'web', serviceAccount: 'web' },
        { namespace: 'bank', service: 'ledger', serviceAccount: 'ledger-sa' },
      ],
    });
  });

  it('a node proxy with no workloads of its own (only its outbound listener)', () => {
    expect(entitlementOf({ ...base, role: 'node', namespace: 'i', service: 'node' })).toEqual({
      role: 'node',
      identity: { namespace: 'i', service: 'node', serviceAccount: 'node' },
      workloads: [],
    });
  });

  it("a site's link: only the workloads the site runs, no identity of its own", () => {
    expect(entitlementOf({ ...base, role: 'site-link', workload: ['shop/kiosk'] })).toEqual({
      role: 'site-link',
      workloads: [{ namespace: 'shop', service: 'kiosk', serviceAccount: 'kiosk' }],
    });
  });

  it.each([
    [{ ...base }, /--namespace must be/],
    [{ ...base, role: 'site-link' }, /--workload is required for site-link/],
    [{ ...base, namespace: 'Shop', service: 'web' }, /--namespace must be/],
    [{ ...base, namespace: 'shop', service: 'web', serviceAccount: 'a.b' }, /--service-account/],
    [
      { ...base, role: 'node', namespace: 'i', service: 'n', workload: ['x'] },
      /--workload x: service/,
    ],
    [
      { ...base, namespace: 's', service: 'w', workload: ['s/w'] },
      /for --role node and site-link only/,
    ],
    [{ ...base, role: 'cli-read' }, /--name is required/],
    [{ ...base, role: 'control-plane' }, /not a role/],
  ])('refuses %j', (opts, message) => {
    expect(() => entitlementOf(opts)).toThrow(message);
  });
});
