// Proxy credentials minted by the control plane: a real AdmissionReview over HTTPS, the Secret it POSTs to a local API server in the API server's wire format, and a real sidecar serving with those creds on the mesh's real nats-server (and refused as another Service).
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { http } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { startFollowingControlPlane } from '../support/kubernetes-control-plane.js';
import { Mesh } from '../support/mesh.js';
import { scratchDir } from '../support/scratch-dir.js';
import { makeCertificate } from '../support/test-certificates.js';
import { waitFor } from '../support/wait-for.js';
import { RecordedApiServer, type ReceivedPatch } from '../k8s/recorded-api-server.js';

const SECRETS = '/api/v1/namespaces/shop/secrets';
const SA_UID = '3c1f7a2e-5b4d-4e6f-8a9b-0c1d2e3f4a5b';

interface CreatedSecret {
  metadata: {
    name: string;
    namespace: string;
    annotations: Record<string, string>;
    ownerReferences: unknown[];
  };
  data: Record<string, string>;
}

/** The cluster's one Service, shop/api, as the API server lists it. */
const SERVICES = JSON.stringify({
  kind: 'ServiceList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '100' },
  items: [
    {
      metadata: { name: 'api', namespace: 'shop', uid: 'svc-api', resourceVersion: '90' },
      spec: { selector: { app: 'api' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    },
  ],
});

function review(uid: string, serviceAccount: string, dryRun = false): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { generateName: 'api-5c6d-', labels: { app: 'api' } },
        spec: {
          serviceAccountName: serviceAccount,
          containers: [{ name: 'app', image: 'api:1', ports: [{ containerPort: 8080 }] }],
        },
      },
      dryRun,
    },
  });
}

