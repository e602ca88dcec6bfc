// The chart's multi-cluster values: the east-west gateway (a router in eastwest mode behind a LoadBalancer), cluster.name as every component's WEFT_CLUSTER, an operator CA from a Secret; refusals name the field.
import { join } from 'node:path';
import { CHART_DIR, helm, renderChart } from './helm.js';

interface KubeObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: unknown };
  spec?: Record<string, unknown>;
}
interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  [key: string]: unknown;
}
interface ServiceSpec {
  type: string;
  selector: Record<string, string>;
  ports: unknown[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: {
    containers: Container[];
    volumes: { name: string; secret?: { secretName: string } }[];
    serviceAccountName: string;
    terminationGracePeriodSeconds?: number;
  };
}

const EASTWEST = ['-f', join(CHART_DIR, 'ci', 'eastwest-values.yaml')];
const ADDRESS = 'eastwest.east.example.com:15443';

function get(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found;
}

function podOf(workload: KubeObject): PodTemplate {
  return (workload.spec as { template: PodTemplate }).template;
}

function envOf(container: Container): Record<string, string | undefined> {
  return Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
}

function serviceSpec(objects: KubeObject[], name: string): ServiceSpec {
  return get(objects, 'Service', name).spec as unknown as ServiceSpec;
}

/** The container of a Deployment or DaemonSet, by the workload's name. */
function container(objects: KubeObject[], kind: string, name: string): Container {
  return podOf(get(objects, kind, name)).spec.containers[0];
}

describe('k8s/charts/weft: multi-cluster', () => {
  let objects: KubeObject[];
  beforeAll(async () => {
    objects = await renderChart<KubeObject>(EASTWEST);
  });

  it("runs the gateway as a router in eastwest mode, with the router's credentials, security context and probes", () => {
    const gateway = get(objects, 'Deployment', 'weft-eastwest-gateway');
    expect(gateway.spec?.replicas).toBe(3);
    const pod = podOf(gateway);
    const router = podOf(get(objects, 'Deployment', 'weft-router'));
    const [c] = pod.spec.containers;
    expect(c.args).toEqual(['router']);
    expect(envOf(c)).toMatchObject({
      WEFT_MODE: 'eastwest',
      WEFT_CLUSTER: 'east',
      WEFT_LISTEN_PORT: '15443',
      WEFT_NATS_CREDS: '/etc/weft/nats/router.creds',
      WEFT_NAMESPACE: 'weft-system',
    });
    expect(c.ports).toEqual([
      { name: 'admin', containerPort: 15000 },
      { name: 'tls', containerPort: 15443 },
    ]);
    const [r] = router.spec.containers;
    for (const field of ['securityContext', 'readinessProbe', 'livenessProbe', 'volumeMounts']) {
      expect({ field, value: c[field] }).toEqual({ field, value: r[field] });
    }
    expect(pod.spec.serviceAccountName).toBe(router.spec.serviceAccountName);
    expect(pod.spec.terminationGracePeriodSeconds).toBe(router.spec.terminationGracePeriodSeconds);
    expect(pod.spec.volumes).toEqual(router.spec.volumes);
    // Its pods are not the routers' (the router Service never sends traffic to a gateway).
    const routerSelector = serviceSpec(objects, 'weft-router').selector;
    expect(pod.metadata.labels).not.toMatchObject(routerSelector);
  });

  it('exposes only the passthrough port on a LoadBalancer; the admin port stays inside the cluster', () => {
    const pod = podOf(get(objects, 'Deployment', 'weft-eastwest-gateway'));
    const outside = get(objects, 'Service', 'weft-eastwest-gateway');
    const spec = serviceSpec(objects, 'weft-eastwest-gateway');
    expect(spec.type).toBe('LoadBalancer');
    expect(spec.ports).toEqual([{ name: 'tls', port: 15443, targetPort: 'tls' }]);
    expect(pod.metadata.labels).toMatchObject(spec.selector);
    expect(outside.metadata.annotations).toEqual({
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
    });
    const admin = serviceSpec(objects, 'weft-eastwest-gateway-admin');
    expect(admin.type).toBe('ClusterIP');
    expect(admin.ports).toEqual([{ name: 'admin', port: 15000, targetPort: 'admin' }]);
    expect(pod.metadata.labels).toMatchObject(admin.selector);
    // The ServiceMonitor scrapes the admin Service's `admin` port, as every component's.
    const monitor = get(objects, 'ServiceMonitor', 'weft').spec as {
      selector: { matchLabels: Record<string, string> };
    };
    expect(get(objects, 'Service', 'weft-eastwest-gateway-admin').metadata.labels).toMatchObject(
      monitor.selector.matchLabels,
    );
    const pdb = get(objects, 'PodDisruptionBudget', 'weft-eastwest-gateway').spec as {
      minAvailable: number;
      selector: { matchLabels: Record<string, string> };
    };
    expect(pdb.minAvailable).toBe(2);
    expect(pod.metadata.labels).toMatchObject(pdb.selector.matchLabels);
  });

  it('serves the port it is given: listener, container and Service', async () => {
    const other = await renderChart<KubeObject>([
      ...EASTWEST,
      '--set',
      'eastwestGateway.port=16443',
    ]);
    const c = container(other, 'Deployment', 'weft-eastwest-gateway');
    expect(envOf(c).WEFT_LISTEN_PORT).toBe('16443');
    expect(c.ports).toContainEqual({ name: 'tls', containerPort: 16443 });
    expect(serviceSpec(other, 'weft-eastwest-gateway').ports).toEqual([
      { name: 'tls', port: 16443, targetPort: 'tls' },
    ]);
  });

  it("announces the gateway's address from the control plane, and gives every component WEFT_CLUSTER", () => {
    const cp = container(objects, 'Deployment', 'weft-control-plane');
    expect(envOf(cp).WEFT_EASTWEST_GATEWAY).toBe(ADDRESS);
    const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet');
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual([
      'weft-control-plane',
      'weft-eastwest-gateway',
      'weft-node-proxy',
      'weft-router',
    ]);
    for (const w of workloads) {
      const cluster = podOf(w).spec.containers.map((c) => envOf(c).WEFT_CLUSTER);
      expect({ workload: w.metadata.name, cluster }).toEqual({
        workload: w.metadata.name,
        cluster: ['east'],
      });
    }
  });

  it("gives the control plane the operator's CA from the Secret, read-only, instead of a generated root", async () => {
    const cp = get(objects, 'Deployment', 'weft-control-plane');
    const c = podOf(cp).spec.containers[0];
    expect(envOf(c)).toMatchObject({
      WEFT_CA_CERT: '/etc/weft/ca-operator/tls.crt',
      WEFT_CA_KEY: '/etc/weft/ca-operator/tls.key',
      WEFT_CA_CHAIN: '/etc/weft/ca-operator/ca.crt',
    });
    const mount = c.volumeMounts?.find((m) => m.mountPath === '/etc/weft/ca-operator');
    expect(mount).toEqual({
      name: 'ca-operator',
      mountPath: '/etc/weft/ca-operator',
      readOnly: true,
    });
    const volume = podOf(cp).spec.volumes.find((v) => v.name === mount?.name);
    expect(volume).toEqual({
      name: 'ca-operator',
      secret: { secretName: 'weft-ca-east', defaultMode: 0o440 },
    });
    // No generated root: its encryption key's Secret (maybe never made) is not mounted.
    expect(envOf(c)).not.toHaveProperty('WEFT_CA_ENCRYPTION_KEY_FILE');
    expect(JSON.stringify(cp)).not.toContain('weft-ca-key');
    // A root given as is: no chain above it.
    const root = await renderChart<KubeObject>([
      '--set',
      'controlPlane.ca.secretName=mesh-root',
      '--set',
      'controlPlane.ca.chain=false',
    ]);
    const rootEnv = envOf(container(root, 'Deployment', 'weft-control-plane'));
    expect(rootEnv.WEFT_CA_CERT).toBe('/etc/weft/ca-operator/tls.crt');
    expect(rootEnv).not.toHaveProperty('WEFT_CA_CHAIN');
  });

  it('renders no gateway, WEFT_CLUSTER or WEFT_EASTWEST_GATEWAY by default', async () => {
    const plain = await renderChart<KubeObject>(['--set', 'nodeProxy.enabled=true']);
    expect(plain.filter((o) => o.metadata.name.includes('eastwest'))).toEqual([]);
    const text = JSON.stringify(plain);
    expect(text).not.toContain('WEFT_CLUSTER');
    expect(text).not.toContain('WEFT_EASTWEST_GATEWAY');
    expect(text).not.toContain('ca-operator');
  });

  it.each([
    [
      ['--set', 'eastwestGateway.enabled=true', '--set', 'cluster.name=east'],
      "at '/eastwestGateway/address'",
    ],
    [
      ['--set', 'eastwestGateway.enabled=true', '--set', `eastwestGateway.address=${ADDRESS}`],
      "at '/cluster/name'",
    ],
    [
      [...EASTWEST, '--set', 'eastwestGateway.address=eastwest.example.com'],
      "at '/eastwestGateway/address'",
    ],
    [
      [...EASTWEST, '--set', 'eastwestGateway.address=eastwest.example.com:99999'],
      "at '/eastwestGateway/address'",
    ],
    [['--set', 'cluster.name=East'], "at '/cluster/name'"],
    [
      ['--set', 'eastwestGateway.replicaz=3'],
      "at '/eastwestGateway': additional properties 'replicaz' not allowed",
    ],
    [['--set', 'eastwestGateway.service.type=Ingress'], "at '/eastwestGateway/service/type'"],
    [['--set', 'controlPlane.ca.secretName=Mesh_CA'], "at '/controlPlane/ca/secretName'"],
  ])('refuses %j, naming the field', async (args, message) => {
    const res = await helm(['template', 'weft', CHART_DIR, '--namespace', 'weft-system', ...args]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(message);
  });
});
