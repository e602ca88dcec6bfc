// Sidecar injection: the JSONPatch, applied as the API server does, gives a valid pod with the native sidecar first; refusals name their field.
import { parseAppProbes } from '@app/protocol';
import { applyJsonPatch } from '../../../../test/k8s/json-patch.js';
import { KubernetesSchemas } from '../../../../test/k8s/kubernetes-schemas.js';
import type { PodContainer, PodManifest } from './pod-manifest.js';
import {
  injectSidecar,
  PROXY_LABEL,
  type InjectionOutcome,
  type InjectionSettings,
} from './sidecar-injection.js';

const SETTINGS: InjectionSettings = {
  image: 'registry.example.com/weft:0.1.0',
  imagePullPolicy: 'IfNotPresent',
  natsUrl: 'tls://nats.nats:4222',
  subjectPrefix: 'weft',
  trustDomain: 'cluster.local',
  logLevel: 'info',
};

function pod(
  overrides: { metadata?: PodManifest['metadata']; spec?: Partial<PodManifest['spec']> } = {},
): PodManifest {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'api-7d9f-',
      labels: { app: 'api', version: 'v2' },
      ...overrides.metadata,
    },
    spec: {
      serviceAccountName: 'api-sa',
      containers: [{ name: 'app', image: 'api:1', ports: [{ containerPort: 8080, name: 'http' }] }],
      ...overrides.spec,
    },
  };
}

function injected(
  outcome: ReturnType<typeof injectSidecar>,
): Extract<InjectionOutcome, { injected: true }> {
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  if (!outcome.value.injected) throw new Error(`not injected: ${outcome.value.reason}`);
  return outcome.value;
}

function errorsOf(outcome: ReturnType<typeof injectSidecar>): { path: string; message: string }[] {
  if (outcome.ok) throw new Error('expected a refusal');
  return outcome.errors.map(({ path, message }) => ({ path, message }));
}

const env = (c: PodContainer | undefined) =>
  Object.fromEntries(
    ((c?.env ?? []) as { name: string; value?: string }[]).map((e) => [e.name, e.value]),
  );

