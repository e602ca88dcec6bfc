// One upstream address a cluster can send to; `origin` keys its connection pool.
export interface Endpoint {
  readonly instanceId: string;
  readonly address: string;
  readonly port: number;
  readonly origin: string;
}

/** `https` for an endpoint the proxy originates TLS to. */
export function endpoint(
  instanceId: string,
  address: string,
  port: number,
  scheme: 'http' | 'https' = 'http',
): Endpoint {
  const host = address.includes(':') ? `[${address}]` : address;
  return { instanceId, address, port, origin: `${scheme}://${host}:${port}` };
}
