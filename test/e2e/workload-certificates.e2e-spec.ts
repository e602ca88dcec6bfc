// Workload identity end to end: the control plane is the mesh CA, proxies get SPIFFE leaves over
// NATS and renew them, the root rotates without cutting any proxy off, and the root survives a
// restart and is shared by a second replica. (A CSR for another identity is an attack: see
// mesh-attacks.e2e-spec.ts.) Certificates are checked with node:crypto's X509Certificate
// (OpenSSL), not with the library that made them.
import { randomBytes, X509Certificate } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { json } from '../support/admin-client.js';
import { AppProcess } from '../support/app-process.js';
import { askCa, csrFor } from '../support/csr-requests.js';
import { EchoServer } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { Mesh, type ControlPlane, type Router, type Sidecar } from '../support/mesh.js';
import { metric } from '../support/metrics.js';
import { waitFor } from '../support/wait-for.js';
import { weft } from '../support/weft-cli.js';
import { scratchDir } from '../support/scratch-dir.js';

interface IdentityView {
  spiffeId: string;
  certificate: {
    serial: string;
    notBefore: string;
    notAfter: string;
    issuer: string;
    chain: string[];
    roots: string[];
  } | null;
}

interface CaView {
  enabled: boolean;
  phase: string;
  roots: { fingerprint: string; signer: boolean }[];
  waitingFor: string[];
}

const SERVICES = `apiVersion: v1
kind: Service
metadata: { name: api }
spec: { selector: { app: api } }
`;

const identities = async (adminPort: number): Promise<IdentityView[]> =>
  (await json<{ items: IdentityView[] }>(`http://127.0.0.1:${adminPort}/v1/identities`)).items;

const caView = (cp: ControlPlane): Promise<CaView> => json<CaView>(`${cp.url}/v1/ca`);

/** SHA-256 of a certificate's DER, lower-case hex without colons, as the CA names roots. */
const fingerprint = (pem: string): string =>
  new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase();

/** The proxy's one leaf, once it holds one. */
async function leafOf(adminPort: number): Promise<NonNullable<IdentityView['certificate']>> {
  return waitFor(
    `a workload certificate on :${adminPort}`,
    async () => {
      const [view] = await identities(adminPort);
      return view?.certificate ?? undefined;
    },
    30_000,
  );
}

/**
 * Polls a proxy's identities until stopped, recording every moment it held no valid leaf: a
 * renewal or a rotation must never leave it without one.
 */
