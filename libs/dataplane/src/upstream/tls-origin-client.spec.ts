// Unit spec for TLS origination against real local TLS servers: ALPN picks HTTP/2 or HTTP/1.1,
// the server is verified against the configured CA and name, and MUTUAL mode presents a certificate.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { makeCertificate } from '../../../../test/support/test-certificates.js';
import { dispatchOutcome as send } from './dispatch-outcome.testing.js';
import { TlsOriginClient } from './tls-origin-client.js';
import type { UpstreamTls } from './upstream-tls.js';

const HOST = 'api.example.test';

/** Answers with the HTTP version it was spoken to in, the SNI it got and the client's certificate CN. */
function describeRequest(req: Http2ServerRequest, res: Http2ServerResponse): void {
  const socket = req.socket as TLSSocket;
  const peer = socket.getPeerCertificate();
  res.setHeader('x-sni', String((socket as TLSSocket & { servername?: string }).servername));
  res.setHeader('x-client-cn', peer && 'subject' in peer ? String(peer.subject.CN) : 'none');
  res.addTrailers({ 'x-done': 'yes' });
  res.end(req.httpVersion);
}

describe('TlsOriginClient', () => {
  let dir: string;
  let server: { crt: string; key: string };
  let client: { crt: string; key: string };
  let h2: Http2SecureServer;
  let http1Only: HttpsServer;
  const origins = { h2: '', http1: '' };

  const tls = (
    options: UpstreamTls['options'],
    servername: string | undefined = HOST,
  ): UpstreamTls => ({
    id: 'test',
    servername,
    options,
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-tls-'));
    const files = await makeCertificate(join(dir, 'server'), HOST);
    const clientFiles = await makeCertificate(join(dir, 'client'), 'caller.example.test');
    server = { crt: await readFile(files.crt, 'utf8'), key: await readFile(files.key, 'utf8') };
    client = {
      crt: await readFile(clientFiles.crt, 'utf8'),
      key: await readFile(clientFiles.key, 'utf8'),
    };
    const common = {
      cert: server.crt,
      key: server.key,
      ca: client.crt,
      requestCert: true,
      rejectUnauthorized: false,
    };
    h2 = createSecureServer({ ...common, allowHTTP1: true }, describeRequest);
    http1Only = createHttpsServer(common, (req, res) =>
      describeRequest(req as unknown as Http2ServerRequest, res as unknown as Http2ServerResponse),
    );
    for (const [name, srv] of [
      ['h2', h2],
      ['http1', http1Only],
    ] as const) {
      await new Promise<void>((done) => srv.listen(0, '127.0.0.1', done));
      origins[name] = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    }
  });

  afterAll(async () => {
    await Promise.all([h2, http1Only].map((s) => new Promise((done) => s.close(done))));
    await rm(dir, { recursive: true, force: true });
  });

  it('speaks HTTP/2 when the server picks h2, with SNI and trailers, on one connection', async () => {
    const upstream = new TlsOriginClient(origins.h2, tls({ ca: server.crt }), {}, 4_000);
    let connections = 0;
    const count = (): void => void connections++;
    h2.on('secureConnection', count);
    const answers = await Promise.all(Array.from({ length: 5 }, () => send(upstream)));
    h2.off('secureConnection', count);
    expect(answers.map((a) => [a.status, a.body, a.headers['x-sni']])).toEqual(
      Array(5).fill([200, '2.0', HOST]),
    );
    expect(answers[0].trailers?.['x-done']).toBe('yes');
    // The negotiating handshake's connection is the HTTP/2 session's.
    expect(connections).toBe(1);
    await upstream.close();
  });

  it('falls back to HTTP/1.1 when the server offers only that', async () => {
    const upstream = new TlsOriginClient(origins.http1, tls({ ca: server.crt }), {}, 4_000);
    const answers = await Promise.all(Array.from({ length: 3 }, () => send(upstream)));
    expect(answers.map((a) => [a.status, a.body])).toEqual(Array(3).fill([200, '1.1']));
    await upstream.close();
  });

  it('refuses a server whose certificate the CA does not sign, or whose name differs', async () => {
    const unknownCa = new TlsOriginClient(origins.h2, tls({}), {}, 4_000);
    expect((await send(unknownCa)).error).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    await unknownCa.close();
    const wrongName = new TlsOriginClient(
      origins.h2,
      tls({ ca: server.crt }, 'other.example.test'),
      {},
      4_000,
    );
    expect((await send(wrongName)).error).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    await wrongName.close();
  });

  it('accepts any certificate with insecureSkipVerify', async () => {
    const upstream = new TlsOriginClient(origins.h2, tls({ rejectUnauthorized: false }), {}, 4_000);
    expect(await send(upstream)).toMatchObject({ status: 200, body: '2.0' });
    await upstream.close();
  });

  it('presents the client certificate in MUTUAL mode, over either protocol', async () => {
    const mutual = tls({ ca: server.crt, cert: client.crt, key: client.key });
    for (const [origin, version] of [
      [origins.h2, '2.0'],
      [origins.http1, '1.1'],
    ]) {
      const upstream = new TlsOriginClient(origin, mutual, {}, 4_000);
      const out = await send(upstream);
      expect([out.status, out.body, out.headers['x-client-cn']]).toEqual([
        200,
        version,
        'caller.example.test',
      ]);
      await upstream.close();
    }
  });

  it('reports a refused connection as undici names it, and negotiates again on the next request', async () => {
    const port = Number(new URL(origins.http1).port);
    await new Promise((done) => http1Only.close(done));
    const upstream = new TlsOriginClient(origins.http1, tls({ ca: server.crt }), {}, 4_000);
    expect((await send(upstream)).error).toBe('ECONNREFUSED');
    await new Promise<void>((done) => http1Only.listen(port, '127.0.0.1', done));
    expect(await send(upstream)).toMatchObject({ status: 200, body: '1.1' });
    await upstream.close();
  });
});
