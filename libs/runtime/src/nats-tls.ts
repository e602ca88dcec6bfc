// NATS over TLS: the server CA and client certificate settings, checked once at start; the client
// re-reads the files on every (re)connect, so a renewed certificate is picked up without a restart.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { TlsOptions } from '@nats-io/transport-node';

/** The TLS settings of a NATS connection, by environment variable. */
export interface NatsTlsSettings {
  /** PEM file of the CA(s) that signed the NATS server's certificate. */
  readonly WEFT_NATS_TLS_CA?: string;
  /** PEM file of the client certificate (with `WEFT_NATS_TLS_KEY`), for servers that verify clients. */
  readonly WEFT_NATS_TLS_CERT?: string;
  readonly WEFT_NATS_TLS_KEY?: string;
}

/**
 * The client's `tls` option: the files the settings name, after checking each is readable PEM of the
 * right kind (throws naming the variable); `{}` (TLS required, system CAs) when only a `tls://`
 * server asks for it; undefined (TLS only when the server requires it) otherwise.
 */
export async function natsTlsOptions(
  settings: NatsTlsSettings,
  servers: readonly string[],
): Promise<TlsOptions | undefined> {
  const { WEFT_NATS_TLS_CA: ca, WEFT_NATS_TLS_CERT: cert, WEFT_NATS_TLS_KEY: key } = settings;
  if (Boolean(cert) !== Boolean(key)) {
    throw new Error('WEFT_NATS_TLS_CERT and WEFT_NATS_TLS_KEY must be set together');
  }
  const tls: TlsOptions = {};
  if (ca) {
    await check('WEFT_NATS_TLS_CA', ca, (pem) => new X509Certificate(pem));
    tls.caFile = ca;
  }
  if (cert && key) {
    await check('WEFT_NATS_TLS_CERT', cert, (pem) => new X509Certificate(pem));
    await check('WEFT_NATS_TLS_KEY', key, (pem) => createPrivateKey(pem));
    tls.certFile = cert;
    tls.keyFile = key;
  }
  if (ca || cert) return tls;
  return servers.some((s) => /^tls:\/\//i.test(s)) ? tls : undefined;
}

async function check(
  variable: string,
  path: string,
  parse: (pem: Buffer) => unknown,
): Promise<void> {
  try {
    parse(await readFile(path));
  } catch (err) {
    throw new Error(`${variable}=${path}: ${(err as Error).message}`, { cause: err });
  }
}
