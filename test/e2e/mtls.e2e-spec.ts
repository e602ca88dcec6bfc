// Mutual TLS between sidecars in the default secure mesh: callers present their workload certificate,
// inbound listeners follow PeerAuthentication (STRICT, PERMISSIVE, DISABLE), the peer identity reaches
// access logs, and neither leaf renewal nor root rotation under load fails a request. (The attacks on
// it, plaintext to STRICT and certificates for another identity, are in mesh-attacks.e2e-spec.ts.)
import { http, json } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { peerAuthentication } from '../support/manifests.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { plaintextTo } from '../support/raw-clients.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { weft } from '../support/weft-cli.js';

const A_ID = 'spiffe://cluster.local/ns/default/sa/a';
/** Short-lived leaves: each identity renews every 10 s or so (half life) while the suite runs. */
const CERT_TTL = '20s';

interface IdentityView {
  spiffeId: string;
  certificate: { serial: string; chain: string[]; roots: string[] } | null;
}

describe('mTLS between sidecars (PeerAuthentication)', () => {
  let mesh: Mesh;
  const apps: EchoServer[] = [];
  let a: Sidecar;
  let b: Sidecar;

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane({ WEFT_CERT_TTL: CERT_TTL });
    const [appA, appB] = await Promise.all(['a', 'b'].map((n) => new EchoServer(n).start()));
    apps.push(appA, appB);
    const env = { WEFT_ACCESS_LOG: 'stdout' };
    [a, b] = await Promise.all([
      mesh.startSidecar({ service: 'a', instanceId: 'a1', appPort: appA.port, env }),
      mesh.startSidecar({ service: 'b', instanceId: 'b1', appPort: appB.port, env }),
    ]);
    await waitFor('b in the endpoints', async () =>
      (await mesh.endpointIds('b')).join() === 'b1' ? true : undefined,
    );
  });

  afterAll(async () => {
    await Promise.all(apps.map((s) => s.stop()));
    await mesh.stop();
  });

  const viaA = (path: string) => http(`${a.outbound}${path}`, { headers: { host: 'b' } });

  /** The access records of `path` on `sidecar`, as its stdout has them. */
  const accessRecords = (sidecar: Sidecar, path: string): { sourcePrincipal: string }[] =>
    sidecar.proc
      .logs()
      .filter((l) => l.includes('"msg":"access"') && l.includes(`"path":"${path}"`))
      .map((l) => (JSON.parse(l) as { access: { sourcePrincipal: string } }).access);

  /** The verified caller in b's access record of `path`, once it is written. */
  const principalAtB = async (path: string): Promise<string> =>
    (await waitFor(`b’s access record of ${path}`, () => accessRecords(b, path).at(-1)))
      .sourcePrincipal;

  const identities = (sidecar: Sidecar) =>
    json<{ items: IdentityView[] }>(`http://127.0.0.1:${sidecar.adminPort}/v1/identities`);

  it('carries A → B over mTLS by default (STRICT): B sees A’s SPIFFE ID in its access log', async () => {
    const res = await viaA('/mtls-default');
    expect(res.body).toContain('"name":"b"');
    expect(res.status).toBe(200);
    expect(await principalAtB('/mtls-default')).toBe(A_ID);
  });

  /** Applies `b`'s PeerAuthentication and waits until both sidecars took it. */
  const bMode = async (mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE'): Promise<void> =>
    void (await mesh.converged(await mesh.applyOk(peerAuthentication('b', mode)), ['a1', 'b1']));

  it('PERMISSIVE takes plaintext and mTLS on the one port; STRICT again refuses plaintext', async () => {
    await bMode('PERMISSIVE');
    expect(await plaintextTo(b.inboundPort)).toBe('status 200');
    const res = await viaA('/mtls-permissive');
    expect(res.status).toBe(200);
    expect(await principalAtB('/mtls-permissive')).toBe(A_ID);

    await bMode('STRICT');
    expect(await plaintextTo(b.inboundPort)).toMatch(/^error /);
    expect((await viaA('/mtls-strict-again')).status).toBe(200);
  });

  it('DISABLE: the endpoint is marked plaintext, callers speak plaintext, no peer identity', async () => {
    await bMode('DISABLE');
    await waitFor('b1 marked plaintext in its endpoint set', async () => {
      const { items } = await json<{
        items: { service: string; endpoints: { instanceId: string; plaintext?: boolean }[] }[];
      }>(`${mesh.cp!.url}/v1/endpoints`);
      const set = items.find((s) => s.service === 'b');
      return set?.endpoints.find((e) => e.instanceId === 'b1')?.plaintext === true
        ? true
        : undefined;
    });
    // A takes the new set on its own watch: until then its mTLS is refused by b's DISABLE.
    await waitFor('A reaching b in plaintext', async () =>
      (await viaA('/mtls-disabled')).status === 200 ? true : undefined,
    );
    expect(await principalAtB('/mtls-disabled')).toBe('');
    expect(await plaintextTo(b.inboundPort)).toBe('status 200');

    await bMode('STRICT');
    await waitFor('A reaching b over mTLS again', async () =>
      (await viaA('/mtls-back')).status === 200 ? true : undefined,
    );
    expect(await plaintextTo(b.inboundPort)).toMatch(/^error /);
  });

  /** Four callers sending A → B back to back until stopped; what they sent and what failed. */
  const steadyLoad = (): { stop(): Promise<{ sent: number; failures: string[] }> } => {
    const failures: string[] = [];
    let sent = 0;
    let loading = true;
    const worker = async (): Promise<void> => {
      while (loading) {
        const res = await viaA(`/load-${sent++}`).catch((err: Error) => ({
          status: 0,
          body: err.message,
        }));
        if (res.status !== 200) failures.push(`${res.status} ${res.body.slice(0, 200)}`);
      }
    };
    const load = Promise.all([worker(), worker(), worker(), worker()]);
    return {
      stop: async () => {
        loading = false;
        await load;
        return { sent, failures };
      },
    };
  };

  const serials = async (sidecar: Sidecar): Promise<string> =>
    (await identities(sidecar)).items.map((i) => i.certificate?.serial ?? 'none').join();

  it('renews leaves under steady load with no failed request', async () => {
    const load = steadyLoad();
    try {
      // Both sides renew at least twice (connections opened before and after each renewal).
      let renewals = 0;
      let last = { a: await serials(a), b: await serials(b) };
      await waitFor(
        'two renewals of both a’s and b’s leaves under load',
        async () => {
          const now = { a: await serials(a), b: await serials(b) };
          if (now.a !== last.a && now.b !== last.b) {
            renewals++;
            last = now;
          }
          return renewals >= 2 ? true : undefined;
        },
        90_000,
      );
      await sleep(500);
    } finally {
      const { sent, failures } = await load.stop();
      expect(sent).toBeGreaterThan(100);
      expect(failures).toEqual([]);
    }
  });

  it('rotates the root (`weft ca rotate`) under steady load with no failed request', async () => {
    const rootsOf = async (sidecar: Sidecar): Promise<string[]> =>
      (await identities(sidecar)).items.flatMap((i) => i.certificate?.roots ?? []);
    const [oldRoot] = await rootsOf(b);
    const load = steadyLoad();
    let run: Awaited<ReturnType<typeof weft>>;
    try {
      run = await weft(['ca', 'rotate', '--wait', '--timeout', '3m'], { server: mesh.cp!.url });
      // Calls opened after the old root left every bundle.
      await sleep(1_000);
    } finally {
      const { sent, failures } = await load.stop();
      expect(sent).toBeGreaterThan(100);
      expect(failures).toEqual([]);
    }
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/root rotation done/);
    for (const sidecar of [a, b]) {
      const roots = await rootsOf(sidecar);
      expect(roots).toHaveLength(1);
      expect(roots[0]).not.toBe(oldRoot);
    }
    expect((await viaA('/after-rotation')).status).toBe(200);
  });
});