class LeafWatch {
  readonly gaps: string[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly adminPort: number) {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const views = await identities(this.adminPort);
      const at = Date.now();
      for (const { spiffeId, certificate: cert } of views) {
        if (!cert || Date.parse(cert.notAfter) <= at)
          this.gaps.push(`${spiffeId} at ${new Date(at).toISOString()}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('workload certificates', () => {
  let mesh: Mesh;
  let cp: ControlPlane;
  /** The CA key files of this file's control planes. */
  let scratch: string;
  let keyFile: string;
  let sidecar: Sidecar;
  let router: Router;
  let node: Sidecar;
  let nc: NatsConnection;
  const app = new EchoServer('api');
  const nodeApps = [new EchoServer('web'), new EchoServer('shop')];
  let caEnv: Record<string, string>;

  beforeAll(async () => {
    mesh = await Mesh.start();
    scratch = await scratchDir('weft-ca-e2e-');
    keyFile = join(scratch, 'ca.key');
    await writeFile(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    // Short-lived leaves: a renewal every ~10 s, while the suite runs.
    caEnv = { WEFT_CA_ENCRYPTION_KEY_FILE: keyFile, WEFT_CERT_TTL: '20s' };
    cp = await mesh.startControlPlane(caEnv);
    await app.start();
    sidecar = await mesh.startSidecar({ service: 'api', instanceId: 'api-1', appPort: app.port });
    router = await mesh.startRouter('r1', {
      WEFT_MODE: 'router',
      WEFT_LISTEN_PORT: String(await freePort()),
    });
    // A node proxy: one identity per service account of its workloads.
    await Promise.all(nodeApps.map((a) => a.start()));
    const workloads = [
      { service: 'web', instanceId: 'web-1', appPort: nodeApps[0].port },
      {
        service: 'shop',
        instanceId: 'shop-1',
        appPort: nodeApps[1].port,
        serviceAccount: 'checkout',
      },
    ];
    node = await mesh.startSidecar({
      service: '',
      instanceId: 'node-a',
      appPort: 0,
      env: { WEFT_MODE: 'node', WEFT_WORKLOADS: JSON.stringify(workloads), WEFT_APP_PORT: '' },
    });
    await mesh.converged(await mesh.applyOk(SERVICES), ['api-1', 'r1', 'node-a']);
    // A client holding api's credentials: nats-server lets it ask only as `default/api`.
    nc = await mesh.natsClient({
      role: 'proxy',
      identity: { namespace: 'default', service: 'api', serviceAccount: 'api' },
    });
  });

  afterAll(async () => {
    await nc?.close();
    await Promise.all([app, ...nodeApps].map((a) => a.stop()));
    await mesh?.stop();
  });

  it('gives a sidecar a leaf naming its SPIFFE ID alone, chained to the mesh root, cached 0600', async () => {
    const leaf = await leafOf(sidecar.adminPort);
    const cert = new X509Certificate(leaf.chain[0]);
    expect(cert.subjectAltName).toBe('URI:spiffe://cluster.local/ns/default/sa/api');
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(
      expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']),
    );
    const [root] = leaf.roots.map((pem) => new X509Certificate(pem));
    expect(cert.checkIssued(root)).toBe(true);
    expect(cert.verify(root.publicKey)).toBe(true);
    const { roots } = await caView(cp);
    expect(roots.map((r) => r.fingerprint)).toEqual([fingerprint(leaf.roots[0])]);
    // The disk cache for cold starts: the key and this leaf (or its successor), readable by the owner only.
    const files = (await readdir(mesh.stateDir)).filter((f) => f.includes('identity-api-1'));
    expect(files).toHaveLength(1);
    const file = join(mesh.stateDir, files[0]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const cached = JSON.parse(await readFile(file, 'utf8')) as { key: string; chain: string[] };
    expect(cached.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(new X509Certificate(cached.chain[0]).subjectAltName).toBe(cert.subjectAltName);
  });

  it('gives a router its own identity', async () => {
    const leaf = await leafOf(router.adminPort);
    expect(new X509Certificate(leaf.chain[0]).subjectAltName).toBe(
      'URI:spiffe://cluster.local/ns/default/sa/router',
    );
  });

  it('gives a node proxy one identity per service account of its workloads, and its own', async () => {
    const ids = await waitFor(
      'the node identities with leaves',
      async () => {
        const views = await identities(node.adminPort);
        return views.every((v) => v.certificate) ? views : undefined;
      },
      30_000,
    );
    expect(
      ids.map((v) => new X509Certificate(v.certificate?.chain[0] ?? '').subjectAltName).sort(),
    ).toEqual([
      'URI:spiffe://cluster.local/ns/default/sa/checkout',
      // Its own: what its shared outbound listener presents to the Services its workloads call.
      'URI:spiffe://cluster.local/ns/default/sa/node',
      'URI:spiffe://cluster.local/ns/default/sa/web',
    ]);
  });

  it('renews a leaf before it expires, never leaving the proxy without a valid one', async () => {
    const first = await leafOf(sidecar.adminPort);
    const watch = new LeafWatch(sidecar.adminPort);
    const renewed = await waitFor(
      'a renewed leaf',
      async () => {
        const leaf = await leafOf(sidecar.adminPort);
        return leaf.serial !== first.serial ? leaf : undefined;
      },
      60_000,
    );
    await watch.stop();
    expect(Date.parse(renewed.notBefore)).toBeGreaterThan(Date.parse(first.notBefore));
    expect(watch.gaps).toEqual([]);
  });

  it('rotates the root with `weft ca rotate`: every proxy ends on the new root, none ever without a leaf', async () => {
    const [oldRoot] = (await caView(cp)).roots.map((r) => r.fingerprint);
    const proxies = [sidecar.adminPort, router.adminPort, node.adminPort];
    const watches = proxies.map((port) => new LeafWatch(port));
    const run = await weft(['ca', 'rotate', '--wait', '--timeout', '2m'], { server: cp.url });
    await Promise.all(watches.map((w) => w.stop()));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/root rotation started: phase distributing/);
    expect(run.stdout).toMatch(/phase signing/);
    expect(run.stdout).toMatch(/root rotation done/);
    const after = await caView(cp);
    expect(after.phase).toBe('steady');
    expect(after.roots).toHaveLength(1);
    const [newRoot] = after.roots.map((r) => r.fingerprint);
    expect(newRoot).not.toBe(oldRoot);
    for (const proxy of proxies) {
      for (const { certificate: leaf } of await identities(proxy)) {
        expect(leaf?.roots.map(fingerprint)).toEqual([newRoot]);
        const root = new X509Certificate(leaf?.roots[0] ?? '');
        expect(new X509Certificate(leaf?.chain[0] ?? '').verify(root.publicKey)).toBe(true);
      }
    }
    for (const watch of watches) expect(watch.gaps).toEqual([]);
    const status = await weft(['ca', 'status'], { server: cp.url });
    expect(status.stdout).toContain(`${newRoot}   yes`);
    expect(status.stdout).toMatch(/phase: steady/);
  });

  it('keeps its root across a restart, shares it with a second replica, and refuses a wrong key', async () => {
    const [root] = (await caView(cp)).roots.map((r) => r.fingerprint);
    await cp.proc.stop();
    const restarted = await mesh.startControlPlane(caEnv);
    await waitFor('the restarted CA', async () =>
      (await caView(restarted)).enabled ? true : undefined,
    );
    expect((await caView(restarted)).roots.map((r) => r.fingerprint)).toEqual([root]);
    const second = await mesh.startControlPlane(caEnv);
    await waitFor('the second replica’s CA', async () =>
      (await caView(second)).enabled ? true : undefined,
    );
    expect((await caView(second)).roots.map((r) => r.fingerprint)).toEqual([root]);
    // With the first replica gone, the second alone answers the queue group.
    await restarted.proc.stop();
    const signed = await waitFor(
      'a leaf from the second replica',
      async () => {
        const answer = await askCa(
          nc,
          'weft.v1.ca.sign.default.api',
          await csrFor('spiffe://cluster.local/ns/default/sa/api'),
        ).catch(() => undefined);
        return answer?.chain ? answer : undefined;
      },
      30_000,
    );
    const leaf = new X509Certificate(signed.chain?.[0] ?? '');
    expect(signed.roots?.map(fingerprint)).toEqual([root]);
    expect(leaf.verify(new X509Certificate(signed.roots?.[0] ?? '').publicKey)).toBe(true);
    expect(await metric(second.adminPort, 'weft_ca_certificates_issued_total')).toBeGreaterThan(0);
    // A replica with another key file cannot open the stored root: it stops, saying why.
    const wrongKey = join(scratch, 'wrong.key');
    await writeFile(wrongKey, randomBytes(32).toString('base64'));
    const wrong = AppProcess.start('control-plane', 'control-plane-wrong-key', {
      NATS_URL: mesh.nats.url,
      ...mesh.credentials?.controlPlaneEnv(),
      WEFT_ADMIN_PORT: String(await freePort()),
      WEFT_CA_ENCRYPTION_KEY_FILE: wrongKey,
    });
    const guard = setTimeout(() => void wrong.stop(1_000), 30_000);
    const code = await wrong.exited;
    clearTimeout(guard);
    expect(code).toBe(1);
    expect(wrong.logs().join('\n')).toMatch(/WEFT_CA_ENCRYPTION_KEY_FILE does not open the CA key/);
  });
});
