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
import { CommonEnv, loadEnv } from './env.js';
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
    expect(
      natsTlsOptions(
        { WEFT_NATS_TLS_CA: ca.crt, WEFT_NATS_TLS_CERT: client.crt, WEFT_NATS_TLS_KEY: client.key },
        servers,
      ),
    ).toEqual({ caFile: ca.crt, certFile: client.crt, keyFile: client.key });
  });

  it('requires TLS with the system CAs for a tls:// server, and leaves plain nats:// alone', async () => {
    expect(natsTlsOptions({}, ['nats://a:4222', 'tls://b:4222'])).toEqual({});
    expect(natsTlsOptions({}, servers)).toBeUndefined();
  });

  it('names the variable whose file is missing', async () => {
    const missing = join(dir, 'missing.crt');
    expect(() => natsTlsOptions({ WEFT_NATS_TLS_CA: missing }, servers)).toThrow(
      `WEFT_NATS_TLS_CA=${missing}: must name a readable PEM certificate file (ENOENT`,
    );
  });

  it('names the variable whose file is not a certificate or key', async () => {
    expect(() => natsTlsOptions({ WEFT_NATS_TLS_CA: notPem }, servers)).toThrow(
      `WEFT_NATS_TLS_CA=${notPem}: `,
    );
    const badKey = { WEFT_NATS_TLS_CERT: client.crt, WEFT_NATS_TLS_KEY: notPem };
    expect(() => natsTlsOptions(badKey, servers)).toThrow(`WEFT_NATS_TLS_KEY=${notPem}: `);
    const keyAsCert = { WEFT_NATS_TLS_CERT: client.key, WEFT_NATS_TLS_KEY: client.key };
    expect(() => natsTlsOptions(keyAsCert, servers)).toThrow(`WEFT_NATS_TLS_CERT=${client.key}: `);
  });

  it('refuses a client certificate without its key, and a key without its certificate', async () => {
    const message = 'WEFT_NATS_TLS_CERT and WEFT_NATS_TLS_KEY must be set together';
    expect(() => natsTlsOptions({ WEFT_NATS_TLS_CERT: client.crt }, servers)).toThrow(message);
    expect(() => natsTlsOptions({ WEFT_NATS_TLS_KEY: client.key }, servers)).toThrow(message);
  });

  it('stops the env from loading, naming the variable, the file and why', () => {
    const missing = join(dir, 'missing.crt');
    expect(() => loadEnv(CommonEnv, { WEFT_NATS_TLS_CA: missing })).toThrow(
      `WEFT_NATS_TLS_CA=${JSON.stringify(missing)}: WEFT_NATS_TLS_CA must name a readable PEM certificate file (ENOENT`,
    );
    expect(() => loadEnv(CommonEnv, { WEFT_NATS_TLS_CERT: client.crt })).toThrow(
      'WEFT_NATS_TLS_KEY=undefined: WEFT_NATS_TLS_KEY must be set with WEFT_NATS_TLS_CERT',
    );
    expect(() =>
      loadEnv(CommonEnv, { WEFT_NATS_TLS_CERT: client.crt, WEFT_NATS_TLS_KEY: client.crt }),
    ).toThrow('WEFT_NATS_TLS_KEY must name a readable PEM private key file');
    const env = loadEnv(CommonEnv, {
      WEFT_NATS_TLS_CA: ca.crt,
      WEFT_NATS_TLS_CERT: client.crt,
      WEFT_NATS_TLS_KEY: client.key,
    });
    expect(env.WEFT_NATS_TLS_CA).toBe(ca.crt);
  });
});
