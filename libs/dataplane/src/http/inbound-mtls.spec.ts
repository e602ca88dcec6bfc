// Unit spec of a workload inbound's mutual TLS on loopback: STRICT, PERMISSIVE and DISABLE on one
// port, the verified peer on the exchange, and a new certificate for the next handshakes only.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { trace } from '@opentelemetry/api';
import { spiffeId } from '@app/protocol';
import type { HandshakeFailureSink } from '@app/runtime';
import type { CertificateBundle } from '../identity/certificate-bundle.js';
import { MeshCa } from '../identity/mesh-ca.testing.js';
import { TrafficStats } from '../metrics/traffic-stats.js';
import { HopTracer } from '../telemetry/hop-tracer.js';
import { HttpListener } from './http-listener.js';
import { InboundMtls } from './inbound-mtls.js';

const API = spiffeId('cluster.local', 'shop', 'api');
const WEB = spiffeId('cluster.local', 'shop', 'web');

/** A plaintext request: `<status> <peer the listener saw>`, or `error <code>`. */
function plaintext(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
    });
    req.once('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code}`));
    req.end();
  });
}

/** A request over TLS presenting `client` (or no certificate): as above, with the server's serial. */
function overTls(
  port: number,
  roots: readonly string[],
  client?: CertificateBundle,
  maxVersion: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.3',
): Promise<string> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        agent: false,
        ca: [...roots],
        maxVersion,
        ...(client && { key: client.key, cert: client.chain.join('\n') }),
        checkServerIdentity: () => undefined,
      },
      (res) => {
        const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber.toLowerCase();
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${body} ${serial}`));
      },
    );
    req.once('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code}`));
    req.end();
  });
}

describe('InboundMtls on an HttpListener', () => {
  let ca: MeshCa;
  let apiLeaf: CertificateBundle;
  let webLeaf: CertificateBundle;
  let mtls: InboundMtls;
  let listener: HttpListener;
  let port: number;
  /** What the listener refused, as `<listener> <reason>`. */
  let refused: string[];

  beforeAll(async () => {
    ca = await MeshCa.make();
    [apiLeaf, webLeaf] = await Promise.all([ca.issue(API), ca.issue(WEB)]);
  });

  beforeEach(async () => {
    refused = [];
    const sink: HandshakeFailureSink = {
      note: (name, reason) => void refused.push(`${name} ${reason}`),
    };
    mtls = new InboundMtls(sink);
    const stats = new TrafficStats('shop/api');
    listener = new HttpListener(
      'inbound',
      (ex) => ex.res.end(ex.peer ?? 'none'),
      new HopTracer(trace.getTracer('spec')),
      stats.unrouted,
      undefined,
      undefined,
      mtls,
    );
    port = await listener.listen(0, '127.0.0.1');
  });

  afterEach(() => listener.close());

  const serial = (b: CertificateBundle): string => b.serial.toLowerCase();

  it('refuses everything until the workload holds a certificate (STRICT by default)', async () => {
    expect(mtls.mode).toBe('STRICT');
    expect(await plaintext(port)).toMatch(/^error /);
    expect(await overTls(port, apiLeaf.roots, webLeaf)).toMatch(/^error /);
  });

  it('STRICT: mTLS only; the client certificate’s SPIFFE ID is the exchange’s peer', async () => {
    mtls.setCertificate(apiLeaf);
    expect(await overTls(port, apiLeaf.roots, webLeaf)).toBe(`200 ${WEB} ${serial(apiLeaf)}`);
    expect(await plaintext(port)).toMatch(/^error /);
    expect(await overTls(port, apiLeaf.roots)).toMatch(/^error /);
  });

  it('refuses a client certificate from another CA, whatever identity it names', async () => {
    mtls.setCertificate(apiLeaf);
    const stranger = await (await MeshCa.make()).issue(WEB);
    expect(await overTls(port, apiLeaf.roots, stranger)).toMatch(/^error /);
  });

  it('PERMISSIVE: TLS and plaintext on the one port, told apart by the first byte', async () => {
    mtls.setCertificate(apiLeaf);
    mtls.mode = 'PERMISSIVE';
    expect(await plaintext(port)).toBe('200 none');
    expect(await overTls(port, apiLeaf.roots, webLeaf)).toBe(`200 ${WEB} ${serial(apiLeaf)}`);
  });

  it('DISABLE: plaintext only', async () => {
    mtls.setCertificate(apiLeaf);
    mtls.mode = 'DISABLE';
    expect(await plaintext(port)).toBe('200 none');
    expect(await overTls(port, apiLeaf.roots, webLeaf)).toMatch(/^error /);
  });

  it('presents a renewed certificate from the next handshake on', async () => {
    mtls.setCertificate(apiLeaf);
    expect(await overTls(port, apiLeaf.roots, webLeaf)).toContain(serial(apiLeaf));
    const renewed = await ca.issue(API);
    mtls.setCertificate(renewed);
    expect(await overTls(port, apiLeaf.roots, webLeaf)).toBe(`200 ${WEB} ${serial(renewed)}`);
  });

  it('reports each refused connection with its reason; an accepted one is not reported', async () => {
    /** Resolves once the refusal is reported: the server side learns of it after the client. */
    const reported = async (reason: string): Promise<void> => {
      for (let i = 0; i < 2_000 && !refused.includes(`inbound ${reason}`); i++)
        await new Promise((r) => setTimeout(r, 5));
      expect(refused).toContain(`inbound ${reason}`);
    };
    expect(await overTls(port, apiLeaf.roots, webLeaf)).toMatch(/^error /);
    await reported('no_certificate_yet');
    mtls.setCertificate(apiLeaf);
    expect(await overTls(port, apiLeaf.roots, webLeaf)).toMatch(/^200 /);
    expect(refused).toEqual(['inbound no_certificate_yet']);
    expect(await plaintext(port)).toMatch(/^error /);
    await reported('plaintext');
    expect(await overTls(port, apiLeaf.roots)).toMatch(/^error /);
    await reported('no_client_certificate');
    const stranger = await (await MeshCa.make()).issue(WEB);
    expect(await overTls(port, apiLeaf.roots, stranger)).toMatch(/^error /);
    await reported('untrusted_certificate');
    expect(await overTls(port, apiLeaf.roots, webLeaf, 'TLSv1.2')).toMatch(/^error /);
    await reported('wrong_protocol');
    mtls.mode = 'DISABLE';
    expect(await overTls(port, apiLeaf.roots, webLeaf)).toMatch(/^error /);
    await reported('tls_disabled');
    expect(refused).toHaveLength(6);
  });
});
