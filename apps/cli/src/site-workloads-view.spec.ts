// What `weft status` says of sites: one row per site, its registered workloads and how many are ready.
import type { RegisteredWorkload } from '@app/protocol';
import { siteTable } from './site-workloads-view.js';

const workload = (instanceId: string, site: string, ready = true): RegisteredWorkload => ({
  instanceId,
  address: '10.0.0.9',
  port: 15006,
  namespace: 'shop',
  service: 'kiosk',
  serviceAccount: 'kiosk',
  labels: { app: 'kiosk' },
  site,
  group: 'kiosk',
  ready,
});

describe('siteTable', () => {
  it('lists each site with its workloads, sites in order', () => {
    const table = siteTable([
      workload('k2', 'edge-2', false),
      workload('k1', 'edge-1'),
      workload('k3', 'edge-2'),
    ]);
    expect(table.map((line) => line.split(/\s{2,}/))).toEqual([
      ['SITE', 'READY', 'WORKLOADS'],
      ['edge-1', '1/1', 'k1 (kiosk.shop)'],
      ['edge-2', '1/2', 'k2 (kiosk.shop),k3 (kiosk.shop)'],
    ]);
  });

  it('says nothing when no site has a registered workload, or the server did not say', () => {
    expect(siteTable([])).toEqual([]);
    expect(siteTable(undefined)).toEqual([]);
  });
});
