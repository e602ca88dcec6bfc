// The sidecar injection webhook as the API server calls it: AdmissionReviews over real HTTPS to a real control plane, the JSONPatch applied and validated.
import { copyFile, readFile, rename } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { http } from '../support/admin-client.js';
import { freePort } from '../support/free-port.js';
import { GrpcHealthServer } from '../support/grpc-health-server.js';
import { Mesh } from '../support/mesh.js';
import { scratchDir } from '../support/scratch-dir.js';
import { waitFor } from '../support/wait-for.js';
import { makeCertificate } from '../support/test-certificates.js';
import { applyJsonPatch } from '../k8s/json-patch.js';
import { KubernetesSchemas } from '../k8s/kubernetes-schemas.js';

interface Reply {
  status: number;
  body: string;
}

interface Pod {
  apiVersion: string;
  kind: string;
  metadata: {
    name?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec: {
    containers: {
      name: string;
      readinessProbe?: unknown;
      livenessProbe?: unknown;
      startupProbe?: unknown;
    }[];
    initContainers?: {
      name: string;
      restartPolicy?: string;
      env?: { name: string; value?: string }[];
    }[];
  };
}

const UID = 'b2f1c3d4-0000-4000-8000-000000000001';
const IMAGE = 'registry.example.com/weft:e2e';

function review(object: unknown): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: UID,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
      object,
      dryRun: false,
    },
  });
}

const POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { generateName: 'api-5c6d-', labels: { app: 'api' } },
  spec: {
    serviceAccountName: 'api',
    containers: [{ name: 'app', image: 'api:1', ports: [{ containerPort: 8080 }] }],
  },
};

/** POD with one container `app` whose port `http` is `appPort`, with `probes`. */
function withProbes(appPort: number, probes: Record<string, unknown>) {
  const app = { name: 'app', image: 'api:1', ports: [{ containerPort: appPort, name: 'http' }] };
  return { ...POD, spec: { ...POD.spec, containers: [{ ...app, ...probes }] } };
}

