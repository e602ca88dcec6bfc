// natsTlsProblem: an expired client certificate, and the TLS upgrade as a NATS server makes it (INFO in plaintext, then the handshake), against a stand-in server with a real certificate.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import {
  issueCertificate,
  makeCertificateAuthority,
  type CertificateFiles,
} from '../../../test/support/test-certificates.js';
import { natsTlsProblem } from './nats-tls-diagnosis.js';

describe('natsTlsProblem', () => {
  let dir: string;
  let ca: CertificateFiles;
  let otherCa: CertificateFiles;
  let client: CertificateFiles;
  let server: Server;
  let address: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-nats-tls-diagnosis-'));
    ca = await makeCertificateAuthority(join(dir, 'ca'));
    otherCa = await makeCertificateAuthority(join(dir, 'other-ca'));
    client = await issueCertificate(ca, join(dir, 'client'), 'client', 'DNS:client');
    const cert = await issueCertificate(ca, join(dir, 'server'), 'nats', 'DNS:localhost');
    // As nats-server with `tls {}` and `verify`: INFO in plaintext, then TLS asking for a client
    // certificate its CA signed.
    const tls = createTlsServer({
      cert: readFileSync(cert.crt),
      key: readFileSync(cert.key),
      ca: readFileSync(ca.crt),
      requestCert: true,
      rejectUnauthorized: true,
    });
    tls.on('tlsClientError', () => undefined);
    server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.write('INFO {"server_id":"stand-in","tls_required":true}\r\n');
      tls.emit('connection', socket);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    address = `tls://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  const settings = (caFile: string) => ({
    WEFT_NATS_TLS_CA: caFile,
    WEFT_NATS_TLS_CERT: client.crt,
    WEFT_NATS_TLS_KEY: client.key,
  });

  it('finds nothing wrong when the server is the CA’s and takes the client certificate', async () => {
    expect(await natsTlsProblem(address, settings(ca.crt))).toBeUndefined();
  });

  it('says why the handshake fails when another CA signed the server', async () => {
    // nats-server sends its certificate alone ("unable to verify the first certificate"); this
    // stand-in sends it with its CA.
    expect(await natsTlsProblem(address, settings(otherCa.crt))).toMatch(
      /^(unable to verify the first certificate|self-signed certificate in certificate chain)/,
    );
  });

  it('says the server refused a client certificate another CA signed', async () => {
    const stranger = await issueCertificate(otherCa, join(dir, 'stranger'), 'x', 'DNS:x');
    const reason = await natsTlsProblem(address, {
      WEFT_NATS_TLS_CA: ca.crt,
      WEFT_NATS_TLS_CERT: stranger.crt,
      WEFT_NATS_TLS_KEY: stranger.key,
    });
    // nats-server sends an alert (the error names it); Node's TLS server, this stand-in, closes.
    expect(reason).toBe(
      'the server closed the connection at the TLS handshake (is WEFT_NATS_TLS_CERT signed by a CA it trusts?)',
    );
  });

  it('says the client certificate expired, without asking the server', async () => {
    // The test certificates last 2 days: 3 days on, this one has expired.
    jest.useFakeTimers({ now: Date.now() + 3 * 86_400_000 });
    try {
      expect(await natsTlsProblem('tls://127.0.0.1:1', settings(ca.crt))).toMatch(
        /^WEFT_NATS_TLS_CERT expired on /,
      );
    } finally {
      jest.useRealTimers();
    }
  });

  it('names no TLS reason when nothing listens (nats.js says it is disconnected)', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await natsTlsProblem(`tls://127.0.0.1:${port}`, settings(ca.crt))).toBeUndefined();
  });
});
