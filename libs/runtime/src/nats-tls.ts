// NATS over TLS: the server CA and client certificate settings, checked once at start; the client
// re-reads the files on every (re)connect, so a renewed certificate is picked up without a restart.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TlsOptions } from '@nats-io/transport-node';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/** The TLS settings of a NATS connection, by environment variable. */
export interface NatsTlsSettings {
  /** PEM file of the CA(s) that signed the NATS server's certificate. */
  readonly WEFT_NATS_TLS_CA?: string;
  /** PEM file of the client certificate (with `WEFT_NATS_TLS_KEY`), for servers that verify clients. */
  readonly WEFT_NATS_TLS_CERT?: string;
  readonly WEFT_NATS_TLS_KEY?: string;
}

type PemKind = 'certificate' | 'private key';

const PARSE: Record<PemKind, (pem: Buffer) => unknown> = {
  certificate: (pem) => new X509Certificate(pem),
  'private key': (pem) => createPrivateKey(pem),
};

/** Why `path` is no readable PEM `kind`, or undefined when it is. */
export function pemFileProblem(kind: PemKind, path: string): string | undefined {
  try {
    PARSE[kind](readFileSync(path));
    return undefined;
  } catch (err) {
    return `must name a readable PEM ${kind} file (${(err as Error).message})`;
  }
}

/** An env DTO property naming a PEM file of `kind`, read and parsed when the env is loaded. */
export function IsPemFile(kind: PemKind, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPemFile',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && pemFileProblem(kind, value) === undefined,
        defaultMessage: (args) =>
          `${args?.property} ${pemFileProblem(kind, String(args?.value)) ?? ''}`,
      },
    },
    options,
  );
}

/**
 * The client's `tls` option: the files the settings name (throws naming the variable when one is
 * not readable PEM of its kind); `{}` (TLS required, system CAs) when only a `tls://` server asks
 * for it; undefined (TLS only when the server requires it) otherwise.
 */
export function natsTlsOptions(
  settings: NatsTlsSettings,
  servers: readonly string[],
): TlsOptions | undefined {
  const { WEFT_NATS_TLS_CA: ca, WEFT_NATS_TLS_CERT: cert, WEFT_NATS_TLS_KEY: key } = settings;
  if (Boolean(cert) !== Boolean(key)) {
    throw new Error('WEFT_NATS_TLS_CERT and WEFT_NATS_TLS_KEY must be set together');
  }
  const files: [string, PemKind, string | undefined][] = [
    ['WEFT_NATS_TLS_CA', 'certificate', ca],
    ['WEFT_NATS_TLS_CERT', 'certificate', cert],
    ['WEFT_NATS_TLS_KEY', 'private key', key],
  ];
  for (const [variable, kind, path] of files) {
    const problem = path ? pemFileProblem(kind, path) : undefined;
    if (problem) throw new Error(`${variable}=${path}: ${problem}`);
  }
  const tls: TlsOptions = {};
  if (ca) tls.caFile = ca;
  if (cert && key) Object.assign(tls, { certFile: cert, keyFile: key });
  if (ca || cert) return tls;
  return servers.some((s) => /^tls:\/\//i.test(s)) ? tls : undefined;
}
