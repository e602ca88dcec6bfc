// The chart's PodMonitor for injected proxies: valid against the Prometheus Operator schema, and selecting exactly what injection makes (its label, its admin port) in every namespace.
import { PROXY_ADMIN_PORT } from '@app/protocol';
import type { PodContainer } from '../../apps/control-plane/src/injection/pod-manifest.js';
import { injectSidecar } from '../../apps/control-plane/src/injection/sidecar-injection.js';
import { renderChart } from './helm.js';
import { KubernetesSchemas } from './kubernetes-schemas.js';

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}
interface PodMonitorSpec {
  namespaceSelector: { any?: boolean };
  selector: { matchLabels: Record<string, string> };
  podMetricsEndpoints: { port: string; path: string; interval: string }[];
}

const MONITORING = ['--set', 'serviceMonitor.enabled=true'];

function podMonitors(objects: KubeObject[]): KubeObject[] {
  return objects.filter((o) => o.kind === 'PodMonitor');
}

/** A pod as the chart's webhook gives it back: the app's pod with the proxy injected. */
function injectedPod() {
  const outcome = injectSidecar(
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { generateName: 'api-', labels: { app: 'api' } },
      spec: {
        serviceAccountName: 'api',
        containers: [{ name: 'app', image: 'api:1', ports: [{ containerPort: 8080 }] }],
      },
    },
    'shop',
    {
      image: 'weft:0.1.0',
      imagePullPolicy: 'IfNotPresent',
      natsUrl: 'nats://weft-nats.weft-system.svc:4222',
      subjectPrefix: 'weft',
      trustDomain: 'cluster.local',
      logLevel: 'info',
    },
  );
  if (!outcome.ok || !outcome.value.injected) throw new Error('the pod was not injected');
  return outcome.value.pod;
}

describe("the chart's PodMonitor for injected proxies", () => {
  it('is valid against the Prometheus Operator schema, unknown fields refused', async () => {
    const objects = podMonitors(
      await renderChart<KubeObject>([...MONITORING, '--set', 'serviceMonitor.labels.release=kps']),
    );
    expect(objects.map((o) => o.metadata.name)).toEqual(['weft-proxies']);
    expect(objects[0].metadata.labels).toMatchObject({ release: 'kps' });
    const schemas = KubernetesSchemas.load(objects);
    expect(await schemas.problems(objects[0])).toEqual([]);
  });

  it("selects injected pods in every namespace and scrapes the proxy's admin port", async () => {
    const [monitor] = podMonitors(await renderChart<KubeObject>(MONITORING));
    const spec = monitor.spec as unknown as PodMonitorSpec;
    expect(spec.namespaceSelector).toEqual({ any: true });
    const pod = injectedPod();
    // Every label the PodMonitor selects on is one injection put on the pod.
    expect(pod.metadata?.labels).toMatchObject(spec.selector.matchLabels);
    expect(Object.keys(spec.selector.matchLabels)).not.toContain('app');
    // The endpoint's named port is the injected proxy's admin port, where /metrics is served.
    const [endpoint] = spec.podMetricsEndpoints;
    expect(endpoint).toEqual({ port: 'weft-admin', path: '/metrics', interval: '30s' });
    const ports = (pod.spec.initContainers ?? []).flatMap(
      (c: PodContainer) => (c.ports ?? []) as { name?: string; containerPort: number }[],
    );
    expect(ports.find((p) => p.name === endpoint.port)?.containerPort).toBe(PROXY_ADMIN_PORT);
  });

  it('is left out without monitoring, without injection, or with serviceMonitor.sidecars=false', async () => {
    for (const args of [
      [],
      [...MONITORING, '--set', 'injection.enabled=false'],
      [...MONITORING, '--set', 'serviceMonitor.sidecars=false'],
    ]) {
      expect(podMonitors(await renderChart<KubeObject>(args))).toEqual([]);
    }
  });
});
