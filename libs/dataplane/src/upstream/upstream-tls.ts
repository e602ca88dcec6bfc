// An ExternalService's TLS origination settings made ready to dial: its files read once per apply.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions, SecureContext } from 'node:tls';
import { describeResource, fail, ok, type ExternalService, type Result } from '@app/protocol';

/** How a proxy dials a TLS upstream; `id` names the settings, so changed ones get new connections. */
export interface UpstreamTls {
  readonly id: string;
  /** SNI and the name the certificate must carry; undefined: the endpoint's own address. */
  readonly servername: string | undefined;
  readonly options: Readonly<
    Pick<
      ConnectionOptions,
      'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'checkServerIdentity' | 'minVersion'
    >
  >;
  /**
   * Mesh mTLS: the caller's workload certificate and trust roots as of now (a renewed one for the
   * next connection); it replaces `ca`, `cert` and `key`.
   */
  readonly secureContext?: () => SecureContext | undefined;
  /** Mesh mTLS: the SPIFFE ID the server's certificate must name. */
  readonly peer?: string;
  /**
   * Mesh mTLS: offer by ALPN only what the destination's app speaks (h2 for an h2c Service, else
   * http/1.1), since the callee's inbound passes a request on to its app as it received it.
   * Otherwise both are offered and the server picks.
   */
  readonly alpnFollowsProtocol?: boolean;
}

/** What `tls.connect` takes for one new connection with these settings. */
export function connectionOptions(tls: UpstreamTls): ConnectionOptions {
  const secureContext = tls.secureContext?.();
  return secureContext ? { ...tls.options, secureContext } : { ...tls.options };
}

/**
 * The settings of `ext.spec.tls` with their files read, undefined without TLS; an unreadable file
 * is an error naming the field, so the snapshot is NACKed and the previous one keeps serving.
 */
export function loadUpstreamTls(ext: ExternalService): Result<UpstreamTls | undefined> {
  const tls = ext.spec.tls;
  if (!tls) return ok(undefined);
  const files = {
    caCertificates: tls.caCertificates,
    clientCertificate: tls.clientCertificate,
    privateKey: tls.privateKey,
  };
  const read: Partial<Record<keyof typeof files, string>> = {};
  for (const [field, path] of Object.entries(files) as [keyof typeof files, string | undefined][]) {
    if (path === undefined) continue;
    try {
      read[field] = readFileSync(path, 'utf8');
    } catch (err) {
      return fail([
        {
          resource: describeResource(ext),
          path: `spec.tls.${field}`,
          message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        },
      ]);
    }
  }
  const servername = tls.sni ?? ext.spec.hosts?.[0];
  const rejectUnauthorized = tls.insecureSkipVerify !== true;
  const id = createHash('sha256')
    .update(
      JSON.stringify([
        servername,
        rejectUnauthorized,
        read.caCertificates,
        read.clientCertificate,
        read.privateKey,
      ]),
    )
    .digest('hex')
    .slice(0, 16);
  return ok({
    id,
    servername,
    options: {
      rejectUnauthorized,
      ...(read.caCertificates !== undefined && { ca: read.caCertificates }),
      ...(read.clientCertificate !== undefined && { cert: read.clientCertificate }),
      ...(read.privateKey !== undefined && { key: read.privateKey }),
    },
  });
}
