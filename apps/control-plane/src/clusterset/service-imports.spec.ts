import type { EndpointEntry, ServiceExportAnnouncement } from '@app/protocol';
import { ServiceImports } from './service-imports.js';

const endpoint = (instanceId: string, cluster?: string): EndpointEntry => ({
  instanceId,
  address: '10.0.0.2',
  port: 15006,
  labels: { app: 'api' },
  namespace: 'shop',
  service: 'api',
  serviceAccount: 'api',
  ...(cluster ? { cluster } : {}),
});

const announcement = (
  cluster: string,
  endpoints: EndpointEntry[],
  exported = true,
  service = 'api',
): ServiceExportAnnouncement => ({
  v: 1,
  cluster,
  namespace: 'shop',
  service,
  exported,
  endpoints,
  sentAt: 0,
});

describe('ServiceImports', () => {
  const limits = { ttlMs: 1_000, maxImports: 2 };

  it('imports what another cluster exports, each endpoint marked with that cluster', () => {
    const imports = new ServiceImports('east', limits);
    // A `cluster` field naming another cluster than the announcer is not believed.
    expect(imports.onAnnouncement(announcement('west', [endpoint('a1', 'east')]), 0)).toBe('added');
    expect(imports.list()).toEqual([
      {
        cluster: 'west',
        namespace: 'shop',
        service: 'api',
        endpoints: [endpoint('a1', 'west')],
        heardAt: 0,
      },
    ]);
    expect(imports.serviceKeys()).toEqual(new Set(['shop/api']));
  });

  it('ignores its own cluster, tells unchanged from updated, and drops a withdrawn export', () => {
    const imports = new ServiceImports('east', limits);
    expect(imports.onAnnouncement(announcement('east', [endpoint('a1')]), 0)).toBe('own');
    expect(imports.onAnnouncement(announcement('west', [endpoint('a1')]), 0)).toBe('added');
    expect(imports.onAnnouncement(announcement('west', [endpoint('a1')]), 10)).toBe('unchanged');
    expect(imports.onAnnouncement(announcement('west', [endpoint('a2')]), 20)).toBe('updated');
    expect(imports.onAnnouncement(announcement('west', [], false), 30)).toBe('removed');
    expect(imports.list()).toEqual([]);
    expect(imports.onAnnouncement(announcement('west', [], false), 40)).toBe('unchanged');
  });

  it('expires an import not announced again within the TTL (its cluster is gone or cut off)', () => {
    const imports = new ServiceImports('east', limits);
    imports.onAnnouncement(announcement('west', [endpoint('a1')]), 0);
    imports.onAnnouncement(announcement('north', [endpoint('n1')]), 900);
    expect(imports.expire(1_000)).toBe(false);
    expect(imports.expire(1_001)).toBe(true);
    expect(imports.list().map((i) => i.cluster)).toEqual(['north']);
  });

  it('holds at most maxImports: another cluster cannot make it hold more', () => {
    const imports = new ServiceImports(undefined, limits);
    expect(imports.onAnnouncement(announcement('west', [], true, 'a'), 0)).toBe('added');
    expect(imports.onAnnouncement(announcement('west', [], true, 'b'), 0)).toBe('added');
    expect(imports.onAnnouncement(announcement('west', [], true, 'c'), 0)).toBe('refused');
    // Held ones still update.
    expect(imports.onAnnouncement(announcement('west', [endpoint('a1')], true, 'a'), 1)).toBe(
      'updated',
    );
    expect([...imports.serviceKeys()].sort()).toEqual(['shop/a', 'shop/b']);
  });
});
