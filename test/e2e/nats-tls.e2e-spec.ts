// NATS over TLS: a real nats-server that requires TLS and verifies client certificates; the control
// plane, a sidecar and the CLI connect with WEFT_NATS_TLS_CA/CERT/KEY; a wrong CA is refused.
import { join } from 'node:path';
import { EchoServer } from '../support/echo-server.js';
import { FAST_TIMING, Mesh } from '../support/mesh.js';
import { plainService } from '../support/manifests.js';
import { scratchDir } from '../support/scratch-dir.js';
import { waitFor } from '../support/wait-for.js';
import {
  issueCertificate,
  makeCertificateAuthority,
  type CertificateFiles,
} from '../support/test-certificates.js';
import { lines, weft } from '../support/weft-cli.js';

describe('NATS over TLS', () => {
  let mesh: Mesh;
  let ca: CertificateFiles;
  let client: CertificateFiles;
  let otherCa: CertificateFiles;
  let tlsEnv: Record<string, string>;
  let app: EchoServer;

  beforeAll(async () => {
    app = await new EchoServer('api').start();
    const dir = await scratchDir('weft-nats-tls-');
    ca = await makeCertificateAuthority(join(dir, 'ca'));
    // nats.js checks a server it dials by IP against the name `localhost` (it sends no servername).
    const san = 'DNS:localhost,IP:127.0.0.1';
    const server = await issueCertificate(ca, join(dir, 'server'), 'nats', san);
    client = await issueCertificate(ca, join(dir, 'client'), 'client', 'DNS:weft-client');
    otherCa = await makeCertificateAuthority(join(dir, 'other-ca'));
    mesh = await Mesh.start(FAST_TIMING, {
      args: ['--tlscert', server.crt, '--tlskey', server.key, '--tlscacert', ca.crt, '--tlsverify'],
      files: [server.crt, server.key, ca.crt],
    });
    tlsEnv = {
      NATS_URL: mesh.nats.url.replace(/^nats:/, 'tls:'),
      WEFT_NATS_TLS_CA: ca.crt,
      WEFT_NATS_TLS_CERT: client.crt,
      WEFT_NATS_TLS_KEY: client.key,
    };
  });

  afterAll(async () => {
    await app?.stop();
    await mesh?.stop();
  });

  it('runs a control plane and a sidecar over TLS with client certificates', async () => {
    await mesh.startControlPlane(tlsEnv);
    const sidecar = await mesh.startSidecar({
      service: 'api',
      instanceId: 'api-tls-1',
      appPort: app.port,
      env: tlsEnv,
    });
    const revision = await mesh.applyOk(plainService('api'));
    await mesh.converged(revision, [sidecar.instanceId]);
    expect(sidecar.proc.logs().some((l) => l.includes('connected to NATS'))).toBe(true);
  });

  it('lets `weft check` reach NATS over TLS', async () => {
    const run = await weft(['check', '--nats', tlsEnv.NATS_URL], {
      server: mesh.controlPlane().url,
      env: { ...(await mesh.cliEnv()), ...tlsEnv },
    });
    expect(lines(run.stdout)).toContainEqual(
      expect.stringMatching(`^✔ NATS reachable at ${tlsEnv.NATS_URL}`),
    );
  });

  it('refuses a server whose certificate another CA signed, saying why', async () => {
    const run = await weft(['check', '--nats', tlsEnv.NATS_URL], {
      server: mesh.controlPlane().url,
      env: { ...(await mesh.cliEnv()), ...tlsEnv, WEFT_NATS_TLS_CA: otherCa.crt },
    });
    expect(run.code).toBe(1);
    const out = lines(run.stdout);
    const refused = out.indexOf(`✖ NATS reachable at ${tlsEnv.NATS_URL}`);
    expect(refused).toBeGreaterThanOrEqual(0);
    expect(out[refused + 1]).toContain('cannot connect: unable to verify the first certificate');
  });

  it('keeps retrying a server another CA signed, saying why at a bounded rate', async () => {
    const sidecar = await mesh.startSidecar(
      {
        service: 'api',
        instanceId: 'api-other-ca',
        appPort: app.port,
        env: { ...tlsEnv, WEFT_NATS_TLS_CA: otherCa.crt },
      },
      false,
    );
    const failures = () =>
      sidecar.proc.logs().filter((l) => l.includes('NATS TLS connection failed; retrying'));
    const [first] = await waitFor('the TLS failure logged', () =>
      failures().length > 0 ? failures() : undefined,
    );
    const record = JSON.parse(first) as { level: number; server: string; reason: string };
    expect([record.level, record.server]).toEqual([40, tlsEnv.NATS_URL]);
    // Node 24 adds a hint after the reason.
    expect(record.reason).toMatch(/^unable to verify the first certificate/);
    // nats.js redials every 250 ms or so; the reason is said at most every 30 s. A few more
    // seconds of redials add no line.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(failures()).toHaveLength(1);
    expect(sidecar.proc.logs().some((l) => l.includes('connected to NATS'))).toBe(false);
  });

  it('stops a component at start naming the variable whose file is missing', async () => {
    const missing = join(ca.crt, '..', 'missing.crt');
    const sidecar = await mesh.startSidecar(
      {
        service: 'api',
        instanceId: 'api-missing-ca',
        appPort: 0,
        env: { ...tlsEnv, WEFT_NATS_TLS_CA: missing },
      },
      false,
    );
    expect(await sidecar.proc.exited).not.toBe(0);
    expect(sidecar.proc.logs().join('\n')).toContain(
      `WEFT_NATS_TLS_CA=${JSON.stringify(missing)}: WEFT_NATS_TLS_CA must name a readable PEM certificate file`,
    );
  });
});