describe('injectSidecar', () => {
  const schemas = KubernetesSchemas.load([{ apiVersion: 'v1', kind: 'Pod' }]);

  it('adds the capture step and the proxy as a native sidecar; the patch gives exactly that pod, valid', async () => {
    const original = pod();
    const { pod: result, patch } = injected(injectSidecar(original, 'shop', SETTINGS));
    expect(applyJsonPatch(original, patch)).toEqual(result);
    expect(await schemas.problems(result)).toEqual([]);

    const [capture, proxy, ...rest] = result.spec.initContainers!;
    expect(rest).toEqual([]);
    expect(capture).toMatchObject({
      name: 'weft-init-capture',
      image: SETTINGS.image,
      securityContext: {
        runAsUser: 0,
        capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
      },
    });
    expect(capture.args).toEqual(expect.arrayContaining(['cli', 'init-capture', '--uid', '1337']));
    expect(capture.restartPolicy).toBeUndefined();
    expect(proxy).toMatchObject({
      name: 'weft-proxy',
      args: ['sidecar'],
      restartPolicy: 'Always',
      startupProbe: { httpGet: { path: '/readyz', port: 15000 } },
      securityContext: { runAsUser: 1337, runAsNonRoot: true, readOnlyRootFilesystem: true },
    });
    expect(env(proxy)).toMatchObject({
      NATS_URL: 'tls://nats.nats:4222',
      WEFT_MODE: 'sidecar',
      WEFT_NAMESPACE: 'shop',
      WEFT_SERVICE: 'api',
      WEFT_SERVICE_ACCOUNT: 'api-sa',
      WEFT_APP_PORT: '8080',
      WEFT_LABELS: 'app=api,version=v2',
      WEFT_NATS_CREDS: '/etc/weft/nats/proxy.creds',
      OTEL_RESOURCE_ATTRIBUTES:
        'k8s.pod.name=$(K8S_POD_NAME),k8s.namespace.name=$(K8S_NAMESPACE_NAME),k8s.node.name=$(K8S_NODE_NAME)',
    });
    // The pod's name, namespace and node from the downward API, listed before the variable using them.
    const names = ((proxy.env ?? []) as { name: string }[]).map((e) => e.name);
    for (const [name, fieldPath] of [
      ['K8S_POD_NAME', 'metadata.name'],
      ['K8S_NAMESPACE_NAME', 'metadata.namespace'],
      ['K8S_NODE_NAME', 'spec.nodeName'],
    ]) {
      expect(proxy.env).toContainEqual({ name, valueFrom: { fieldRef: { fieldPath } } });
      expect(names.indexOf(name)).toBeLessThan(names.indexOf('OTEL_RESOURCE_ATTRIBUTES'));
    }
    expect(result.spec.volumes).toContainEqual({
      name: 'weft-nats-credentials',
      secret: { secretName: 'weft-proxy-api-sa', defaultMode: 0o444 },
    });
    expect(result.metadata?.annotations).toEqual({ 'weft.dev/status': 'injected' });
    // The label a PodMonitor selects injected pods by; not among the proxy's own WEFT_LABELS.
    expect(result.metadata?.labels).toEqual({
      app: 'api',
      version: 'v2',
      'weft.dev/proxy': 'injected',
    });
    // The app's own containers are untouched.
    expect(result.spec.containers).toEqual(original.spec.containers);
  });

  it("runs before the pod's own init containers and keeps its volumes and annotations", async () => {
    const original = pod({
      metadata: { labels: { app: 'api' }, annotations: { team: 'payments' } },
      spec: {
        initContainers: [{ name: 'migrate', image: 'api:1' }],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    });
    const { pod: result, patch } = injected(injectSidecar(original, 'shop', SETTINGS));
    expect(applyJsonPatch(original, patch)).toEqual(result);
    expect(await schemas.problems(result)).toEqual([]);
    expect(result.spec.initContainers!.map((c) => c.name)).toEqual([
      'weft-init-capture',
      'weft-proxy',
      'migrate',
    ]);
    expect((result.spec.volumes as { name: string }[]).map((v) => v.name)).toEqual([
      'data',
      'weft-state',
      'weft-tmp',
      'weft-capture-run',
      'weft-nats-credentials',
    ]);
    expect(result.metadata?.annotations).toEqual({
      team: 'payments',
      'weft.dev/status': 'injected',
    });
  });

  it('labels a pod that had no labels weft.dev/proxy=injected, the patch giving the same pod', async () => {
    const original: PodManifest = {
      ...pod(),
      metadata: { name: 'api-0', annotations: { 'weft.dev/service': 'api' } },
    };
    const { pod: result, patch } = injected(injectSidecar(original, 'shop', SETTINGS));
    expect(patch).toContainEqual({
      op: 'add',
      path: '/metadata/labels',
      value: { [PROXY_LABEL.key]: PROXY_LABEL.value },
    });
    expect(applyJsonPatch(original, patch)).toEqual(result);
    expect(await schemas.problems(result)).toEqual([]);
    expect(result.metadata?.labels).toEqual({ 'weft.dev/proxy': 'injected' });
  });

  it("mounts the NATS TLS Secret into the proxy only, with the chart components' settings", async () => {
    const original = pod({ spec: { volumes: [{ name: 'data', emptyDir: {} }] } });
    const settings = {
      ...SETTINGS,
      natsTls: { secretName: 'nats-client-tls', clientCertificate: true },
    };
    const { pod: result, patch } = injected(injectSidecar(original, 'shop', settings));
    expect(applyJsonPatch(original, patch)).toEqual(result);
    expect(await schemas.problems(result)).toEqual([]);
    const [capture, proxy] = result.spec.initContainers!;
    expect(env(proxy)).toMatchObject({
      WEFT_NATS_TLS_CA: '/etc/weft/nats-tls/ca.crt',
      WEFT_NATS_TLS_CERT: '/etc/weft/nats-tls/tls.crt',
      WEFT_NATS_TLS_KEY: '/etc/weft/nats-tls/tls.key',
    });
    expect(proxy.volumeMounts).toContainEqual({
      name: 'weft-nats-tls',
      mountPath: '/etc/weft/nats-tls',
      readOnly: true,
    });
    expect(result.spec.volumes).toContainEqual({
      name: 'weft-nats-tls',
      secret: { secretName: 'nats-client-tls', defaultMode: 0o444 },
    });
    // Not the capture step, nor the app: only the proxy dials NATS.
    expect(JSON.stringify(capture)).not.toContain('nats-tls');
    expect(JSON.stringify(result.spec.containers)).not.toContain('nats-tls');

    // A CA only (a NATS that does not verify clients): no client certificate settings.
    const caOnly = { ...SETTINGS, natsTls: { secretName: 'nats-ca', clientCertificate: false } };
    const { pod: withCa } = injected(injectSidecar(pod(), 'shop', caOnly));
    const proxyEnv = env(withCa.spec.initContainers![1]);
    expect(proxyEnv.WEFT_NATS_TLS_CA).toBe('/etc/weft/nats-tls/ca.crt');
    expect(proxyEnv).not.toHaveProperty('WEFT_NATS_TLS_CERT');
    expect(proxyEnv).not.toHaveProperty('WEFT_NATS_TLS_KEY');
    // Without the setting the proxy gets no TLS settings at all.
    const { pod: plain } = injected(injectSidecar(pod(), 'shop', SETTINGS));
    expect(Object.keys(env(plain.spec.initContainers![1]))).not.toContain('WEFT_NATS_TLS_CA');
    expect(JSON.stringify(plain.spec.volumes)).not.toContain('weft-nats-tls');
  });

  it("runs the proxy in the control plane's cluster, and sets none in a one-cluster mesh", () => {
    const { pod: east } = injected(injectSidecar(pod(), 'shop', { ...SETTINGS, cluster: 'east' }));
    const [capture, proxy] = east.spec.initContainers!;
    expect(env(proxy).WEFT_CLUSTER).toBe('east');
    expect(JSON.stringify(capture)).not.toContain('WEFT_CLUSTER');
    // Unset: the proxy's own default (`local`), as before.
    const { pod: plain } = injected(injectSidecar(pod(), 'shop', SETTINGS));
    expect(env(plain.spec.initContainers![1])).not.toHaveProperty('WEFT_CLUSTER');
  });

  it('takes per-pod settings from annotations', () => {
    const original = pod({
      metadata: {
        labels: { app: 'ignored' },
        annotations: {
          'weft.dev/service': 'checkout',
          'weft.dev/app-port': '9000',
          'weft.dev/log-level': 'debug',
          'weft.dev/outbound-ports': '80,8080',
          'weft.dev/exclude-inbound-ports': '9090',
          'weft.dev/creds-secret': 'checkout-creds',
          'weft.dev/proxy-cpu': '200m',
          'weft.dev/proxy-memory': '128Mi',
          'weft.dev/proxy-memory-limit': '1Gi',
        },
      },
    });
    const { pod: result } = injected(injectSidecar(original, 'shop', SETTINGS));
    const [capture, proxy] = result.spec.initContainers!;
    expect(env(proxy)).toMatchObject({
      WEFT_SERVICE: 'checkout',
      WEFT_APP_PORT: '9000',
      WEFT_LOG_LEVEL: 'debug',
    });
    expect(proxy.resources).toEqual({
      requests: { cpu: '200m', memory: '128Mi' },
      limits: { memory: '1Gi' },
    });
    expect(capture.args).toEqual(
      expect.arrayContaining(['--outbound-ports', '80,8080', '--exclude-inbound-ports', '9090']),
    );
    expect(result.spec.volumes).toContainEqual({
      name: 'weft-nats-credentials',
      secret: { secretName: 'checkout-creds', defaultMode: 0o444 },
    });
  });

  it('injects no capture step with weft.dev/capture: disabled (the app uses its proxy explicitly)', () => {
    const original = pod({
      metadata: { labels: { app: 'api' }, annotations: { 'weft.dev/capture': 'disabled' } },
    });
    const { pod: result } = injected(injectSidecar(original, 'shop', SETTINGS));
    expect(result.spec.initContainers!.map((c) => c.name)).toEqual(['weft-proxy']);
    expect((result.spec.volumes as { name: string }[]).map((v) => v.name)).not.toContain(
      'weft-capture-run',
    );
  });

  it('leaves alone a pod that opts out, and one already injected (a second call is a no-op)', () => {
    expect(
      injectSidecar(
        pod({ metadata: { labels: { app: 'api', 'weft.dev/inject': 'disabled' } } }),
        'shop',
        SETTINGS,
      ),
    ).toEqual({
      ok: true,
      value: { injected: false, reason: 'label weft.dev/inject=disabled' },
    });
    const once = injected(injectSidecar(pod(), 'shop', SETTINGS)).pod;
    expect(injectSidecar(once, 'shop', SETTINGS)).toEqual({
      ok: true,
      value: { injected: false, reason: 'already injected' },
    });
  });

  it('refuses a pod whose app runs as the proxy uid 1337: capture would exempt its traffic', () => {
    const own = pod({
      spec: {
        containers: [
          {
            name: 'app',
            image: 'api:1',
            ports: [{ containerPort: 8080 }],
            securityContext: { runAsUser: 1337 },
          },
        ],
      },
    });
    expect(errorsOf(injectSidecar(own, 'shop', SETTINGS))).toEqual([
      {
        path: 'spec.containers[0].securityContext.runAsUser',
        message:
          'container "app" runs as uid 1337, the proxy\'s: capture exempts that uid, so its traffic would bypass the mesh',
      },
    ]);
    const podWide = pod({ spec: { securityContext: { runAsUser: 1337 } } });
    expect(errorsOf(injectSidecar(podWide, 'shop', SETTINGS)).map((e) => e.path)).toEqual([
      'spec.securityContext.runAsUser',
    ]);
    // Without capture nothing is exempted, and uid 1337 is the app's business.
    const uncaptured = pod({
      metadata: { labels: { app: 'api' }, annotations: { 'weft.dev/capture': 'disabled' } },
      spec: { securityContext: { runAsUser: 1337 } },
    });
    expect(injected(injectSidecar(uncaptured, 'shop', SETTINGS)).patch.length).toBeGreaterThan(0);
  });

  it('refuses, with every reason and its field, what it cannot inject', () => {
    const bad = pod({
      metadata: {
        labels: {},
        annotations: {
          'weft.dev/app-port': '70000',
          'weft.dev/log-level': 'verbose',
          'weft.dev/proxy-cpu': 'lots',
          'weft.dev/outbound-ports': '80;443',
        },
      },
      spec: { initContainers: [{ name: 'weft-proxy', image: 'x' }] },
    });
    const errors = errorsOf(injectSidecar(bad, 'shop', SETTINGS));
    expect(errors.map((e) => e.path)).toEqual([
      'metadata.labels[app]',
      'metadata.annotations[weft.dev/app-port]',
      'metadata.annotations[weft.dev/log-level]',
      'metadata.annotations[weft.dev/outbound-ports]',
      'metadata.annotations[weft.dev/proxy-cpu]',
    ]);
    const noPort = pod({ spec: { containers: [{ name: 'app', image: 'api:1' }] } });
    expect(errorsOf(injectSidecar(noPort, 'shop', SETTINGS))).toEqual([
      {
        path: 'spec.containers[0].ports',
        message:
          'the app declares no TCP port: declare one, or set the annotation weft.dev/app-port',
      },
    ]);
    const clash = pod({ spec: { initContainers: [{ name: 'weft-proxy', image: 'x' }] } });
    expect(errorsOf(injectSidecar(clash, 'shop', SETTINGS)).map((e) => e.path)).toEqual([
      'spec.initContainers[0].name',
    ]);
  });
  describe('app probes (Istio probe rewrite)', () => {
    const probed = pod({
      spec: {
        containers: [
          {
            name: 'app',
            image: 'api:1',
            ports: [{ containerPort: 8080, name: 'http' }],
            livenessProbe: { httpGet: { path: '/live', port: 8080 }, periodSeconds: 7 },
            readinessProbe: {
              httpGet: {
                path: '/ready',
                port: 'http',
                httpHeaders: [{ name: 'X-Probe', value: 'kubelet' }],
              },
              timeoutSeconds: 3,
            },
            startupProbe: { tcpSocket: { port: 'http' }, failureThreshold: 30 },
          },
          {
            name: 'grpc-app',
            image: 'greeter:1',
            ports: [{ containerPort: 9090 }],
            livenessProbe: { grpc: { port: 9090, service: 'weft.test.Greeter' }, periodSeconds: 5 },
            readinessProbe: { grpc: { port: 9090 } },
            // Another host, and exec: the kubelet's own business.
            startupProbe: { tcpSocket: { port: 9090, host: '10.0.0.9' } },
          },
          {
            name: 'worker',
            image: 'worker:1',
            livenessProbe: { exec: { command: ['true'] } },
          },
        ],
      },
    });
    const admin = (path: string) => ({ path, port: 15000, scheme: 'HTTP' });

    it("sends the kubelet's httpGet, tcpSocket and grpc probes to the proxy's admin port and keeps the originals in the proxy's env", async () => {
      const { pod: result, patch } = injected(injectSidecar(probed, 'shop', SETTINGS));
      const [app, grpcApp, worker] = result.spec.containers;
      // Other probe settings stay; only the handler changes (a tcpSocket or grpc one to an httpGet).
      expect(app.livenessProbe).toEqual({
        httpGet: admin('/app-health/app/livez'),
        periodSeconds: 7,
      });
      expect(app.readinessProbe).toEqual({
        httpGet: admin('/app-health/app/readyz'),
        timeoutSeconds: 3,
      });
      expect(app.startupProbe).toEqual({
        httpGet: admin('/app-health/app/startupz'),
        failureThreshold: 30,
      });
      expect(grpcApp.livenessProbe).toEqual({
        httpGet: admin('/app-health/grpc-app/livez'),
        periodSeconds: 5,
      });
      expect(grpcApp.readinessProbe).toEqual({ httpGet: admin('/app-health/grpc-app/readyz') });
      expect(grpcApp.startupProbe).toEqual({ tcpSocket: { port: 9090, host: '10.0.0.9' } });
      expect(worker).toEqual(probed.spec.containers[2]);
      const proxy = result.spec.initContainers!.find((c) => c.name === 'weft-proxy');
      const recorded = JSON.parse(env(proxy).WEFT_APP_PROBES!) as Record<string, unknown>;
      expect(recorded).toEqual({
        '/app-health/app/livez': { port: 8080, path: '/live', scheme: 'HTTP', timeoutSeconds: 1 },
        '/app-health/app/readyz': {
          port: 8080,
          path: '/ready',
          scheme: 'HTTP',
          headers: [{ name: 'X-Probe', value: 'kubelet' }],
          timeoutSeconds: 3,
        },
        '/app-health/app/startupz': { type: 'tcpSocket', port: 8080, timeoutSeconds: 1 },
        '/app-health/grpc-app/livez': {
          type: 'grpc',
          port: 9090,
          service: 'weft.test.Greeter',
          timeoutSeconds: 1,
        },
        '/app-health/grpc-app/readyz': { type: 'grpc', port: 9090, timeoutSeconds: 1 },
      });
      // What the injector records, the sidecar reads (the contract between them).
      const read = parseAppProbes(env(proxy).WEFT_APP_PROBES!);
      expect(read.ok && [...read.value.values()].map((p) => p.type)).toEqual([
        'httpGet',
        'httpGet',
        'tcpSocket',
        'grpc',
        'grpc',
      ]);
      // The patch, applied as the API server does, gives exactly that pod, valid.
      expect(applyJsonPatch(probed, patch)).toEqual(result);
      expect(await schemas.problems(result)).toEqual([]);
    });

    it('leaves probes alone when the pod opts out with weft.dev/rewrite-probes: "false"', () => {
      const optOut = {
        ...probed,
        metadata: { ...probed.metadata, annotations: { 'weft.dev/rewrite-probes': 'false' } },
      };
      const { pod: result } = injected(injectSidecar(optOut, 'shop', SETTINGS));
      expect(result.spec.containers).toEqual(probed.spec.containers);
      const proxy = result.spec.initContainers!.find((c) => c.name === 'weft-proxy');
      expect(env(proxy).WEFT_APP_PROBES).toBeUndefined();
      // Capture stays on: only the probes are left alone.
      expect(result.spec.initContainers!.map((c) => c.name)).toContain('weft-init-capture');
      const bad = {
        ...probed,
        metadata: { ...probed.metadata, annotations: { 'weft.dev/rewrite-probes': 'no' } },
      };
      expect(errorsOf(injectSidecar(bad, 'shop', SETTINGS))).toEqual([
        {
          path: 'metadata.annotations[weft.dev/rewrite-probes]',
          message: 'must be "true" or "false"',
        },
      ]);
    });

    it('leaves probes alone without capture (the kubelet reaches the app directly)', () => {
      const off = {
        ...probed,
        metadata: { ...probed.metadata, annotations: { 'weft.dev/capture': 'disabled' } },
      };
      const { pod: result } = injected(injectSidecar(off, 'shop', SETTINGS));
      expect(result.spec.containers).toEqual(probed.spec.containers);
      const proxy = result.spec.initContainers!.find((c) => c.name === 'weft-proxy');
      expect(env(proxy).WEFT_APP_PROBES).toBeUndefined();
    });

    it('refuses a probe naming a port the container does not declare', () => {
      const bad = pod({
        spec: {
          containers: [
            {
              name: 'app',
              image: 'api:1',
              ports: [{ containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/ready', port: 'health' } },
            },
          ],
        },
      });
      expect(errorsOf(injectSidecar(bad, 'shop', SETTINGS))).toEqual([
        {
          path: 'spec.containers[0].readinessProbe.httpGet.port',
          message: 'port "health" is neither a number nor a port the container names',
        },
      ]);
    });
  });
});
