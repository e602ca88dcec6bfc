// The Helm chart with a real helm: lint, template with every ci values file, schema rejections, every object valid, every value documented.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { RESOURCE_ATTRIBUTE_ENV } from '../../apps/control-plane/src/injection/resource-attribute-env.js';
import { CHART_DIR, helm, renderChart } from './helm.js';
import { KubernetesSchemas } from './kubernetes-schemas.js';

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}
interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodWithVolumes {
  containers: Container[];
  volumes: { name: string; secret?: unknown }[];
}

const VALUES_FILES = readdirSync(join(CHART_DIR, 'ci')).filter((f) => f.endsWith('-values.yaml'));
const RELEASE = ['weft', '--namespace', 'weft-system'];

/** `helm template` of the chart with these arguments; throws helm's stderr. */
function render(...args: string[]): Promise<KubeObject[]> {
  return renderChart<KubeObject>(args);
}

function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found)
    throw new Error(
      `no ${kind}/${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  return found;
}

function containersOf(workload: KubeObject): Container[] {
  const pod = (workload.spec as { template: { spec: { containers: Container[] } } }).template.spec;
  return pod.containers;
}

function env(container: Container, name: string): string | undefined {
  return container.env?.find((e) => e.name === name)?.value;
}

describe('k8s/charts/weft', () => {
  it.each(VALUES_FILES)('passes helm lint --strict with ci/%s', async (file) => {
    const res = await helm(['lint', '--strict', CHART_DIR, '-f', join(CHART_DIR, 'ci', file)]);
    expect(`${res.stdout}${res.stderr}`).toContain('0 chart(s) failed');
    expect(res.code).toBe(0);
  });

  it.each(VALUES_FILES)(
    'renders ci/%s into objects valid against the Kubernetes schemas, unknown fields refused',
    async (file) => {
      const objects = await render('-f', join(CHART_DIR, 'ci', file));
      expect(objects.length).toBeGreaterThan(0);
      const schemas = KubernetesSchemas.load(objects);
      const problems = (await Promise.all(objects.map((o) => schemas.problems(o)))).flat();
      expect(problems).toEqual([]);
    },
  );

  it('runs every container as uid 1337, read-only, without privileges', async () => {
    const objects = await render('-f', join(CHART_DIR, 'ci', 'full-values.yaml'));
    const workloads = objects.filter((o) => ['Deployment', 'DaemonSet'].includes(o.kind));
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual([
      'weft-control-plane',
      'weft-node-proxy',
      'weft-router',
    ]);
    for (const container of workloads.flatMap(containersOf)) {
      expect(container.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 1337,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  it("names every container's pod, namespace and node in OTEL_RESOURCE_ATTRIBUTES, as the injected sidecar does", async () => {
    const objects = await render('-f', join(CHART_DIR, 'ci', 'full-values.yaml'));
    const workloads = objects.filter((o) => ['Deployment', 'DaemonSet'].includes(o.kind));
    const names = new Set<string>(RESOURCE_ATTRIBUTE_ENV.map((e) => e.name));
    for (const container of workloads.flatMap(containersOf)) {
      // In this order: Kubernetes expands $(K8S_POD_NAME) only from variables listed before.
      expect({
        container: container.name,
        env: container.env?.filter((e) => names.has(e.name)),
      }).toEqual({ container: container.name, env: RESOURCE_ATTRIBUTE_ENV });
    }
  });

  it('gives every component the NATS TLS files of nats.tls, mounted read-only', async () => {
    const objects = await render(
      '--set',
      'nats.tls.secretName=nats-client-tls',
      '--set',
      'nats.tls.clientCertificate=true',
      '--set',
      'router.enabled=true',
      '--set',
      'nodeProxy.enabled=true',
    );
    const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet');
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual(
      expect.arrayContaining(['weft-control-plane', 'weft-node-proxy', 'weft-router']),
    );
    for (const workload of workloads) {
      const pod = (workload.spec as { template: { spec: PodWithVolumes } }).template.spec;
      expect(pod.volumes).toContainEqual({
        name: 'nats-tls',
        secret: { secretName: 'nats-client-tls', defaultMode: 0o440 },
      });
      const [container] = pod.containers;
      expect(env(container, 'WEFT_NATS_TLS_CA')).toBe('/etc/weft/nats-tls/ca.crt');
      expect(env(container, 'WEFT_NATS_TLS_CERT')).toBe('/etc/weft/nats-tls/tls.crt');
      expect(env(container, 'WEFT_NATS_TLS_KEY')).toBe('/etc/weft/nats-tls/tls.key');
      expect(container.volumeMounts).toContainEqual({
        name: 'nats-tls',
        mountPath: '/etc/weft/nats-tls',
        readOnly: true,
      });
    }
    const plain = containersOf(find(await render(), 'Deployment', 'weft-control-plane'))[0];
    expect(env(plain, 'WEFT_NATS_TLS_CA')).toBeUndefined();
  });

  it('deploys 2 control plane replicas with a PDB, a Service, RBAC and the NATS credentials', async () => {
    const objects = await render();
    const cp = find(objects, 'Deployment', 'weft-control-plane');
    expect(cp.spec?.replicas).toBe(2);
    const [container] = containersOf(cp);
    expect(container.args).toEqual(['control-plane']);
    expect(env(container, 'NATS_URL')).toBe('nats://nats:4222');
    expect(env(container, 'WEFT_NATS_CREDS')).toBe('/etc/weft/nats/control-plane.creds');
    expect(env(container, 'WEFT_KUBERNETES')).toBe('in-cluster');
    expect(env(container, 'WEFT_ADMIN_TOKEN_FILE')).toBeUndefined();
    // Secure by default: the CA is on, its key's encryption key mounted from a Secret.
    expect(env(container, 'WEFT_CA_ENCRYPTION_KEY_FILE')).toBe('/etc/weft/ca/key');
    const volumes = (
      cp.spec as { template: { spec: { volumes: { name: string; secret?: unknown }[] } } }
    ).template.spec.volumes;
    expect(volumes).toEqual(
      expect.arrayContaining([
        {
          name: 'nats-credentials',
          secret: { secretName: 'weft-nats-credentials', defaultMode: 0o440 },
        },
        { name: 'ca-key', secret: { secretName: 'weft-ca-key', defaultMode: 0o440 } },
      ]),
    );
    expect(find(objects, 'PodDisruptionBudget', 'weft-control-plane').spec).toMatchObject({
      minAvailable: 1,
    });
    expect(find(objects, 'Service', 'weft-control-plane').spec?.ports).toEqual([
      { name: 'admin', port: 15010, targetPort: 'admin' },
      { name: 'injection', port: 15017, targetPort: 'injection' },
    ]);
    expect(find(objects, 'ClusterRoleBinding', 'weft-control-plane')).toBeDefined();
    const router = find(objects, 'Deployment', 'weft-router');
    expect(env(containersOf(router)[0], 'WEFT_MODE')).toBe('router');
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    expect(objects.filter((o) => o.kind === 'DaemonSet')).toEqual([]);
  });

  it('renders edge routers for a Gateway with an autoscaler instead of a fixed replica count', async () => {
    const objects = await render('-f', join(CHART_DIR, 'ci', 'edge-values.yaml'));
    const router = find(objects, 'Deployment', 'weft-router');
    expect(router.spec?.replicas).toBeUndefined();
    const [container] = containersOf(router);
    expect(env(container, 'WEFT_MODE')).toBe('edge');
    expect(env(container, 'WEFT_GATEWAY')).toBe('public');
    expect(find(objects, 'HorizontalPodAutoscaler', 'weft-router').spec).toMatchObject({
      minReplicas: 3,
      maxReplicas: 12,
    });
    expect(find(objects, 'Service', 'weft-router').spec).toMatchObject({ type: 'LoadBalancer' });
  });

  it('serves sidecar injection with a certificate it generates and the webhook configuration trusts', async () => {
    const objects = await render();
    const data = find(objects, 'Secret', 'weft-injection-tls').data as Record<string, string>;
    const pem = (key: string) => Buffer.from(data[key], 'base64');
    const ca = new X509Certificate(pem('ca.crt'));
    const leaf = new X509Certificate(pem('tls.crt'));
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkPrivateKey(createPrivateKey(pem('tls.key')))).toBe(true);
    // The name the API server calls the Service by.
    expect(leaf.checkHost('weft-control-plane.weft-system.svc')).toBe(
      'weft-control-plane.weft-system.svc',
    );
    const webhooks = find(objects, 'MutatingWebhookConfiguration', 'weft-injection').webhooks as {
      name: string;
      clientConfig: unknown;
      namespaceSelector: unknown;
    }[];
    expect(webhooks.map((w) => w.name)).toEqual([
      'namespace.inject.weft.dev',
      'pod.inject.weft.dev',
    ]);
    for (const webhook of webhooks) {
      expect(webhook.clientConfig).toEqual({
        service: {
          name: 'weft-control-plane',
          namespace: 'weft-system',
          path: '/inject',
          port: 15017,
        },
        caBundle: data['ca.crt'],
      });
    }
    expect(webhooks[0].namespaceSelector).toEqual({
      matchLabels: { 'weft.dev/inject': 'enabled' },
    });
    const [cp] = containersOf(find(objects, 'Deployment', 'weft-control-plane'));
    expect(env(cp, 'WEFT_INJECTION_PORT')).toBe('15017');
    expect(env(cp, 'WEFT_INJECTION_IMAGE')).toBe('weft:0.1.0');
    expect(env(cp, 'WEFT_INJECTION_TLS_CERT')).toBe('/etc/weft/injection/tls.crt');
  });

  it('renders no webhook and no webhook settings with injection.enabled=false', async () => {
    const objects = await render('--set', 'injection.enabled=false');
    expect(objects.filter((o) => o.kind === 'MutatingWebhookConfiguration')).toEqual([]);
    const cp = find(objects, 'Deployment', 'weft-control-plane');
    expect(JSON.stringify(cp)).not.toContain('INJECTION');
  });

  it('mints proxy credentials with the signing key Secret: mounted by the control plane only, create on Secrets, no dry-run side effects', async () => {
    const objects = await render('-f', join(CHART_DIR, 'ci', 'full-values.yaml'));
    const cp = find(objects, 'Deployment', 'weft-control-plane');
    const [container] = containersOf(cp);
    expect(env(container, 'WEFT_NATS_ACCOUNT_SIGNING_KEY_FILE')).toBe(
      '/etc/weft/account-signing/weft-account-signing.nk',
    );
    expect(container.volumeMounts).toContainEqual({
      name: 'account-signing-key',
      mountPath: '/etc/weft/account-signing',
      readOnly: true,
    });
    const pod = (cp.spec as { template: { spec: PodWithVolumes } }).template.spec;
    expect(pod.volumes).toContainEqual({
      name: 'account-signing-key',
      secret: { secretName: 'weft-account-signing-key', defaultMode: 0o440 },
    });
    // Nothing else mounts the account's key.
    const others = objects.filter(
      (o) => o !== cp && JSON.stringify(o).includes('weft-account-signing-key'),
    );
    expect(others).toEqual([]);
    const rules = find(objects, 'ClusterRole', 'weft-control-plane').rules as {
      resources: string[];
      verbs: string[];
    }[];
    expect(rules.filter((r) => r.resources.includes('secrets'))).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    ]);
    expect(rules).toContainEqual({
      apiGroups: [''],
      resources: ['serviceaccounts'],
      verbs: ['get'],
    });
    const webhooks = find(objects, 'MutatingWebhookConfiguration', 'weft-injection').webhooks as {
      sideEffects: string;
    }[];
    expect(webhooks.map((w) => w.sideEffects)).toEqual(['NoneOnDryRun', 'NoneOnDryRun']);
    // Injected proxies get the NATS TLS Secret of their namespace, as the components get theirs.
    expect(env(container, 'WEFT_INJECTION_NATS_TLS_SECRET')).toBe('nats-client-tls');
    expect(env(container, 'WEFT_INJECTION_NATS_TLS_CLIENT_CERT')).toBe('true');
  });

  it.each([
    [['--set', 'injection.mintCredentials=false']],
    [['--set', 'rbac.create=false']],
    [['--set', 'injection.accountSigningKeySecret=']],
  ])('mints nothing and may touch no Secret with %j', async (args) => {
    const objects = await render('-f', join(CHART_DIR, 'ci', 'full-values.yaml'), ...args);
    const cp = find(objects, 'Deployment', 'weft-control-plane');
    expect(JSON.stringify(cp)).not.toContain('ACCOUNT_SIGNING');
    expect(JSON.stringify(cp)).not.toContain('account-signing-key');
    const roles = objects.filter((o) => o.kind === 'ClusterRole');
    expect(JSON.stringify(roles)).not.toContain('secrets');
    const webhooks = find(objects, 'MutatingWebhookConfiguration', 'weft-injection').webhooks as {
      sideEffects: string;
    }[];
    expect(webhooks.map((w) => w.sideEffects)).toEqual(['None', 'None']);
  });

  it('follows the cluster through the API only with the RBAC that allows it', async () => {
    const objects = await render('-f', join(CHART_DIR, 'ci', 'no-router-values.yaml'));
    expect(objects.filter((o) => o.kind === 'ClusterRole')).toEqual([]);
    const [cp] = containersOf(find(objects, 'Deployment', 'weft-control-plane'));
    expect(env(cp, 'WEFT_KUBERNETES')).toBeUndefined();
  });

  it('turns the CA off only when asked', async () => {
    const objects = await render('--set', 'controlPlane.ca.encryptionKeySecret=');
    const cp = find(objects, 'Deployment', 'weft-control-plane');
    expect(env(containersOf(cp)[0], 'WEFT_CA_ENCRYPTION_KEY_FILE')).toBeUndefined();
    expect(JSON.stringify(cp)).not.toContain('ca-key');
  });

  it('renders node proxies, a ServiceMonitor and the admin token Secret when asked', async () => {
    const objects = await render('-f', join(CHART_DIR, 'ci', 'full-values.yaml'));
    const cp = find(objects, 'Deployment', 'weft-control-plane');
    expect(env(containersOf(cp)[0], 'WEFT_ADMIN_TOKEN_FILE')).toBe('/etc/weft/admin/token');
    expect(JSON.stringify(cp)).toContain('"secretName":"weft-admin-token"');
    const workloads = parse(
      (find(objects, 'ConfigMap', 'weft-node-proxy').data as Record<string, string>)[
        'workloads.yaml'
      ],
    ) as unknown;
    expect(workloads).toEqual([
      { service: 'api', appPort: 9301, labels: { version: 'v1' } },
      { service: 'web', namespace: 'shop', appPort: 9302, inboundPort: 16002 },
    ]);
    expect(find(objects, 'ServiceMonitor', 'weft').spec).toMatchObject({
      endpoints: [{ port: 'admin', path: '/metrics', interval: '15s' }],
    });
  });

  it.each([
    [
      ['--set', 'controlPlane.replicaz=3'],
      "at '/controlPlane': additional properties 'replicaz' not allowed",
    ],
    [['--set', 'router.mode=ingress'], "at '/router/mode'"],
    [['--set', 'controlPlane.adminPort=70000'], "at '/controlPlane/adminPort'"],
    [['--set', 'nats.url=http://nats:4222'], "at '/nats/url'"],
    [['--set', 'logLevel=verbose'], "at '/logLevel'"],
    [['--set', 'injection.failurePolicy=Retry'], "at '/injection/failurePolicy'"],
    [
      ['--set', 'injection.accountSigningKeySecret=Signing_Key'],
      "at '/injection/accountSigningKeySecret'",
    ],
    [['--set', 'controlPlane.kvReplicas=7'], "at '/controlPlane/kvReplicas'"],
    [['--set-json', 'nodeProxy.workloads=[{"service":"api"}]'], "at '/nodeProxy/workloads/0'"],
    [['--set', 'router.mode=edge'], 'router.gateway: edge mode needs the name of the Gateway'],
    [
      ['--set', 'grafana.dashboards.enabld=true'],
      "at '/grafana/dashboards': additional properties 'enabld' not allowed",
    ],
    [['--set', 'grafana.dashboards.namespace=Monitoring'], "at '/grafana/dashboards/namespace'"],
  ])('refuses %j, naming the field', async (args, message) => {
    const res = await helm(['template', ...RELEASE, CHART_DIR, ...args]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(message);
  });

  it('documents every value in its README, and no value it does not have', () => {
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    const readme = readFileSync(join(CHART_DIR, 'README.md'), 'utf8');
    const documented = [...readme.matchAll(/^\| `([a-zA-Z.]+)` +\|/gm)].map((m) => m[1]);
    const leaves = leafPaths(values);
    const missing = leaves.filter(
      (leaf) => !documented.some((d) => leaf === d || leaf.startsWith(`${d}.`)),
    );
    const unknown = documented.filter(
      (d) => !leaves.some((leaf) => leaf === d || leaf.startsWith(`${d}.`)),
    );
    expect({ missing, unknown }).toEqual({ missing: [], unknown: [] });
  });

  it('prints NOTES with what to do next', async () => {
    const res = await helm(['install', ...RELEASE, CHART_DIR, '--dry-run=client']);
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain('NOTES:');
    expect(res.stdout).toContain(
      'kubectl -n weft-system port-forward svc/weft-control-plane 15010',
    );
    expect(res.stdout).toContain('weft-nats-credentials');
  });
});

/** `a.b.c` of every scalar, list and empty map in the values. */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  const entries = Object.entries(value);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}
