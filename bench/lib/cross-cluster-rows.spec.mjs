// What each cross-cluster row applies, and the name its calls go by.
import { describe, expect, it } from '@jest/globals';
import { CROSS_CLUSTER_ROWS, pathResources } from './cross-cluster-rows.mjs';

const byId = (id) => CROSS_CLUSTER_ROWS.find((row) => row.id === id);

describe('pathResources', () => {
  it('calls a local HTTP Service by its name and applies nothing', () => {
    expect(pathResources(byId('weft-local-http'))).toEqual({
      callee: [],
      caller: [],
      host: 'local-http',
    });
  });

  it('puts a local bus row on the bus with a TrafficPolicy in the caller`s cluster', () => {
    const { callee, caller, host } = pathResources(byId('weft-local-bus'));
    expect(callee).toEqual([]);
    expect(caller).toEqual([
      {
        apiVersion: 'weft.dev/v1alpha1',
        kind: 'TrafficPolicy',
        metadata: { name: 'local-bus', namespace: 'default' },
        spec: { targetRefs: [{ kind: 'Service', name: 'local-bus' }], transport: 'bus' },
      },
    ]);
    expect(host).toBe('local-bus');
  });

  it('exports the cross-cluster callee in its cluster and calls it by its clusterset name', () => {
    const row = byId('weft-cross-bus');
    expect(row.cluster).toBe('west');
    const { callee, caller, host } = pathResources(row);
    expect(callee).toEqual([
      {
        apiVersion: 'weft.dev/v1alpha1',
        kind: 'ServiceExport',
        metadata: { name: 'remote-bus', namespace: 'default' },
      },
    ]);
    expect(caller.map((r) => r.kind)).toEqual(['TrafficPolicy']);
    expect(host).toBe('remote-bus.default.svc.clusterset.local');
  });

  it('exports the gateway row`s callee and calls it over HTTP by its clusterset name, no policy', () => {
    const row = byId('weft-cross-http');
    expect(row).toMatchObject({ cluster: 'west', transport: 'http', gateway: true });
    expect(pathResources(row)).toEqual({
      callee: [
        {
          apiVersion: 'weft.dev/v1alpha1',
          kind: 'ServiceExport',
          metadata: { name: 'remote-http', namespace: 'default' },
        },
      ],
      caller: [],
      host: 'remote-http.default.svc.clusterset.local',
    });
  });
});