describe('proxy credentials minted by the control plane (injection webhook, Kubernetes API)', () => {
  let mesh: Mesh;
  let api: RecordedApiServer;
  let port: number;
  let ca: Buffer;
  let dir: string;
  const app = new EchoServer('api-minted');
  const callerApp = new EchoServer('web');

  /** The AdmissionReview's response as the API server gets it over HTTPS. */
  function inject(body: string): Promise<{ allowed: boolean; patchType?: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: '/inject', ca, agent: false },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new Error(`${res.statusCode}: ${text}`));
            else resolve((JSON.parse(text) as { response: { allowed: boolean } }).response);
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  const createsTo = (path: string, name: string): ReceivedPatch[] =>
    api.creates.filter((c) => c.path === path && (c.body as CreatedSecret).metadata.name === name);

  beforeAll(async () => {
    api = await RecordedApiServer.start();
    api.answerAlways('/api/v1/services', SERVICES);
    api.answerEmptyExcept('Service');
    api.answerAlways(
      '/api/v1/namespaces/shop/serviceaccounts/api',
      JSON.stringify({
        kind: 'ServiceAccount',
        apiVersion: 'v1',
        metadata: { name: 'api', namespace: 'shop', uid: SA_UID, resourceVersion: '42' },
      }),
    );
    mesh = await Mesh.start();
    dir = await scratchDir('weft-proxy-creds-');
    const certs = await makeCertificate(dir, '127.0.0.1');
    ca = await readFile(certs.crt);
    port = await freePort();
    await Promise.all([app.start(), callerApp.start()]);
    await startFollowingControlPlane(mesh, api, {
      WEFT_INJECTION_PORT: String(port),
      WEFT_INJECTION_TLS_CERT: certs.crt,
      WEFT_INJECTION_TLS_KEY: certs.key,
      WEFT_INJECTION_IMAGE: 'registry.example.com/weft:e2e',
      // The file `weft nats-config` wrote, as the chart mounts it from its Secret.
      WEFT_NATS_ACCOUNT_SIGNING_KEY_FILE: join(
        mesh.credentials!.dir,
        'keys/weft-account-signing.nk',
      ),
    });
  });

  afterAll(async () => {
    await mesh?.stop();
    await api?.close();
    await Promise.all([app.stop(), callerApp.stop()]);
  });

  it('creates a missing Secret with working credentials: a real sidecar serves with them', async () => {
    const response = await inject(review('uid-1', 'api'));
    expect(response).toMatchObject({ allowed: true, patchType: 'JSONPatch' });

    const [created] = await waitFor('the control plane to create the Secret', () => {
      const found = createsTo(SECRETS, 'weft-proxy-api');
      return found.length > 0 ? found : undefined;
    });
    const secret = created.body as CreatedSecret;
    expect(created.contentType).toMatch(/^application\/json/);
    expect(secret.metadata).toMatchObject({
      name: 'weft-proxy-api',
      namespace: 'shop',
      annotations: { 'weft.dev/service': 'api', 'weft.dev/service-account': 'api' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'ServiceAccount', name: 'api', uid: SA_UID }],
    });
    // It read the ServiceAccount for its uid, and never a Secret.
    expect(api.requestsTo('/api/v1/namespaces/shop/serviceaccounts/api')).toContain('list');
    expect(api.requestsTo(`${SECRETS}/weft-proxy-api`)).toEqual([]);

    const creds = join(dir, 'proxy.creds');
    await writeFile(creds, Buffer.from(secret.data['proxy.creds'], 'base64'), { mode: 0o600 });
    const minted = await mesh.startSidecar({
      service: 'api',
      instanceId: 'api-minted-1',
      appPort: app.port,
      labels: 'app=api',
      env: { WEFT_NATS_CREDS: creds, WEFT_NAMESPACE: 'shop', WEFT_SERVICE_ACCOUNT: 'api' },
    });
    await waitFor('the minted sidecar among the endpoints of shop/api', async () =>
      (await mesh.endpointIds('api', 'shop')).includes(minted.instanceId) ? true : undefined,
    );
    // A meshed caller reaches it over mTLS: it got its config and its workload certificate.
    const caller = await mesh.startSidecar({
      service: 'web',
      instanceId: 'web-1',
      appPort: callerApp.port,
    });
    const reply = await waitFor('a call to api.shop through the minted sidecar', async () => {
      const res = await http(`${caller.outbound}/hello`, { headers: { host: 'api.shop' } });
      return res.status === 200 ? res : undefined;
    });
    expect((JSON.parse(reply.body) as { name: string }).name).toBe('api-minted');
    expect(app.received.at(-1)?.url).toBe('/hello');
  });

  it('is refused by nats-server when a sidecar uses it as another Service', async () => {
    const creds = join(dir, 'proxy.creds');
    const impostor = await mesh.startSidecar(
      {
        service: 'billing',
        instanceId: 'billing-impostor',
        appPort: app.port,
        env: { WEFT_NATS_CREDS: creds, WEFT_NAMESPACE: 'shop', WEFT_SERVICE_ACCOUNT: 'api' },
      },
      false,
    );
    try {
      const refused = await waitFor('nats-server to refuse the impostor', () =>
        impostor.proc.logs().find((l) => l.includes('NATS permission violation')),
      );
      // Refused on a subject of the Service it claims, which the credential does not name.
      const { subject } = JSON.parse(refused) as { subject: string };
      expect(subject).toMatch(/(^|\.)billing(\.|$)/);
      expect(await mesh.endpointIds('billing', 'shop')).toEqual([]);
    } finally {
      await impostor.proc.stop(5_000);
      // Its refusals are this test's point: the mesh's own check of its processes leaves it out.
      mesh.processes.splice(mesh.processes.indexOf(impostor.proc), 1);
    }
  });

  it('keeps an existing Secret (409), and creates nothing for a dry run', async () => {
    expect((await inject(review('uid-dry', 'dry', true))).patchType).toBe('JSONPatch');
    expect((await inject(review('uid-2', 'api'))).allowed).toBe(true);
    const [, again] = await waitFor('a second create of weft-proxy-api', () => {
      const found = createsTo(SECRETS, 'weft-proxy-api');
      return found.length > 1 ? found : undefined;
    });
    expect((again.body as CreatedSecret).metadata.name).toBe('weft-proxy-api');
    expect(api.requestsTo('/api/v1/namespaces/shop/serviceaccounts/dry')).toEqual([]);
    expect(createsTo(SECRETS, 'weft-proxy-dry')).toEqual([]);
    // The 409 ends the work: nothing retried or reported as failed.
    const cp = mesh.controlPlane().proc.logs();
    expect(cp.filter((l) => l.includes('proxy credentials: '))).toEqual([]);
  });
});
