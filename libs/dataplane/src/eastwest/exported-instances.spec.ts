import type { EndpointEntry, ServiceExportAnnouncement } from '@app/protocol';
import { ExportedInstances } from './exported-instances.js';

const entry = (instanceId: string, extra: Partial<EndpointEntry> = {}): EndpointEntry => ({
  instanceId,
  address: '10.0.0.2',
  port: 15006,
  labels: { app: 'api' },
  namespace: 'shop',
  service: 'api',
  serviceAccount: 'api',
  ...extra,
});

const announced = (
  endpoints: EndpointEntry[],
  { cluster = 'west', service = 'api', exported = true } = {},
): ServiceExportAnnouncement => ({
  v: 1,
  cluster,
  namespace: 'shop',
  service,
  exported,
  endpoints,
  sentAt: 0,
});

const target = (instanceId: string, service = 'api', cluster = 'west') => ({
  instanceId,
  service,
  namespace: 'shop',
  cluster,
});

describe('ExportedInstances', () => {
  const limits = { ttlMs: 1_000, maxServices: 2 };

  it('routes to the meshed instances of an exported Service of its own cluster', () => {
    const table = new ExportedInstances('west', limits);
    table.onAnnouncement(
      announced([
        entry('a1'),
        entry('a2', { plaintext: true }),
        entry('a3', { unmeshed: true }),
        entry('e1', { sni: 'e1.api.shop.east.eastwest.weft', cluster: 'east' }),
      ]),
      0,
    );
    expect(table.resolve(target('a1'))).toEqual({ address: '10.0.0.2', port: 15006 });
    for (const id of ['a2', 'a3', 'e1', 'zz'])
      expect(table.resolve(target(id))).toBe('unknown_instance');
    expect(table.resolve(target('a1', 'catalog'))).toBe('not_exported');
    expect(table.resolve(target('a1', 'api', 'east'))).toBe('other_cluster');
  });

  it('ignores other clusters’ announcements and forgets a withdrawn export', () => {
    const table = new ExportedInstances('west', limits);
    table.onAnnouncement(announced([entry('a1')], { cluster: 'east' }), 0);
    expect(table.size).toBe(0);
    table.onAnnouncement(announced([entry('a1')]), 0);
    table.onAnnouncement(announced([], { exported: false }), 1);
    expect(table.resolve(target('a1'))).toBe('not_exported');
  });

  it('replaces the instances at each announcement', () => {
    const table = new ExportedInstances('west', limits);
    table.onAnnouncement(announced([entry('a1')]), 0);
    table.onAnnouncement(announced([entry('a2')]), 1);
    expect(table.resolve(target('a1'))).toBe('unknown_instance');
    expect(table.resolve(target('a2'))).toEqual({ address: '10.0.0.2', port: 15006 });
  });

  it('drops an export not announced within the TTL', () => {
    const table = new ExportedInstances('west', limits);
    table.onAnnouncement(announced([entry('a1')]), 0);
    table.expire(1_000);
    expect(table.size).toBe(1);
    table.expire(1_001);
    expect(table.resolve(target('a1'))).toBe('not_exported');
  });

  it('holds at most maxServices', () => {
    const table = new ExportedInstances('west', limits);
    for (const service of ['a', 'b', 'c'])
      table.onAnnouncement(announced([entry('x')], { service }), 0);
    expect(table.size).toBe(2);
    expect(table.resolve(target('x', 'c'))).toBe('not_exported');
    // Held ones still update.
    table.onAnnouncement(announced([entry('y')], { service: 'a' }), 1);
    expect(table.resolve(target('y', 'a'))).toEqual({ address: '10.0.0.2', port: 15006 });
  });
});
