// One upstream address a cluster can send to; `origin` keys its connection pool.
import { DEFAULT_CLUSTER, type Locality } from '@app/protocol';
import type { UpstreamTls } from './upstream-tls.js';

/** A meshed endpoint's place: its cluster always set (older proxies' instances are `local`). */
export interface EndpointLocality extends Locality {
  readonly cluster: string;
  /** `cluster/region/zone`: the same string for every endpoint in one place. */
  readonly key: string;
}

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
  /** Where a meshed instance runs; undefined for an ExternalService's or the local app's address. */
  readonly locality?: EndpointLocality;
}

/** `https` for an endpoint the proxy originates TLS to; `tls` for one it speaks mTLS to. */
export function endpoint(
  instanceId: string,
  address: string,
  port: number,
  scheme: 'http' | 'https' = 'http',
  tls?: UpstreamTls,
  locality?: Locality,
): Endpoint {
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    instanceId,
    address,
    port,
    origin: `${scheme}://${host}:${port}`,
    ...(tls && { tls }),
    ...(locality && { locality: endpointLocality(locality) }),
  };
}

function endpointLocality({ cluster = DEFAULT_CLUSTER, region, zone }: Locality): EndpointLocality {
  return {
    cluster,
    ...(region !== undefined && { region }),
    ...(zone !== undefined && { zone }),
    key: `${cluster}/${region ?? ''}/${zone ?? ''}`,
  };
}
