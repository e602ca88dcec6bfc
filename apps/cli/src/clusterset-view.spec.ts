// What `weft status` says of clusters: the control plane's cluster, and its imports one row each.
import type { ClustersetInfo } from '@app/protocol';
import { clusterNote, importTable } from './clusterset-view.js';

const endpoint = (instanceId: string, cluster: string) => ({
  instanceId,
  address: '10.0.0.1',
  port: 15006,
  namespace: 'shop',
  service: 'api',
  serviceAccount: 'api',
  labels: {},
  cluster,
});

const east: ClustersetInfo = {
  cluster: 'east',
  imports: [
    {
      cluster: 'west',
      namespace: 'shop',
      service: 'api',
      endpoints: [endpoint('api-w1', 'west'), endpoint('api-w2', 'west')],
      heardAt: 1,
    },
    { cluster: 'south', namespace: 'shop', service: 'cart', endpoints: [], heardAt: 1 },
  ],
};

describe('clusterNote', () => {
  it("names the control plane's cluster, and says nothing where none is set or the server did not say", () => {
    expect(clusterNote(east)).toBe(', cluster east');
    expect(clusterNote({ cluster: null, imports: [] })).toBe('');
    expect(clusterNote(undefined)).toBe('');
  });
});

describe('importTable', () => {
  it('lists each imported Service with its exporting cluster and instances', () => {
    expect(importTable(east)).toEqual([
      'IMPORTED SERVICE   FROM CLUSTER   ENDPOINTS   INSTANCES',
      'api.shop           west           2           api-w1,api-w2',
      'cart.shop          south          0           —',
    ]);
  });

  it('has no lines when nothing is imported', () => {
    expect(importTable({ cluster: 'east', imports: [] })).toEqual([]);
    expect(importTable(undefined)).toEqual([]);
  });
});
