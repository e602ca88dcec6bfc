// One upstream address a cluster can send to; `origin` keys its connection pool.
import type { UpstreamTls } from './upstream-tls.js';

export interface Endpoint {
  readonly instanceId: string;
  readonly address: string;
  readonly port: number;
  readonly origin: string;
  /**
   * A meshed instance's mutual TLS (the caller's certificate, the instance's identity to check);
   * undefined: the cluster's own settings (plaintext, or an ExternalService's TLS).
   */
  readonly tls?: UpstreamTls;
}

/** `https` for an endpoint the proxy originates TLS to; `tls` for one it speaks mTLS to. */
export function endpoint(
  instanceId: string,
  address: string,
  port: number,
  scheme: 'http' | 'https' = 'http',
  tls?: UpstreamTls,
): Endpoint {
  const host = address.includes(':') ? `[${address}]` : address;
  return { instanceId, address, port, origin: `${scheme}://${host}:${port}`, ...(tls && { tls }) };
}
