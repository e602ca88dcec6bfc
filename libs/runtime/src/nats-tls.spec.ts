// natsTlsOptions: the files each setting names are checked at start, naming the variable at fault.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  issueCertificate,
  makeCertificateAuthority,
  type CertificateFiles,
} from '../../../test/support/test-certificates.js';
import { natsTlsOptions } from './nats-tls.js';

describe('natsTlsOptions', () => {
  let dir: string;
  let ca: CertificateFiles;
  let client: CertificateFiles;
  let notPem: string;
  const servers = ['nats://127.0.0.1:4222'];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-nats-tls-'));
    ca = await makeCertificateAuthority(join(dir, 'ca'));
    client = await issueCertificate(ca, join(dir, 'client'), 'client', 'DNS:client');
    notPem = join(dir, 'not.pem');
    await writeFile(notPem, 'not a certificate');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('passes the CA and client certificate files on, for the client to read at each connect', async () => {
    await expect(
      natsTlsOptions(
        { WEFT_NATS_TLS_CA: ca.crt, WEFT_NATS_TLS_CERT: client.crt, WEFT_NATS_TLS_KEY: client.key },
        servers,
      ),
    ).resolves.toEqual({ caFile: ca.crt, certFile: client.crt, keyFile: client.key });
  });

  it('requires TLS with the system CAs for a tls:// server, and leaves plain nats:// alone', async () => {
    await expect(natsTlsOptions({}, ['nats://a:4222', 'tls://b:4222'])).resolves.toEqual({});
    await expect(natsTlsOptions({}, servers)).resolves.toBeUndefined();
  });

  it('names the variable whose file is missing', async () => {
    const missing = join(dir, 'missing.crt');
    await expect(natsTlsOptions({ WEFT_NATS_TLS_CA: missing }, servers)).rejects.toThrow(
      `WEFT_NATS_TLS_CA=${missing}: ENOENT`,
    );
  });

  it('names the variable whose file is not a certificate or key', async () => {
    await expect(natsTlsOptions({ WEFT_NATS_TLS_CA: notPem }, servers)).rejects.toThrow(
      `WEFT_NATS_TLS_CA=${notPem}: `,
    );
    const badKey = { WEFT_NATS_TLS_CERT: client.crt, WEFT_NATS_TLS_KEY: notPem };
    await expect(natsTlsOptions(badKey, servers)).rejects.toThrow(`WEFT_NATS_TLS_KEY=${notPem}: `);
    const keyAsCert = { WEFT_NATS_TLS_CERT: client.key, WEFT_NATS_TLS_KEY: client.key };
    await expect(natsTlsOptions(keyAsCert, servers)).rejects.toThrow(
      `WEFT_NATS_TLS_CERT=${client.key}: `,
    );
  });

  it('refuses a client certificate without its key, and a key without its certificate', async () => {
    const message = 'WEFT_NATS_TLS_CERT and WEFT_NATS_TLS_KEY must be set together';
    await expect(natsTlsOptions({ WEFT_NATS_TLS_CERT: client.crt }, servers)).rejects.toThrow(
      message,
    );
    await expect(natsTlsOptions({ WEFT_NATS_TLS_KEY: client.key }, servers)).rejects.toThrow(
      message,
    );
  });
});
