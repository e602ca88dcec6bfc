// The admin API over HTTPS (WEFT_ADMIN_TLS_*), asking for client certificates when roots are given.
import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import type { ControlPlaneEnv } from '../control-plane-env.dto.js';

/**
 * What client certificates must chain to. A file today (WEFT_ADMIN_TLS_CLIENT_CA); the mesh CA's
 * trust bundle once it exists: the same getter, read when the listener's TLS context is built.
 */
export interface ClientCertificateRoots {
  /** PEM certificates. */
  current(): string[];
}

/** The roots in a PEM file, read once. */
export function clientRootsFromFile(path: string): ClientCertificateRoots {
  const pem = readFile(path, 'WEFT_ADMIN_TLS_CLIENT_CA');
  return { current: () => [pem] };
}

export type AdminHttpsOptions = Pick<
  ServerOptions,
  'cert' | 'key' | 'minVersion' | 'requestCert' | 'rejectUnauthorized' | 'ca'
>;

/**
 * Options of the HTTPS listener, or undefined for plain HTTP. A client certificate is asked for
 * but not required (bearer tokens work without one, and health and metrics stay open): Node
 * verifies it against the roots and the authenticator reads the verdict from the socket.
 */
export function adminHttpsOptions(
  env: ControlPlaneEnv,
  roots: ClientCertificateRoots | undefined,
): AdminHttpsOptions | undefined {
  if (env.WEFT_ADMIN_TLS_CERT === undefined || env.WEFT_ADMIN_TLS_KEY === undefined)
    return undefined;
  return {
    cert: readFile(env.WEFT_ADMIN_TLS_CERT, 'WEFT_ADMIN_TLS_CERT'),
    key: readFile(env.WEFT_ADMIN_TLS_KEY, 'WEFT_ADMIN_TLS_KEY'),
    minVersion: 'TLSv1.2',
    ...(roots !== undefined && {
      requestCert: true,
      rejectUnauthorized: false,
      ca: roots.current(),
    }),
  };
}

function readFile(path: string, setting: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${setting} ${path}: ${(err as Error).message}`);
  }
}
