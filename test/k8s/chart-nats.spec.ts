// The chart's own NATS (nats.install): what it renders, its server config checked and run by the real nats-server with a real `weft nats-config` trust, and the values its schema refuses.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { readNatsCredentials } from '@app/runtime/nats-credentials.js';
import { CONTROL_PLANE_CREDS, SERVER_CONFIG_FILE } from '../../apps/cli/src/nats-auth/auth-dir.js';
import { natsConfigCommand } from '../../apps/cli/src/nats-config.command.js';
import { findNatsBinary } from '../support/nats-backend.js';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/wait-for.js';
import { CHART_DIR, helm, renderChart } from './helm.js';
import { KubernetesSchemas } from './kubernetes-schemas.js';

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}
interface Probe {
  httpGet: { path: string; port: string };
}
interface NatsPod {
  securityContext: Record<string, unknown>;
  containers: {
    name: string;
    image: string;
    command: string[];
    volumeMounts: { name: string; mountPath: string }[];
    env: { name: string; value?: string }[];
    startupProbe: Probe;
    readinessProbe: Probe;
    livenessProbe: Probe;
    securityContext: Record<string, unknown>;
    lifecycle: { preStop: { exec: { command: string[] } } };
  }[];
  volumes: { name: string; projected?: { sources: unknown[] } }[];
}
interface StatefulSetSpec {
  replicas: number;
  serviceName: string;
  podManagementPolicy: string;
  selector: { matchLabels: Record<string, string> };
  template: { spec: NatsPod };
  volumeClaimTemplates: { spec: Record<string, unknown> }[];
}

const NATS = ['--set', 'nats.install=true'];
// chart.spec.ts also runs helm lint --strict and the schemas over it, as over every ci/ file.
const VALUES = join(CHART_DIR, 'ci', 'nats-values.yaml');
const NATS_SERVER = findNatsBinary();

function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found;
}

function natsUrlOf(objects: KubeObject[], deployment: string): string | undefined {
  const spec = find(objects, 'Deployment', deployment).spec as {
    template: { spec: { containers: { env: { name: string; value?: string }[] }[] } };
  };
  return spec.template.spec.containers[0].env.find((e) => e.name === 'NATS_URL')?.value;
}

/** The server config the chart renders (ConfigMap weft-nats-config, key nats.conf). */
async function renderedServerConfig(...args: string[]): Promise<string> {
  const objects = await renderChart<KubeObject>([...NATS, ...args]);
  return find(objects, 'ConfigMap', 'weft-nats-config').data!['nats.conf'];
}

/** `weft nats-config --out <dir>`, the command itself, its progress lines kept off the output. */
async function weftNatsConfig(dir: string): Promise<void> {
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    await natsConfigCommand().parseAsync(['--out', dir], { from: 'user' });
  } finally {
    write.mockRestore();
  }
}