describe('sidecar injection webhook (control plane, HTTPS)', () => {
  let mesh: Mesh;
  let port: number;
  let ca: Buffer;
  /** The folder of the webhook's certificate and key, as a Secret volume mounts them. */
  let certsDir: string;

  /** A request as the API server makes it: HTTPS trusting the webhook configuration's caBundle. */
  function call(
    method: string,
    path: string,
    body?: string,
    trust: Buffer | 'system' = ca,
  ): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          ca: trust === 'system' ? undefined : trust,
          agent: false,
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** The JSONPatch the webhook answers a review of `pod` with. */
  async function patchFor(pod: unknown): Promise<Parameters<typeof applyJsonPatch>[1]> {
    const { response } = JSON.parse((await call('POST', '/inject', review(pod))).body) as {
      response: { patch: string };
    };
    return JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as Parameters<
      typeof applyJsonPatch
    >[1];
  }

  /**
   * A real sidecar started with the probe settings injection gave the patched `pod`'s proxy, and
   * "the kubelet": a GET of a path on its admin port (15000 in a pod; a free port here).
   */
  async function kubeletOf(pod: Pod, instanceId: string, appPort: number) {
    const proxy = pod.spec.initContainers!.find((c) => c.name === 'weft-proxy')!;
    const probes = proxy.env!.find((e) => e.name === 'WEFT_APP_PROBES')!.value!;
    const sidecar = await mesh.startSidecar({
      service: 'api',
      instanceId,
      appPort,
      env: { WEFT_APP_PROBES: probes },
    });
    return (path: string) => http(`http://127.0.0.1:${sidecar.adminPort}${path}`);
  }

  beforeAll(async () => {
    mesh = await Mesh.start();
    certsDir = await scratchDir('weft-injection-');
    const certs = await makeCertificate(certsDir, '127.0.0.1');
    ca = await readFile(certs.crt);
    port = await freePort();
    await mesh.startControlPlane({
      WEFT_INJECTION_PORT: String(port),
      WEFT_INJECTION_TLS_CERT: certs.crt,
      WEFT_INJECTION_TLS_KEY: certs.key,
      WEFT_INJECTION_IMAGE: IMAGE,
      // One cluster of several (the chart's cluster.name): its proxies run there too.
      WEFT_CLUSTER: 'east',
    });
  });

  afterAll(async () => {
    await mesh?.stop();
  });

  it('answers a pod review with a JSONPatch that makes a valid pod with the native sidecar', async () => {
    const reply = await call('POST', '/inject', review(POD));
    expect(reply.status).toBe(200);
    const { apiVersion, kind, response } = JSON.parse(reply.body) as {
      apiVersion: string;
      kind: string;
      response: { uid: string; allowed: boolean; patchType: string; patch: string };
    };
    expect({ apiVersion, kind }).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
    });
    expect(response).toMatchObject({ uid: UID, allowed: true, patchType: 'JSONPatch' });

    const patch = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as Parameters<
      typeof applyJsonPatch
    >[1];
    const pod = applyJsonPatch(POD, patch) as unknown as Pod;
    const schemas = KubernetesSchemas.load([{ apiVersion: 'v1', kind: 'Pod' }]);
    expect(await schemas.problems(pod)).toEqual([]);
    const [capture, proxy] = pod.spec.initContainers ?? [];
    expect(capture.name).toBe('weft-init-capture');
    expect(proxy).toMatchObject({ name: 'weft-proxy', image: IMAGE, restartPolicy: 'Always' });
    // The proxy reaches the NATS the control plane uses, as the service the pod belongs to.
    const env = Object.fromEntries((proxy.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      NATS_URL: mesh.nats.url,
      WEFT_NAMESPACE: 'shop',
      WEFT_SERVICE: 'api',
      WEFT_CLUSTER: 'east',
    });
    expect(pod.metadata.annotations).toEqual({ 'weft.dev/status': 'injected' });
    // What the chart's PodMonitor selects the proxies to scrape by.
    expect(pod.metadata.labels).toEqual({ app: 'api', 'weft.dev/proxy': 'injected' });

    // The API server may call again (reinvocation): the injected pod is left as it is.
    const again = JSON.parse((await call('POST', '/inject', review(pod))).body) as {
      response: unknown;
    };
    expect(again.response).toEqual({ uid: UID, allowed: true });
  });

  it("rewrites the app's probes to its proxy, and a real sidecar answers them from the app", async () => {
    // The app: /ready answers as `ready` says, and records the headers the probe came with.
    let ready = true;
    let seen: IncomingHttpHeaders = {};
    const app: Server = createServer((req, res) => {
      if (req.url !== '/ready') return void res.writeHead(404).end();
      seen = req.headers;
      res.writeHead(ready ? 200 : 503).end();
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const appPort = (app.address() as AddressInfo).port;
    try {
      const probed = withProbes(appPort, {
        readinessProbe: {
          httpGet: {
            path: '/ready',
            port: 'http',
            httpHeaders: [{ name: 'X-Probe', value: 'kubelet' }],
          },
          periodSeconds: 2,
        },
        livenessProbe: { httpGet: { path: '/live', port: appPort } },
      });
      const pod = applyJsonPatch(probed, await patchFor(probed)) as unknown as Pod;
      expect(pod.spec.containers[0].readinessProbe).toEqual({
        httpGet: { path: '/app-health/app/readyz', port: 15000, scheme: 'HTTP' },
        periodSeconds: 2,
      });
      // The injected proxy's probe settings, given to a real sidecar.
      const kubelet = await kubeletOf(pod, 'api-probed', appPort);
      expect((await kubelet('/app-health/app/readyz')).status).toBe(200);
      expect(seen['x-probe']).toBe('kubelet');
      ready = false;
      expect((await kubelet('/app-health/app/readyz')).status).toBe(503);
      // The app's own failure passes through: it has no /live.
      const live = await kubelet('/app-health/app/livez');
      expect([live.status, JSON.parse(live.body)]).toEqual([404, { status: 404 }]);
      // A probe injection did not rewrite (the pod has no startup probe) is unknown to the proxy.
      const startup = await kubelet('/app-health/app/startupz');
      expect(startup.status).toBe(404);
      expect(startup.body).toContain('no startupz probe recorded for container app');
      await new Promise<void>((resolve) => app.close(() => resolve()));
      ready = true;
      // The app gone: no answer is a failure.
      expect((await kubelet('/app-health/app/readyz')).status).toBe(503);
    } finally {
      app.close();
    }
  });

  it("rewrites the app's tcpSocket and grpc probes too, which a real sidecar answers by connecting and by a gRPC health check", async () => {
    // The app: a TCP listener (its tcpSocket startup probe), and a real gRPC health server beside
    // it (its grpc liveness and readiness probes).
    const app: Server = createServer((_req, res) => res.end());
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const appPort = (app.address() as AddressInfo).port;
    const health = await new GrpcHealthServer()
      .set('', 'SERVING')
      .set('weft.test.Greeter', 'SERVING')
      .start();
    try {
      const probed = withProbes(appPort, {
        startupProbe: { tcpSocket: { port: 'http' }, failureThreshold: 30 },
        livenessProbe: { grpc: { port: health.port, service: 'weft.test.Greeter' } },
        readinessProbe: { grpc: { port: health.port } },
      });
      const pod = applyJsonPatch(probed, await patchFor(probed)) as unknown as Pod;
      const admin = (word: string) => ({
        httpGet: { path: `/app-health/app/${word}`, port: 15000, scheme: 'HTTP' },
      });
      expect(pod.spec.containers[0]).toMatchObject({
        startupProbe: { ...admin('startupz'), failureThreshold: 30 },
        livenessProbe: admin('livez'),
        readinessProbe: admin('readyz'),
      });
      const schemas = KubernetesSchemas.load([{ apiVersion: 'v1', kind: 'Pod' }]);
      expect(await schemas.problems(pod)).toEqual([]);
      const kubelet = await kubeletOf(pod, 'api-probed-tcp-grpc', appPort);
      expect((await kubelet('/app-health/app/startupz')).status).toBe(200);
      expect((await kubelet('/app-health/app/livez')).status).toBe(200);
      expect((await kubelet('/app-health/app/readyz')).status).toBe(200);
      // The health check asked about the probe's service, then the server as a whole.
      expect(health.checks).toEqual(['weft.test.Greeter', '']);
      health.set('weft.test.Greeter', 'NOT_SERVING');
      const notServing = await kubelet('/app-health/app/livez');
      expect([notServing.status, JSON.parse(notServing.body)]).toEqual([
        503,
        { status: 503, error: 'NOT_SERVING' },
      ]);
      // The app stopped: nothing accepts on its port, and the health server is gone.
      await new Promise<void>((resolve) => app.close(() => resolve()));
      await health.stop();
      expect((await kubelet('/app-health/app/startupz')).status).toBe(503);
      expect((await kubelet('/app-health/app/readyz')).status).toBe(503);
    } finally {
      app.close();
      await health.stop();
    }
  });

  it('leaves the probes alone for a pod annotated weft.dev/rewrite-probes: "false"', async () => {
    const probe = { tcpSocket: { port: 8080 } };
    const optedOut = {
      ...POD,
      metadata: { ...POD.metadata, annotations: { 'weft.dev/rewrite-probes': 'false' } },
      spec: {
        ...POD.spec,
        containers: [{ ...POD.spec.containers[0], readinessProbe: probe }],
      },
    };
    const pod = applyJsonPatch(optedOut, await patchFor(optedOut)) as unknown as Pod;
    expect(pod.spec.containers[0].readinessProbe).toEqual(probe);
    const proxy = pod.spec.initContainers!.find((c) => c.name === 'weft-proxy')!;
    expect(proxy.env!.map((e) => e.name)).not.toContain('WEFT_APP_PROBES');
  });

  it('refuses a pod it cannot inject, saying which field and why', async () => {
    const bad = { ...POD, metadata: { labels: {} } };
    const reply = await call('POST', '/inject', review(bad));
    expect(reply.status).toBe(200);
    const { response } = JSON.parse(reply.body) as {
      response: { allowed: boolean; status: { message: string } };
    };
    expect(response.allowed).toBe(false);
    expect(response.status.message).toContain('metadata.labels[app]: the pod names no Service');
  });

  it('answers what is no AdmissionReview with 400 and the reason, and other paths with 404', async () => {
    const notJson = await call('POST', '/inject', '{');
    expect(notJson.status).toBe(400);
    expect(notJson.body).toContain('the body is not JSON');
    const wrongKind = await call(
      'POST',
      '/inject',
      JSON.stringify({ apiVersion: 'v1', kind: 'Pod' }),
    );
    expect(wrongKind.status).toBe(400);
    expect(JSON.parse(wrongKind.body)).toEqual({
      error: 'AdmissionReview: apiVersion: must be admission.k8s.io/v1',
    });
    expect((await call('GET', '/inject')).status).toBe(404);
  });

  it('speaks TLS only with its certificate: a client that does not trust it is refused', async () => {
    await expect(call('POST', '/inject', review(POD), 'system')).rejects.toThrow(/self[- ]signed/i);
  });
  it('serves a rotated certificate without a restart; the one it replaced is no longer trusted', async () => {
    const old = ca;
    // The same files replaced (written aside and renamed in, as a Secret volume update does).
    const fresh = await readFile((await makeCertificate(certsDir, '127.0.0.1')).crt);
    expect(fresh.equals(old)).toBe(false);
    await waitFor('the rotated certificate served', async () => {
      const reply = await call('POST', '/inject', review(POD), fresh).catch(() => undefined);
      return reply?.status === 200 ? true : undefined;
    });
    await expect(call('POST', '/inject', review(POD), old)).rejects.toThrow(/self[- ]signed/i);
    ca = fresh;
  });

  it('keeps its certificate when a new one comes without its key (the pair does not match)', async () => {
    const other = await makeCertificate(await scratchDir('weft-injection-other-'), '127.0.0.1');
    await copyFile(other.crt, `${certsDir}/tls.crt.new`);
    await rename(`${certsDir}/tls.crt.new`, `${certsDir}/tls.crt`);
    const cp = mesh.controlPlane().proc;
    await waitFor('the mismatched pair refused', () =>
      cp.logs().some((l) => l.includes('new certificate not loaded')) ? true : undefined,
    );
    expect((await call('POST', '/inject', review(POD), ca)).status).toBe(200);
    await expect(call('POST', '/inject', review(POD), await readFile(other.crt))).rejects.toThrow(
      /self[- ]signed/i,
    );
  });
});
