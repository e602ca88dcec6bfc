// TLS origination to ExternalServices through a sidecar: ALPN picks HTTP/2 or HTTP/1.1, the server is
// verified against the configured CA and SNI name, MUTUAL presents a client certificate, and a
// certificate file the proxy cannot read is NACKed while the previous config keeps routing.
import { readFile } from 'node:fs/promises';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { http } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { makeCertificate, type CertificateFiles } from '../support/test-certificates.js';
import { scratchDir } from '../support/scratch-dir.js';

const PAYMENTS = 'payments.example.test';
const LEDGER = 'ledger.example.test';

interface Seen {
  version: string;
  sni: string;
  host: string;
  client: string;
}

/** Answers with what the TLS server saw: HTTP version, SNI, Host and the client certificate's CN. */
function describe_(req: {
  httpVersion: string;
  socket: unknown;
  headers: Record<string, unknown>;
}): string {
  const socket = req.socket as TLSSocket & { servername?: string };
  const peer = socket.getPeerCertificate();
  const seen: Seen = {
    version: req.httpVersion,
    sni: String(socket.servername),
    host: String(req.headers[':authority'] ?? req.headers.host),
    client: peer && 'subject' in peer ? String(peer.subject.CN) : 'none',
  };
  return JSON.stringify(seen);
}

const external = (name: string, port: number, tls: string): string => `
apiVersion: weft.dev/v1alpha1
kind: ExternalService
metadata: { name: ${name} }
spec:
  hosts: [${name}.example.test]
  endpoints: [{ address: 127.0.0.1, port: ${port} }]
  tls: ${tls}
`;

describe('TLS origination to ExternalServices', () => {
  let mesh: Mesh;
  let dir: string;
  let serverCert: CertificateFiles;
  let clientCert: CertificateFiles;
  let h2: Http2SecureServer;
  let mutualOnly: HttpsServer;
  let app: EchoServer;
  let caller: Sidecar;
  let manifests: (paymentsCa: string) => string;

  beforeAll(async () => {
    dir = await scratchDir('weft-tls-origin-');
    serverCert = await makeCertificate(join(dir, 'server'), PAYMENTS);
    const ledgerCert = await makeCertificate(join(dir, 'ledger'), LEDGER);
    clientCert = await makeCertificate(join(dir, 'client'), 'caller.example.test');
    // payments: HTTP/2 and HTTP/1.1 offered; ledger: HTTP/1.1 only, and a client certificate required.
    h2 = createSecureServer(
      {
        cert: await readFile(serverCert.crt),
        key: await readFile(serverCert.key),
        allowHTTP1: true,
      },
      (req, res) => res.end(describe_(req)),
    );
    mutualOnly = createHttpsServer(
      {
        cert: await readFile(ledgerCert.crt),
        key: await readFile(ledgerCert.key),
        ca: await readFile(clientCert.crt),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => res.end(describe_(req)),
    );
    for (const server of [h2, mutualOnly])
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server: Http2SecureServer | HttpsServer): number =>
      (server.address() as AddressInfo).port;
    manifests = (paymentsCa) =>
      [
        external('payments', port(h2), `{ mode: SIMPLE, caCertificates: ${paymentsCa} }`),
        external(
          'ledger',
          port(mutualOnly),
          `{ mode: MUTUAL, caCertificates: ${ledgerCert.crt}, clientCertificate: ${clientCert.crt}, privateKey: ${clientCert.key} }`,
        ),
        // The system's roots do not know the test CA: this one must fail the handshake.
        external('untrusted', port(h2), `{ mode: SIMPLE, sni: ${PAYMENTS} }`),
        external('skip-verify', port(h2), `{ mode: SIMPLE, insecureSkipVerify: true }`),
      ].join('---');

    app = await new EchoServer('caller').start();
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    caller = await mesh.startSidecar({
      service: 'caller',
      instanceId: 'caller1',
      appPort: app.port,
    });
    await mesh.converged(await mesh.applyOk(manifests(serverCert.crt)), ['caller1']);
  });

  afterAll(async () => {
    await mesh.stop();
    await app.stop();
    await Promise.all([h2, mutualOnly].map((s) => new Promise((done) => s.close(done))));
  });

  const via = (host: string) => http(`${caller.outbound}/pay`, { headers: { host } });
  const seen = async (host: string): Promise<Seen> => {
    const res = await via(host);
    expect(res.status).toBe(200);
    return JSON.parse(res.body) as Seen;
  };

  it('speaks HTTP/2 over TLS when the server picks h2, verified against the CA, SNI from the hosts', async () => {
    expect(await seen('payments')).toEqual({
      version: '2.0',
      sni: PAYMENTS,
      host: 'payments',
      client: 'none',
    });
    expect((await seen(PAYMENTS)).version).toBe('2.0');
  });

  it('presents the client certificate in MUTUAL mode, over HTTP/1.1 when that is all the server speaks', async () => {
    expect(await seen('ledger')).toEqual({
      version: '1.1',
      sni: LEDGER,
      host: 'ledger',
      client: 'caller.example.test',
    });
  });

  it('answers 502 when the server cannot be verified, and reaches it with insecureSkipVerify', async () => {
    const refused = await via('untrusted');
    expect(refused.status).toBe(502);
    expect(refused.headers['x-weft-error']).toBe('upstream_connect_failure');
    expect((await seen('skip-verify')).version).toBe('2.0');
  });

  it('NACKs a CA file the proxy cannot read, naming the field, and keeps routing with the last good config', async () => {
    const missing = join(dir, 'missing-ca.pem');
    const revision = await mesh.applyOk(manifests(missing));
    const [row] = await mesh.reported('NACK', revision, ['caller1']);
    expect(row.error).toContain('ExternalService/default/payments');
    expect(row.error).toContain('spec.tls.caCertificates');
    expect(row.error).toContain(`cannot read ${missing}: ENOENT`);
    expect((await seen('payments')).version).toBe('2.0');
    await mesh.converged(await mesh.applyOk(manifests(serverCert.crt)), ['caller1']);
  });
});