describe('the chart with nats.install', () => {
  let objects: KubeObject[];
  beforeAll(async () => {
    objects = await renderChart<KubeObject>(['-f', VALUES]);
  });

  it('renders objects valid against the Kubernetes schemas, unknown fields refused', async () => {
    const schemas = KubernetesSchemas.load(objects);
    const problems = (await Promise.all(objects.map((o) => schemas.problems(o)))).flat();
    expect(problems).toEqual([]);
    expect(
      objects
        .filter((o) => o.metadata.name.startsWith('weft-nats'))
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort(),
    ).toEqual([
      'ConfigMap/weft-nats-config',
      'NetworkPolicy/weft-nats',
      'PodDisruptionBudget/weft-nats',
      'Service/weft-nats',
      'Service/weft-nats-headless',
      'StatefulSet/weft-nats',
    ]);
  });

  it('runs 3 JetStream servers, each with its own volume, started together', () => {
    const set = find(objects, 'StatefulSet', 'weft-nats').spec as unknown as StatefulSetSpec;
    expect(set).toMatchObject({
      replicas: 3,
      serviceName: 'weft-nats-headless',
      podManagementPolicy: 'Parallel',
    });
    expect(set.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'fast-ssd',
      resources: { requests: { storage: '20Gi' } },
    });
    const headless = find(objects, 'Service', 'weft-nats-headless').spec;
    expect(headless).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    // Only the servers reach each other's route port; clients and monitoring any.
    const ingress = find(objects, 'NetworkPolicy', 'weft-nats').spec?.ingress;
    expect(ingress).toEqual([
      { ports: [{ port: 'client' }, { port: 'monitor' }] },
      {
        from: [{ podSelector: { matchLabels: set.selector.matchLabels } }],
        ports: [{ port: 'cluster' }],
      },
    ]);
    // A quorum of 3 stays through voluntary disruptions.
    expect(find(objects, 'PodDisruptionBudget', 'weft-nats').spec).toMatchObject({
      minAvailable: 2,
    });
  });

  it("probes JetStream on the monitoring port, runs non-root and read-only, mounts weft nats-config's trust", () => {
    const set = find(objects, 'StatefulSet', 'weft-nats').spec as unknown as StatefulSetSpec;
    const pod = set.template.spec;
    const [nats] = pod.containers;
    expect(nats.image).toBe('nats:2.9.10-alpine');
    // The config file it runs is the ConfigMap's key, where the config volume is mounted.
    const mount = nats.volumeMounts.find((m) => m.name === 'config')?.mountPath;
    expect(nats.command).toEqual(['nats-server', '--config', `${mount}/nats.conf`]);
    for (const probe of [nats.startupProbe, nats.readinessProbe, nats.livenessProbe]) {
      expect(probe.httpGet).toEqual({ path: '/healthz?js-enabled-only=true', port: 'monitor' });
    }
    expect(nats.lifecycle.preStop.exec.command.join(' ')).toContain(
      'nats-server --signal ldm=/var/run/nats/nats.pid',
    );
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, fsGroup: 1000 });
    expect(nats.securityContext).toEqual({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.volumes.find((v) => v.name === 'config')?.projected?.sources).toEqual([
      { configMap: { name: 'weft-nats-config' } },
      {
        secret: {
          name: 'weft-nats-server',
          items: [{ key: 'nats-server.conf', path: 'auth.conf' }],
        },
      },
    ]);
  });

  it("points every component at the chart's NATS by its namespaced name, unless nats.url says otherwise", async () => {
    const url = 'nats://weft-nats.weft-system.svc:4222';
    expect(natsUrlOf(objects, 'weft-control-plane')).toBe(url);
    expect(natsUrlOf(objects, 'weft-router')).toBe(url);
    const own = await renderChart<KubeObject>([...NATS, '--set', 'nats.url=nats://mine:4222']);
    expect(natsUrlOf(own, 'weft-control-plane')).toBe('nats://mine:4222');
    const without = await renderChart<KubeObject>([]);
    expect(natsUrlOf(without, 'weft-control-plane')).toBe('nats://nats:4222');
    expect(without.filter((o) => o.metadata.name.startsWith('weft-nats'))).toEqual([]);
  });

  it("names the chart's NATS and its trust Secret in NOTES", async () => {
    const res = await helm([
      'install',
      'weft',
      CHART_DIR,
      '--namespace',
      'weft-system',
      '--dry-run=client',
      ...NATS,
    ]);
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain('connect to NATS at nats://weft-nats.weft-system.svc:4222');
    expect(res.stdout).toContain('3 JetStream servers (statefulset/weft-nats)');
    expect(res.stdout).toContain('the Secret "weft-nats-server"');
  });

  it('runs a single server without cluster routes or a disruption budget', async () => {
    const single = await renderChart<KubeObject>([...NATS, '--set', 'nats.server.replicas=1']);
    expect(
      single.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name),
    ).toEqual(['weft-control-plane', 'weft-router']);
    expect(find(single, 'ConfigMap', 'weft-nats-config').data!['nats.conf']).not.toContain(
      'cluster {',
    );
  });

  it.each([
    [
      ['--set', 'nats.server.replicas=2'],
      "at '/nats/server/replicas': value must be one of 1, 3, 5",
    ],
    [['--set', 'nats.server.replicas=4'], "at '/nats/server/replicas'"],
    [
      ['--set', 'nats.server.jetstream.storage.size=10GB'],
      "at '/nats/server/jetstream/storage/size'",
    ],
    [
      ['--set', 'nats.server.jetstream.maxMemoryStore=256'],
      "at '/nats/server/jetstream/maxMemoryStore'",
    ],
    [['--set', 'nats.server.authSecretName='], "at '/nats/server/authSecretName'"],
    [['--set', 'nats.enabled=true'], "at '/nats': additional properties 'enabled' not allowed"],
    [
      ['--set', 'controlPlane.kvReplicas=3', '--set', 'nats.server.replicas=1'],
      'controlPlane.kvReplicas: 3 JetStream replicas need as many NATS servers; nats.server.replicas is 1',
    ],
    [
      ['--set', 'nats.tls.secretName=nats-client-tls'],
      "nats.tls.secretName: the chart's NATS (nats.install) serves no TLS",
    ],
  ])('refuses %j, naming the field', async (args, message) => {
    const res = await helm(['template', 'weft', CHART_DIR, ...NATS, ...args]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(message);
  });
});

