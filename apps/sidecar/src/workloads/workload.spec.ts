// Node mode's workload list: defaults, labels and identity per workload, and errors with field paths.
import { loadEnv } from '@app/runtime';
import { SidecarEnv } from '../sidecar-env.dto.js';
import { loadWorkloads, parseWorkloads } from './workload.js';

const nodeEnv = (extra: Record<string, string> = {}): SidecarEnv =>
  loadEnv(SidecarEnv, {
    WEFT_MODE: 'node',
    WEFT_INSTANCE_ID: 'node-a',
    WEFT_NAMESPACE: 'shop',
    ...extra,
  });

describe('workloads', () => {
  it('gives each workload its own service, labels, identity and app; defaults from the proxy', () => {
    const list = parseWorkloads(
      `
- { service: api, appPort: 9001, labels: { version: v2 }, instanceId: api-7, inboundPort: 16001, serviceAccount: api-sa }
- { service: web, namespace: front, appPort: 9002, appAddress: 10.0.0.5 }
`,
      'WEFT_WORKLOADS',
      nodeEnv(),
    );
    expect(list).toEqual([
      {
        service: 'api',
        namespace: 'shop',
        serviceAccount: 'api-sa',
        instanceId: 'api-7',
        labels: { version: 'v2', app: 'api' },
        appAddress: '127.0.0.1',
        appPort: 9001,
        inboundPort: 16001,
      },
      {
        service: 'web',
        namespace: 'front',
        serviceAccount: 'web',
        instanceId: 'web-node-a',
        labels: { app: 'web' },
        appAddress: '10.0.0.5',
        appPort: 9002,
        inboundPort: 0,
      },
    ]);
  });

  it('takes JSON as well (it is YAML)', () => {
    const list = parseWorkloads('[{"service":"api","appPort":9001}]', 'WEFT_WORKLOADS', nodeEnv());
    expect(list.map((w) => w.instanceId)).toEqual(['api-node-a']);
  });

  it('names the entry and field of every error', () => {
    expect(() =>
      parseWorkloads(
        '[{ service: Api, appPort: 9001 }, { service: web, appPort: 0 }]',
        'WEFT_WORKLOADS',
        nodeEnv(),
      ),
    ).toThrow(
      /WEFT_WORKLOADS\[0\]: service: must be a lower-case DNS label.*WEFT_WORKLOADS\[1\]: appPort: must not be less than 1/,
    );
  });

  it('rejects two workloads with the same instance id, and a list that is not one', () => {
    expect(() =>
      parseWorkloads(
        '[{ service: api, appPort: 1 }, { service: api, appPort: 2 }]',
        'w',
        nodeEnv(),
      ),
    ).toThrow(/w\[1\]: instanceId: instanceId api-node-a is used twice/);
    expect(() => parseWorkloads('service: api', 'w', nodeEnv())).toThrow(/must be a list/);
  });

  it('takes an outbound port of a workload’s own, once per port', () => {
    const [api, web] = parseWorkloads(
      '[{ service: api, appPort: 1, outboundPort: 15101 }, { service: web, appPort: 2 }]',
      'w',
      nodeEnv(),
    );
    expect([api.outboundPort, web.outboundPort]).toEqual([15101, undefined]);
    expect(() =>
      parseWorkloads(
        '[{ service: api, appPort: 1, outboundPort: 15101 }, { service: web, appPort: 2, outboundPort: 15101 }]',
        'w',
        nodeEnv(),
      ),
    ).toThrow(/w\[1\]: outboundPort: outboundPort 15101 is used twice/);
  });

  it('a sidecar has its one workload from WEFT_SERVICE; a node proxy without a list has none', () => {
    const sidecar = loadEnv(SidecarEnv, {
      WEFT_SERVICE: 'api',
      WEFT_APP_PORT: '9001',
      WEFT_LABELS: 'version=v1',
      WEFT_INSTANCE_ID: 'api-1',
    });
    expect(loadWorkloads(sidecar)).toEqual([
      expect.objectContaining({
        service: 'api',
        instanceId: 'api-1',
        labels: { version: 'v1', app: 'api' },
        inboundPort: 15006,
      }),
    ]);
    expect(loadWorkloads(nodeEnv())).toEqual([]);
    expect(() =>
      loadWorkloads(nodeEnv({ WEFT_WORKLOADS: '[]', WEFT_WORKLOADS_FILE: 'x' })),
    ).toThrow(/not both/);
  });
});