describe("the chart's nats-server config, with a real `weft nats-config` trust", () => {
  let dir: string;
  let auth: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-chart-nats-'));
    await weftNatsConfig(join(dir, 'mesh-auth'));
    auth = await readFile(join(dir, 'mesh-auth', SERVER_CONFIG_FILE), 'utf8');
    // Key generation and JWT signing are slow inside jest's VM.
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** The config folder as the pod mounts it: the chart's nats.conf, the Secret's file as auth.conf. */
  async function configFolder(name: string, config: string): Promise<string> {
    const folder = join(dir, name);
    await mkdir(folder);
    await writeFile(join(folder, 'nats.conf'), config);
    await writeFile(join(folder, 'auth.conf'), auth);
    return join(folder, 'nats.conf');
  }

  function natsServerTest(config: string, env: Record<string, string>) {
    return spawnSync(NATS_SERVER, ['-t', '-c', config], { encoding: 'utf8', env });
  }

  it.each([1, 3, 5])('passes nats-server -t with %i servers', async (replicas) => {
    const config = await configFolder(
      `test-${replicas}`,
      await renderedServerConfig('--set', `nats.server.replicas=${replicas}`),
    );
    const res = natsServerTest(config, { SERVER_NAME: 'weft-nats-0' });
    expect(`${res.stdout}${res.stderr}`).toContain('is valid');
    expect(res.status).toBe(0);
  });

  it("fails nats-server -t without the pod's SERVER_NAME", async () => {
    const config = await configFolder('no-env', await renderedServerConfig());
    const res = natsServerTest(config, {});
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain("variable reference for 'SERVER_NAME'");
  });

  describe('run by nats-server (one server, its in-pod folders and ports mapped to this machine)', () => {
    let server: ChildProcess | undefined;
    let log = '';
    afterAll(() => {
      server?.kill('SIGKILL');
    });

    it('trusts the operator, keeps the account JWTs on its volume and serves JetStream to the control plane', async () => {
      const [client, monitor] = [await freePort(), await freePort()];
      const data = join(dir, 'run-data');
      const rendered = await renderedServerConfig('--set', 'nats.server.replicas=1');
      const mapped = rendered
        .replaceAll('"/data', `"${data}`)
        .replaceAll('"/var/run/nats', `"${dir}`)
        .replace('"0.0.0.0:4222"', `"127.0.0.1:${client}"`)
        .replace('"0.0.0.0:8222"', `"127.0.0.1:${monitor}"`);
      const config = await configFolder('run', mapped);
      server = spawn(NATS_SERVER, ['-c', config], { env: { SERVER_NAME: 'weft-nats-0' } });
      server.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
      await waitFor(
        "nats-server's /healthz?js-enabled-only=true",
        async () => {
          const res = await fetch(`http://127.0.0.1:${monitor}/healthz?js-enabled-only=true`);
          return res.ok ? true : undefined;
        },
        45_000,
      ).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\nnats-server's log:\n${log.slice(-2000)}`);
      });
      // The resolver's folder is the pod's volume, not the one weft nats-config wrote.
      expect(
        (await readdir(join(data, 'resolver'))).filter((f) => f.endsWith('.jwt')),
      ).toHaveLength(2);
      const creds = await readNatsCredentials(join(dir, 'mesh-auth', CONTROL_PLANE_CREDS));
      const nc = await connect({
        servers: `nats://127.0.0.1:${client}`,
        ...creds,
        timeout: 10_000,
      });
      try {
        const info = await (await jetstreamManager(nc)).getAccountInfo();
        expect(info.limits.max_storage).not.toBe(0);
      } finally {
        await nc.close();
      }
    }, 120_000);
  });
});
